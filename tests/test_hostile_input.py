"""Hostile and malformed input: no 500 anywhere, a clear message, nothing changed."""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from capture.models import Body, User
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
