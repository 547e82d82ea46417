"""The JSON API: tokens, permissions, registering with files, idempotency, errors, rate limit."""
import datetime as dt
import io
import json
import zipfile

import time_machine

from capture.db import db
from capture.models import (ApiToken, CheckIn, Document, File, FollowUp, IdempotencyKey, Membership,
                            Transfer, User)
from capture.ops import samples
from capture.people import rates, tokens

FIELDS = {"category": "ZH", "retention": "Y", "carrier": "electronic",
          "doc_number": "沪行审〔2026〕15号", "responsible": "区行政服务中心",
          "title": "关于同意某某公司临时占用道路的批复", "date": "2026-03-15", "pages": "2"}


def token_for(user, scopes="read write"):
    with db.connection_context():
        return tokens.create(user, f"{user.username} 的系统", scopes)[1]


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def register(client, raw, body, files=(("批复.pdf", None),), headers=None, **overrides):
    data = dict(FIELDS, **overrides)
    data["files"] = [(io.BytesIO(content or samples.pdf("Approval")), name) for name, content in files]
    return client.post(f"/api/v1/bodies/{body.id}/documents", data=data,
                       content_type="multipart/form-data", headers={**bearer(raw), **(headers or {})})


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == status
    return problem


def test_business_system_archives_a_finished_case_in_one_request(client, world):
    raw = token_for(world["secretary"])
    response = register(client, raw, world["a"], files=[("批复.pdf", None), ("现场照片.jpg", samples.jpeg())])
    assert response.status_code == 201
    created = response.get_json()
    assert created["reference_code"] == "J001-WS·2026-Y-ZH-0001"
    assert response.headers["Location"] == created["url"]
    assert [f["original_name"] for f in created["files"]] == ["批复.pdf", "现场照片.jpg"]
    assert created["files"][1]["puid"] == "fmt/43" and created["files"][1]["long_term"]

    again = client.get(created["url"], headers=bearer(raw)).get_json()
    assert again["title"] == FIELDS["title"] and again["file_count"] == 2
    content = client.get(again["files"][1]["download_url"], headers=bearer(raw))
    assert content.status_code == 200 and content.data == samples.jpeg()
    assert "filename*=UTF-8''" in content.headers["Content-Disposition"]


def test_the_api_uses_the_web_forms_validation_and_names_each_field(client, world):
    raw = token_for(world["secretary"])
    response = register(client, raw, world["a"], title="", date="2099-01-01", retention="Q")
    problem = assert_problem(response, 422)
    assert set(problem["errors"]) == {"title", "date", "retention"}
    assert "题名" in problem["errors"]["title"][0]
    assert problem["type"].endswith("#problem-validation")
    assert Document.select().count() == 0


def test_unknown_fields_are_refused_rather_than_silently_dropped(app, client, world):
    raw = token_for(world["secretary"])
    problem = assert_problem(register(client, raw, world["a"], titel="错字段"), 422)
    assert "titel" in problem["errors"]
    assert "、title、" in problem["errors"]["titel"][0]
    app.config["LANGUAGE"] = "en"  # an installation whose language is English
    problem = assert_problem(register(client, raw, world["a"], titel="错字段"), 422)
    assert ", title, " in problem["errors"]["titel"][0] and "、" not in problem["errors"]["titel"][0]


def test_a_program_disguised_as_a_pdf_is_refused(client, world):
    raw = token_for(world["secretary"])
    problem = assert_problem(register(client, raw, world["a"], files=[("通知.pdf", b"MZ\x90\x00" + bytes(300))]), 422)
    assert "可执行程序" in problem["errors"]["files"][0]


def test_field_and_file_problems_come_in_one_answer(client, world):
    raw = token_for(world["secretary"])
    problem = assert_problem(register(client, raw, world["a"], title="", date="2099-01-01", pages="-3",
                                      files=[("setup.exe", b"MZ\x90\x00" + bytes(300))]), 422)
    assert {"title", "date", "pages", "files"} <= set(problem["errors"])
    assert "setup.exe" in problem["errors"]["files"][0]


