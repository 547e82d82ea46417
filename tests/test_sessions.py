"""Sessions end when they should: at logout, by the user everywhere, by an administrator."""
from capture import models
from capture.models import AuditEvent

from conftest import PASSWORD, AuthActions


def logged_in(app, username):
    client = app.test_client()
    AuthActions(client).login(username)
    assert client.get("/bodies").status_code == 200
    return client


def replay(app, cookie):
    """A fresh browser that presents a copied session cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def goes_to_login(response):
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_cookie_copied_before_logout_opens_nothing_after(app, world):
    client = logged_in(app, "secretary")
    copied = client.get_cookie("session").value
    assert replay(app, copied).get("/bodies").status_code == 200  # the copy works while logged in
    AuthActions(client).logout()
    assert goes_to_login(replay(app, copied).get("/bodies"))
    ended = models.UserSession.get(models.UserSession.user == world["secretary"].id)
    assert ended.ended_at is not None and ended.ended_why == "logout"


def test_logging_out_ends_only_this_session(app, world):
    office, phone = logged_in(app, "secretary"), logged_in(app, "secretary")
    AuthActions(office).logout()
    assert goes_to_login(office.get("/bodies"))
    assert phone.get("/bodies").status_code == 200


def test_a_user_ends_all_their_sessions_from_the_account_page(app, world):
    office, phone = logged_in(app, "secretary"), logged_in(app, "secretary")
    page = office.get("/account/sessions").get_data(as_text=True)
    assert page.count("（当前）") == 1 and "结束全部会话" in page
    response = AuthActions(office).post("/account/sessions")
    assert goes_to_login(response)
    assert goes_to_login(office.get("/bodies")) and goes_to_login(phone.get("/bodies"))
    event = AuditEvent.get(AuditEvent.action == "sessions.end")
    assert event.username == "secretary" and '"count": 2' in event.details
    assert AuthActions(app.test_client()).login("secretary").status_code == 302  # may log in again


def test_an_administrator_ends_a_users_sessions(app, world):
    secretary = logged_in(app, "secretary")
    admin = AuthActions(logged_in(app, "admin"))
    page = admin._client.get(f"/admin/users/{world['secretary'].id}").get_data(as_text=True)
    assert "1 个有效的登录会话" in page
    response = admin.post(f"/admin/users/{world['secretary'].id}/sessions",
                          page=f"/admin/users/{world['secretary'].id}")
    assert response.status_code == 302
    assert goes_to_login(secretary.get("/bodies"))
    assert admin._client.get("/admin/users").status_code == 200  # the admin's own session goes on
    event = AuditEvent.get(AuditEvent.action == "sessions.end")
    assert event.username == "admin" and event.object_id == str(world["secretary"].id)


def test_a_password_reset_by_the_administrator_ends_the_users_sessions(app, world):
    secretary = logged_in(app, "secretary")
    admin = AuthActions(logged_in(app, "admin"))
    admin.post(f"/admin/users/{world['secretary'].id}", {
        "username": "secretary", "display_name": "Secretary", "email": "", "role": "secretary",
        "language": "zh_Hans", "active": "y", "password": "a new password from the admin"})
    assert goes_to_login(secretary.get("/bodies"))
    assert AuthActions(app.test_client()).login("secretary", PASSWORD).status_code == 401


def test_ending_sessions_needs_the_csrf_token(app, world):
    client = logged_in(app, "secretary")
    assert client.post("/account/sessions").status_code == 400
    assert client.get("/bodies").status_code == 200


def test_a_session_ends_after_the_configured_days(app, world):
    import datetime as dt

    import time_machine
    start = dt.datetime(2026, 5, 4, 1, 0, tzinfo=dt.timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        client = logged_in(app, "secretary")
        traveller.shift(dt.timedelta(days=app.config["SESSION_DAYS"], minutes=-1))
        assert client.get("/bodies").status_code == 200
        traveller.shift(dt.timedelta(minutes=2))
        assert goes_to_login(client.get("/bodies"))
