"""Hostile and malformed input: no 500 anywhere, a clear message, nothing changed."""
import io
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from capture.models import Body, User
from capture.ops import samples

from conftest import AuthActions, csrf_token

NASTY = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["<script>alert(1)</script>", "\u202eexe.pdf", "x" * 10_000, "\x00\x01\x1f",
                     "../../etc/passwd", "2020-02-30", "0000-01-01", "9999-12-31", "-1", "１２３",
                     "' OR 1=1 --", "e\u0301", "\ud7ff", "NaN"]))

HYPOTHESIS = settings(max_examples=25, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


@HYPOTHESIS
@given(name=NASTY, code=NASTY, fonds=NASTY, established=NASTY, cadence=NASTY, kind=NASTY)
def test_body_form_never_fails_on_bad_input(app, world, name, code, fonds, established, cadence, kind):
    client = app.test_client()
    auth = AuthActions(client)
    auth.login("admin")
    before = Body.select().count()
    page = client.get("/bodies/new")
    response = client.post("/bodies/new", data={
        "name": name, "code": code, "fonds_code": fonds, "kind": kind, "tier": "key",
        "cadence_days": cadence, "established_on": established, "csrf_token": csrf_token(page)})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Body.select().count() == before  # refused: nothing created
        assert 'class="error"' in response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html  # escaped, never executed


@HYPOTHESIS
@given(username=NASTY, password=NASTY)
def test_login_never_fails_on_bad_input(app, world, username, password):
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(page)})
    assert response.status_code in (200, 401, 429)


@HYPOTHESIS
@given(username=NASTY, display=NASTY, email=NASTY, role=NASTY)
def test_user_form_never_fails_on_bad_input(app, world, username, display, email, role):
    client = app.test_client()
    AuthActions(client).login("admin")
    before = User.select().count()
    page = client.get("/admin/users/new")
    response = client.post("/admin/users/new", data={
        "username": username, "display_name": display, "email": email, "role": role,
        "language": "zh_Hans", "password": "long enough password", "csrf_token": csrf_token(page)})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert User.select().count() == before


@pytest.mark.parametrize("path", ["/bodies/abc", "/bodies/-1", "/bodies/99999999999999999999",
                                  "/admin/users/0", "/bodies/1/../../etc/passwd"])
def test_odd_urls_are_plain_404s(client, auth, world, path):
    auth.login("admin")
    assert client.get(path).status_code == 404


FILE_NAMES = st.one_of(
    st.text(max_size=320),
    st.sampled_from(["../../etc/passwd", "/etc/shadow.pdf", "C:\\Windows\\evil.pdf", "a\x00b.pdf",
                     "e\u0301te\u0301.pdf", "x" * 300 + ".pdf", "\u202efdp.exe", " .pdf ", "%2e%2e%2f.pdf",
                     "CON.pdf", "通知.PDF"]))


def _register_form(client, body, title, date, name, content):
    page = client.get(f"/bodies/{body.id}/documents/new")
    return client.post(f"/bodies/{body.id}/documents/new", content_type="multipart/form-data", data={
        "category": "ZH", "retention": "Y", "carrier": "electronic", "doc_number": "",
        "responsible": "区疫情防控工作指挥部", "title": title, "date": date, "pages": "1",
        "security": "", "scope_item": "", "remarks": "", "csrf_token": csrf_token(page),
        "files": [(io.BytesIO(content), name)]})


@HYPOTHESIS
@given(title=NASTY, date=NASTY, name=FILE_NAMES)
def test_register_form_never_fails_on_hostile_input(app, world, title, date, name):
    from capture.models import Document, File
    client = app.test_client()
    AuthActions(client).login("secretary")
    before = Document.select().count()
    response = _register_form(client, world["a"], title, date, name, b"%PDF-1.4\n%%EOF\n")
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 422:
        assert Document.select().count() == before  # refused: nothing registered
        assert 'class="error"' in response.get_data(as_text=True)
    else:
        stored = File.select().order_by(File.id.desc()).get()
        assert "/" not in stored.original_name and "\\" not in stored.original_name
        assert unicodedata.is_normalized("NFC", stored.original_name)
        assert not any(unicodedata.category(c)[0] == "C" for c in stored.original_name)
        assert len(stored.original_name) <= 255


@pytest.mark.parametrize("date", ["2020-02-30", "0000-01-01", "0001-01-01", "9999-12-31", "2026-13-01"])
def test_impossible_or_absurd_dates_are_refused_with_a_message(app, world, date):
    from capture.models import Document
    client = app.test_client()
    AuthActions(client).login("secretary")
    response = _register_form(client, world["a"], "会议纪要", date, "纪要.pdf", b"%PDF-1.4\n%%EOF\n")
    assert response.status_code == 422
    assert "成文日期" in response.get_data(as_text=True)
    assert Document.select().count() == 0


def test_a_file_whose_content_does_not_match_its_name_is_identified_by_content(app, world):
    from capture.models import File
    client = app.test_client()
    AuthActions(client).login("secretary")
    response = _register_form(client, world["a"], "现场照片", "2026-03-01", "照片.jpg", samples.pdf("Not a photo"))
    assert response.status_code == 302
    assert File.get().media_type == "application/pdf"


def test_file_names_that_differ_only_in_case_are_both_kept(app, world):
    from capture.models import File
    client = app.test_client()
    AuthActions(client).login("secretary")
    page = client.get(f"/bodies/{world['a'].id}/documents/new")
    response = client.post(f"/bodies/{world['a'].id}/documents/new", content_type="multipart/form-data", data={
        "category": "ZH", "retention": "Y", "carrier": "electronic", "responsible": "区政府",
        "title": "附件", "date": "2026-03-01", "pages": "2", "csrf_token": csrf_token(page),
        "files": [(io.BytesIO(b"%PDF-1.4\n1\n%%EOF\n"), "Notice.pdf"), (io.BytesIO(b"%PDF-1.4\n2\n%%EOF\n"), "notice.pdf")]})
    assert response.status_code == 302
    assert sorted(f.original_name for f in File.select()) == ["Notice.pdf", "notice.pdf"]


def test_an_upload_over_the_limit_gets_a_clear_413_and_stores_nothing(app, world):
    app.config["MAX_CONTENT_LENGTH"] = 200_000
    client = app.test_client()
    AuthActions(client).login("secretary")
    response = _register_form(client, world["a"], "大文件", "2026-03-01", "video.mp4", b"\0" * 300_000)
    assert response.status_code == 413
    assert "文件过大" in response.get_data(as_text=True)
    assert app.extensions["store"].all_digests() == []