def test_a_file_the_body_holds_is_named_with_the_field_problems(client, world):
    raw = token_for(world["secretary"])
    pdf = samples.pdf("Minutes")
    first = register(client, raw, world["a"], files=[("纪要.pdf", pdf)]).get_json()
    problem = assert_problem(register(client, raw, world["a"], title="", files=[("纪要（副本）.pdf", pdf)]), 422)
    assert "title" in problem["errors"]
    assert first["reference_code"] in problem["errors"]["files"][0]


def test_secretary_token_cannot_read_or_write_another_bodys_documents(app, client, world):
    own, other = world["a"], world["b"]
    liaison_b = User.create(username="liaison_b", display_name="B 指导", role="liaison", password_hash="")
    Membership.create(user=liaison_b, body=other, role="liaison")
    document = register(client, token_for(liaison_b), other).get_json()

    raw = token_for(world["secretary"])
    assert [b["code"] for b in client.get("/api/v1/bodies", headers=bearer(raw)).get_json()["items"]] == [own.code]
    for url in (f"/api/v1/bodies/{other.id}", f"/api/v1/bodies/{other.id}/documents",
                document["url"], document["files"][0]["download_url"],
                f"/api/v1/bodies/{other.id}/checkins", f"/api/v1/bodies/{other.id}/transfers"):
        assert_problem(client.get(url, headers=bearer(raw)), 404)
    assert_problem(register(client, raw, other), 404)
    add = client.post(document["url"] + "/files", data={"files": [(io.BytesIO(samples.jpeg()), "x.jpg")]},
                      content_type="multipart/form-data", headers=bearer(raw))
    assert_problem(add, 404)
    # An id of B's document asked through A's path finds nothing either.
    assert_problem(client.get(f"/api/v1/bodies/{own.id}/documents/{document['id']}", headers=bearer(raw)), 404)
    assert Document.select().count() == 1


def test_a_viewer_token_never_does_more_than_the_viewer(client, world):
    raw = token_for(world["viewer"])  # even with the write scope
    assert client.get(f"/api/v1/bodies/{world['a'].id}/documents", headers=bearer(raw)).status_code == 200
    assert_problem(register(client, raw, world["a"]), 403)
    assert_problem(client.get(f"/api/v1/bodies/{world['a'].id}/checkins", headers=bearer(raw)), 403)


def test_a_read_token_cannot_write(client, world):
    raw = token_for(world["secretary"], scopes="read")
    problem = assert_problem(register(client, raw, world["a"]), 403)
    assert problem["type"].endswith("#problem-insufficient-scope")
    assert 'error="insufficient_scope"' in register(client, raw, world["a"]).headers["WWW-Authenticate"]
    assert client.get("/api/v1/token", headers=bearer(raw)).get_json()["scopes"] == ["read"]


def test_revoked_tokens_and_inactive_users_are_refused(client, world):
    raw = token_for(world["secretary"])
    assert client.get("/api/v1/bodies", headers=bearer(raw)).status_code == 200
    token = ApiToken.get(ApiToken.token_hash == tokens.digest(raw))
    tokens.revoke(world["secretary"], token.id)
    response = client.get("/api/v1/bodies", headers=bearer(raw))
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")

    raw = token_for(world["liaison"])
    User.update(active=False).where(User.id == world["liaison"].id).execute()
    assert_problem(client.get("/api/v1/bodies", headers=bearer(raw)), 401)
    assert_problem(client.get("/api/v1/bodies"), 401)
    assert_problem(client.get("/api/v1/bodies", headers={"Authorization": "Basic abc"}), 401)


def test_a_logged_in_browser_session_does_not_authenticate_the_api(client, auth, world):
    auth.login("secretary")
    assert_problem(client.get("/api/v1/bodies"), 401)
    response = client.post(f"/api/v1/bodies/{world['a'].id}/documents", data=FIELDS,
                           content_type="multipart/form-data")
    assert_problem(response, 401)


def test_the_same_idempotency_key_twice_creates_one_document(client, world):
    raw = token_for(world["secretary"])
    key = {"Idempotency-Key": "7f1c1f5e-3c55-4d61-9d6b-2a4a9b9f0c11"}
    first = register(client, raw, world["a"], headers=key)
    second = register(client, raw, world["a"], headers=key)
    assert first.status_code == second.status_code == 201
    assert second.get_json() == first.get_json()
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Document.select().count() == 1 and File.select().count() == 1

    different = register(client, raw, world["a"], headers=key, title="另一件文件")
    assert assert_problem(different, 422)["type"].endswith("#problem-idempotency-key-reused")
    assert Document.select().count() == 1
    assert register(client, raw, world["a"], headers={"Idempotency-Key": "another"},
                    files=[("批复二.pdf", samples.pdf("Another"))]).status_code == 201
    assert Document.select().count() == 2


