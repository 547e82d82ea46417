"""The web pages of this feature: API tokens (shown once, revocable) and bulk import (check, confirm)."""
import io
import re

from test_import import HEADER, ROWS, csv_bytes, zip_of
from test_import_jobs import work

from capture.models import ApiToken, Document
from capture.ops import samples


def test_a_token_is_shown_once_stored_hashed_and_revocable(client, auth, world):
    auth.login("secretary")
    page = auth.post("/account/tokens", {"label": "行政审批系统归档接口", "scopes": "read write"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    raw = re.search(r'value="(cap_[^"]+)"', page.get_data(as_text=True)).group(1)
    token = ApiToken.get()
    assert token.token_hash != raw and raw not in token.token_hash and len(token.token_hash) == 64
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "行政审批系统归档接口" in listing and raw not in listing and "从未使用" in listing

    api = client.application.test_client()
    used = api.get("/api/v1/bodies", headers={"Authorization": f"Bearer {raw}"})
    assert used.status_code == 200
    used.close()  # as a server does once the answer is sent: the use is then written down
    assert "从未使用" not in client.get("/account/tokens").get_data(as_text=True)

    auth.post("/account/tokens/revoke", {"token_id": str(token.id)}, page="/account/tokens")
    assert ApiToken.get().revoked_at is not None
    assert api.get("/api/v1/bodies", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_a_token_needs_a_name(client, auth, world):
    auth.login("secretary")
    page = auth.post("/account/tokens", {"label": " ", "scopes": "read"})
    assert page.status_code == 422 and "请为令牌起一个名称" in page.get_data(as_text=True)
    assert ApiToken.select().count() == 0


def test_nobody_revokes_another_users_token(client, auth, world):
    from capture.people import tokens
    token, _raw = tokens.create(world["liaison"], "指导系统", "read")
    auth.login("secretary")
    response = auth.post("/account/tokens/revoke", {"token_id": str(token.id)}, page="/account/tokens")
    assert response.status_code == 404
    assert ApiToken.get().revoked_at is None


def test_import_link_only_for_those_who_may_register(client, auth, world):
    url = f"/bodies/{world['a'].id}/documents"
    auth.login("secretary")
    assert f"/bodies/{world['a'].id}/import" in client.get(url).get_data(as_text=True)
    auth.logout()
    auth.login("viewer")
    assert "/import" not in client.get(url).get_data(as_text=True)


def checked_page(app, client, response):
    """Follow an upload to its job's page once the worker has done the check."""
    assert response.status_code == 303
    work(app)
    return client.get(response.headers["Location"])


def test_web_import_checks_first_then_imports_on_confirmation(app, client, auth, world):
    auth.login("secretary")
    url = f"/bodies/{world['a'].id}/import"
    archive = zip_of({"成立通知.pdf": samples.pdf("Founding"), "照片/隔离点.jpg": samples.jpeg()})
    checked = checked_page(app, client, auth.post(url, {"table": (io.BytesIO(csv_bytes(ROWS)), "目录.csv"),
                                                        "files": (io.BytesIO(archive), "文件.zip")},
                                                  content_type="multipart/form-data"))
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "检查通过：可以导入 3 件" in html
    assert "J001-WS·2026-Y-ZH-0001" in html and Document.select().count() == 0

    staged = re.search(r'name="staged" type="hidden" value="([0-9a-f]+)"', html).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    done = checked_page(app, client, client.post(url + "/confirm", data={"staged": staged, "csrf_token": token}))
    assert done.status_code == 200 and "已导入 3 件" in done.get_data(as_text=True)
    assert Document.select().count() == 3
    again = client.post(url + "/confirm", data={"staged": staged, "csrf_token": token})
    assert again.status_code == 400 and Document.select().count() == 3


def test_web_import_reports_each_problem_and_imports_nothing(app, client, auth, world):
    auth.login("secretary")
    rows = [list(r) for r in ROWS]
    rows[0][5] = "2026年13月1日"
    response = checked_page(app, client, auth.post(f"/bodies/{world['a'].id}/import",
                                                   {"table": (io.BytesIO(csv_bytes(rows, header=HEADER)), "目录.csv")},
                                                   content_type="multipart/form-data"))
    html = response.get_data(as_text=True)
    assert "一行也没有导入" in html
    assert "2026年13月1日" in html and "成立通知.pdf" in html  # the bad date, and files named but not attached
    assert "确认导入" not in html and Document.select().count() == 0


def test_a_staged_upload_belongs_to_its_uploader(app, client, auth, world):
    auth.login("secretary")
    url = f"/bodies/{world['a'].id}/import"
    rows = [r[:12] + [""] for r in ROWS]
    html = checked_page(app, client, auth.post(url, {"table": (io.BytesIO(csv_bytes(rows)), "目录.csv")},
                                               content_type="multipart/form-data")).get_data(as_text=True)
    staged = re.search(r'name="staged" type="hidden" value="([0-9a-f]+)"', html).group(1)
    auth.logout()
    auth.login("liaison")
    response = auth.post(url + "/confirm", {"staged": staged}, page=url)
    assert response.status_code == 400 and Document.select().count() == 0
