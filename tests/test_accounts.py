"""Logging in and out, throttling, CSRF, passwords, user administration."""
import pytest

from capture.models import AuditEvent, User
from conftest import PASSWORD, csrf_token


def test_login_and_logout(client, auth, world):
    response = auth.login("secretary")
    assert response.status_code == 302
    assert "AAA" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert client.get("/").status_code == 302  # back to the login page
    assert client.get("/bodies").headers["Location"].startswith("/login")


def test_wrong_password_is_refused_and_audited(client, auth, world):
    response = auth.login("secretary", "wrong password")
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert AuditEvent.select().where(AuditEvent.action == "login.failed").count() == 1


def test_login_is_throttled_after_repeated_failures(client, auth, world):
    for _ in range(3):
        auth.login("secretary", "wrong password")
    # Even the right password is refused while the lock lasts.
    response = auth.login("secretary", PASSWORD)
    assert response.status_code == 429
    assert "登录尝试过于频繁" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client, auth, world):
    auth.login("admin")
    response = client.post("/bodies/new", data={"name": "x", "code": "XX"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code != 302


def test_inactive_user_cannot_log_in(client, auth, world):
    User.update(active=False).where(User.username == "viewer").execute()
    assert auth.login("viewer").status_code == 401


def test_changing_password_ends_other_sessions(app, world):
    first, second = app.test_client(), app.test_client()
    from conftest import AuthActions
    AuthActions(first).login("secretary")
    AuthActions(second).login("secretary")
    response = AuthActions(first).post("/account/password", {
        "current": PASSWORD, "new": "a brand new secret", "confirm": "a brand new secret"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302  # the other session has ended


def test_admin_creates_and_deactivates_a_user(client, auth, world):
    auth.login("admin")
    response = auth.post("/admin/users/new", {
        "username": "newbie", "display_name": "新人", "email": "", "role": "secretary",
        "language": "zh_Hans", "active": "y", "password": "long enough password"})
    assert response.status_code == 302
    user = User.get(User.username == "newbie")
    assert user.role == "secretary" and user.check_password("long enough password")
    response = auth.post(f"/admin/users/{user.id}", {
        "username": "newbie", "display_name": "新人", "email": "", "role": "viewer",
        "language": "zh_Hans"})  # unchecked box: deactivated
    assert response.status_code == 302
    user = User.get_by_id(user.id)
    assert not user.active and user.role == "viewer"
    edit = AuditEvent.get(AuditEvent.action == "user.edit")
    assert '"role": ["secretary", "viewer"]' in edit.details


def test_admin_form_keeps_what_was_typed_on_error(client, auth, world):
    auth.login("admin")
    response = auth.post("/admin/users/new", {
        "username": "bad name!", "display_name": "保留的姓名", "role": "secretary",
        "language": "zh_Hans", "password": "long enough password"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "用户名只能包含字母" in html and "保留的姓名" in html


def test_only_admins_manage_users(client, auth, world):
    auth.login("liaison")
    assert client.get("/admin/users").status_code == 403


def test_language_switch_to_english(client, auth, world):
    auth.login("secretary")
    page = client.get("/")
    client.post("/language", data={"language": "en", "next": "/", "csrf_token": csrf_token(page)})
    assert "My temporary bodies" in client.get("/").get_data(as_text=True)
    assert User.get(User.username == "secretary").language == "en"


def test_security_headers_and_cookie_flags(client, auth, world):
    response = auth.login("secretary")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_login_does_not_redirect_off_site(client, world):
    page = client.get("/login")
    response = client.post("/login?next=//evil.example/x", data={
        "username": "admin", "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/\\evil.example/x", "/\t/evil.example/x", "https://evil.example/x"])
def test_login_does_not_redirect_off_site_however_the_address_is_written(client, world, target):
    # Browsers read a backslash as a slash and drop tabs: "/\\evil.example" is "//evil.example".
    page = client.get("/login")
    response = client.post("/login", query_string={"next": target}, data={
        "username": "admin", "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert response.headers["Location"] == "/"


def test_cookies_are_secure_when_configured(tmp_path):
    from capture import create_app, schema
    from capture.db import db
    from conftest import make_user
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATA_DIR": str(tmp_path),
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}", "COOKIE_SECURE": True})
    with db.connection_context():
        schema.migrate()
        make_user("admin", "admin")
    from conftest import AuthActions
    response = AuthActions(app.test_client()).login("admin")
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]


def test_a_server_error_gets_a_plain_chinese_page(app, client, auth, world):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_boom")
    def boom():
        raise RuntimeError("bug")

    response = client.get("/_boom")
    assert response.status_code == 500
    assert "服务器出错" in response.get_data(as_text=True) and "RuntimeError" not in response.get_data(as_text=True)