def test_a_failed_request_does_not_use_up_its_idempotency_key(client, world):
    raw = token_for(world["secretary"])
    key = {"Idempotency-Key": "retry-after-fixing"}
    assert register(client, raw, world["a"], headers=key, date="日期").status_code == 422
    assert register(client, raw, world["a"], headers=key).status_code == 201


def test_a_key_still_being_processed_answers_409(client, world):
    raw = token_for(world["secretary"])
    IdempotencyKey.create(user=world["secretary"], key="busy", fingerprint="x" * 64)
    response = register(client, raw, world["a"], headers={"Idempotency-Key": "busy"})
    # Same key, different request: the draft's 422 comes before "in progress".
    assert_problem(response, 422)
    IdempotencyKey.delete().execute()
    first = register(client, raw, world["a"], headers={"Idempotency-Key": "busy"})
    IdempotencyKey.update(status=None).execute()
    assert assert_problem(register(client, raw, world["a"], headers={"Idempotency-Key": "busy"}), 409)
    assert first.status_code == 201


def test_adding_a_file_and_a_new_version(client, world):
    raw = token_for(world["secretary"])
    document = register(client, raw, world["a"]).get_json()
    added = client.post(document["url"] + "/files", headers=bearer(raw), content_type="multipart/form-data",
                        data={"files": [(io.BytesIO(samples.jpeg()), "签收单.jpg")]})
    assert added.status_code == 201
    assert [f["original_name"] for f in added.get_json()["files"]] == ["批复.pdf", "签收单.jpg"]
    first_id = document["files"][0]["id"]
    replaced = client.post(document["url"] + "/files", headers=bearer(raw), content_type="multipart/form-data",
                           data={"replaces": str(first_id),
                                 "files": [(io.BytesIO(samples.pdf("Approval v2")), "批复（修订）.pdf")]})
    files = replaced.get_json()["files"]
    assert [(f["version"], f["current"]) for f in files] == [(1, False), (1, True), (2, True)]


def test_search_and_pages(client, world):
    raw = token_for(world["secretary"])
    for n in range(3):
        register(client, raw, world["a"], files=(), title=f"第{n + 1}次会议纪要")
    url = f"/api/v1/bodies/{world['a'].id}/documents"
    page = client.get(url + "?q=会议&per_page=2&sort=code", headers=bearer(raw)).get_json()
    assert [d["title"] for d in page["items"]] == ["第1次会议纪要", "第2次会议纪要"]
    assert page["has_next"] and "q=" in page["next"]
    rest = client.get(page["next"], headers=bearer(raw)).get_json()
    assert [d["title"] for d in rest["items"]] == ["第3次会议纪要"] and rest["next"] is None
    problem = assert_problem(client.get(url + "?per_page=1000&year=abc&retention=X", headers=bearer(raw)), 422)
    assert set(problem["errors"]) == {"per_page", "year", "retention"}


def test_checkins_follow_ups_and_transfer_status(app, client, world, tmp_path):
    body = world["a"]
    checkin = CheckIn.create(body=body, liaison=world["liaison"], scheduled_for=dt.datetime(2026, 3, 2, 1, 30),
                             status="held", findings="会议纪要未归档")
    FollowUp.create(checkin=checkin, action="补齐第三次会议纪要", owner="张文书", due=dt.date(2026, 3, 9))
    FollowUp.create(checkin=checkin, action="整理照片", due=dt.date(2026, 3, 1), done_on=dt.date(2026, 3, 1))
    package = tmp_path / "J001-AAA-20260401.zip"
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("bagit.txt", "BagIt-Version: 1.0\n")
    transfer = Transfer.create(body=body, run_by=world["transfer_officer"], status="exported",
                               package_path=str(package), package_sha256="ab" * 32, item_count=1)
    raw = token_for(world["secretary"])
    listed = client.get(f"/api/v1/bodies/{body.id}/checkins", headers=bearer(raw)).get_json()
    assert listed["items"][0]["scheduled_for"] == "2026-03-02T01:30:00Z"
    assert [f["action"] for f in listed["items"][0]["follow_ups"]] == ["整理照片", "补齐第三次会议纪要"]
    open_ones = client.get(f"/api/v1/bodies/{body.id}/follow-ups?open=true", headers=bearer(raw)).get_json()
    assert [f["action"] for f in open_ones["items"]] == ["补齐第三次会议纪要"]
    status = client.get(f"/api/v1/bodies/{body.id}/transfers/{transfer.id}", headers=bearer(raw)).get_json()
    assert status["status"] == "exported" and status["package_url"]
    # The package holds the whole fonds and its audit trail: for the receiving side only.
    assert_problem(client.get(status["package_url"], headers=bearer(raw)), 403)
    officer = token_for(world["transfer_officer"])
    download = client.get(status["package_url"], headers=bearer(officer))
    assert download.status_code == 200 and download.data == package.read_bytes()
    assert download.headers["Repr-Digest"].startswith("sha-256=:")
    Transfer.update(status="checking").execute()
    assert_problem(client.get(status["package_url"], headers=bearer(officer)), 409)


def test_every_error_under_api_is_a_problem_document(app, client, world):
    raw = token_for(world["secretary"])
    assert_problem(client.get("/api/v1/nowhere", headers=bearer(raw)), 404)
    response = client.delete("/api/v1/bodies", headers=bearer(raw))
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]
    wrong_type = client.post(f"/api/v1/bodies/{world['a'].id}/documents", headers=bearer(raw),
                             data=json.dumps(FIELDS), content_type="application/json")
    assert_problem(wrong_type, 415)
    app.config["MAX_CONTENT_LENGTH"] = 1000
    assert_problem(register(client, raw, world["a"], files=[("大文件.pdf", samples.pdf("x") + bytes(2000))]), 413)
    bad_key = register(client, raw, world["a"], headers={"Idempotency-Key": "键"})
    assert_problem(bad_key, 400)


def test_an_unexpected_error_is_a_problem_without_a_stack_trace(app, client, world, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    raw = token_for(world["secretary"])
    from capture.api import queries

    def broken(user):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(queries, "bodies_with_roles", broken)
    response = client.get("/api/v1/bodies", headers=bearer(raw))
    problem = assert_problem(response, 500)
    assert "secret internals" not in response.get_data(as_text=True) and "Traceback" not in problem["detail"]


def test_rate_limit_per_token_answers_429_with_retry_after(app, client, world):
    app.config["API_RATE_PER_MINUTE"] = 3
    raw, other = token_for(world["secretary"]), token_for(world["liaison"])
    with time_machine.travel(dt.datetime(2026, 3, 15, 8, 0, 20, tzinfo=dt.timezone.utc), tick=False):
        for _ in range(3):
            assert client.get("/api/v1/bodies", headers=bearer(raw)).status_code == 200
        limited = client.get("/api/v1/bodies", headers=bearer(raw))
        problem = assert_problem(limited, 429)
        assert problem["type"].endswith("#problem-rate-limited")
        assert limited.headers["Retry-After"] == "40"
        assert client.get("/api/v1/bodies", headers=bearer(other)).status_code == 200
    with time_machine.travel(dt.datetime(2026, 3, 15, 8, 1, 0, tzinfo=dt.timezone.utc), tick=False):
        assert client.get("/api/v1/bodies", headers=bearer(raw)).status_code == 200
    rates.COUNTER.flush()  # as after every response, at most once a second
    token = ApiToken.get(ApiToken.token_hash == tokens.digest(raw))
    assert token.last_used_at == dt.datetime(2026, 3, 15, 8, 1, 0)


def test_every_api_route_is_in_the_openapi_document(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}")
            served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    ref = response["$ref"].rsplit("/", 1)[1]
                    content = spec["components"]["responses"][ref]["content"]
                    assert list(content) == ["application/problem+json"], (path, method, status)


def test_the_human_page_lists_every_endpoint(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/bodies/{body_id}/documents" in page and "Idempotency-Key" in page
    assert 'id="problem-rate-limited"' in page
