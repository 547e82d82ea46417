"""The liaison's dashboard is rendered once per state of the data, and any change shows at once."""
import datetime as dt

import pytest
import time_machine

from capture import audit, create_app
from capture.db import db, recorded_statements
from capture.guidance import fragments
from capture.models import AuditEvent, CheckIn
from capture.ops import scheduler

from conftest import AuthActions

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)  # Monday 09:00 in Shanghai


@pytest.fixture(autouse=True)
def monday_morning():
    """Every test here happens on Monday 2 March 2026 at 09:00 Shanghai time."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def board(client):
    """The dashboard's HTML."""
    response = client.get("/guidance")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def schedule_today(auth, world):
    """Another user schedules a check-in with body A at 14:30 today."""
    response = auth.post(f"/bodies/{world['a'].id}/checkins", {
        "date": "2026-03-02", "time": "14:30", "mode": "video", "place": "腾讯会议 123",
        "contact_person": "张文书", "liaison": str(world["liaison"].id)})
    assert response.status_code == 302


def today_section(html):
    return html.split('id="today"', 1)[1].split("</section>", 1)[0]


def test_dashboard_is_not_built_again_while_nothing_changes(client, auth, world):
    auth.login("liaison")
    board(client)
    with recorded_statements() as again:
        board(client)
    audit.record("test.touch")
    with recorded_statements() as built:
        board(client)
    # The user, the data version and the unread count; building the board takes more.
    assert len(again) == 3
    assert not any("check_in" in sql for sql in again)
    assert any("check_in" in sql for sql in built)


def test_check_in_scheduled_by_someone_else_shows_on_the_liaisons_next_request(app, client, auth, world):
    auth.login("liaison")
    assert "腾讯会议 123" not in board(client)
    admin = AuthActions(app.test_client())
    admin.login("admin")
    schedule_today(admin, world)
    assert "腾讯会议 123" in today_section(board(client))


def test_change_through_another_worker_shows_at_once(app, client, auth, world):
    auth.login("liaison")
    assert "腾讯会议 123" not in board(client)
    # A second app on the same database stands for another gunicorn worker (or server).
    other = create_app({key: app.config[key] for key in
                        ("TESTING", "SECRET_KEY", "DATA_DIR", "DATABASE_URL")})
    admin = AuthActions(other.test_client())
    admin.login("admin")
    schedule_today(admin, world)
    assert "腾讯会议 123" in today_section(board(client))


def test_recorded_outcome_leaves_the_list_of_missing_outcomes(client, auth, world):
    late = CheckIn.create(body=world["a"], liaison=world["liaison"],
                          scheduled_for=dt.datetime(2026, 2, 24, 6, 0))
    auth.login("liaison")
    assert f"/checkins/{late.id}" in board(client).split('id="needs-outcome"', 1)[1]
    assert auth.post(f"/bodies/{world['a'].id}/checkins/{late.id}", {
        "status": "missed", "mode": "on_site", "duration": "", "findings": "", "notes": "",
        "reason": "对方临时有会"}).status_code == 302
    assert f"/checkins/{late.id}" not in board(client)


def test_scheduler_flag_shows_on_the_next_request(app, client, auth, world):
    CheckIn.create(body=world["a"], liaison=world["liaison"],
                   scheduled_for=dt.datetime(2026, 2, 24, 6, 0))
    auth.login("liaison")
    assert "待登记结果" not in board(client)
    assert scheduler.run_once(app) == []
    assert AuditEvent.select().where(AuditEvent.action == "checkin.needs_outcome").count() == 1
    assert "待登记结果" in board(client)
    scheduler.run_once(app)  # nothing newly flagged: no second event
    assert AuditEvent.select().where(AuditEvent.action == "checkin.needs_outcome").count() == 1


def test_next_day_moves_tomorrows_check_in_to_today(client, auth, world, monday_morning):
    CheckIn.create(body=world["a"], liaison=world["liaison"], place="指挥部 302",
                   scheduled_for=dt.datetime(2026, 3, 3, 6, 30))
    auth.login("liaison")
    assert "指挥部 302" not in today_section(board(client))
    monday_morning.move_to(NOW + dt.timedelta(days=1))
    assert "指挥部 302" in today_section(board(client))


def test_dashboard_follows_the_users_language(client, auth, world):
    auth.login("liaison")
    assert "今天的指导" in board(client)
    auth.post("/language", {"language": "en", "next": "/guidance"}, page="/guidance")
    html = board(client)
    assert "今天的指导" not in html and "Today" in html


def test_body_newly_assigned_to_the_liaison_shows_on_the_next_request(app, client, auth, world):
    auth.login("liaison")
    assert "BBB 临时机构" not in board(client)
    admin = AuthActions(app.test_client())
    admin.login("admin")
    assert admin.post(f"/bodies/{world['b'].id}/members", {
        "username": "liaison", "role": "liaison"}).status_code == 302
    assert "BBB 临时机构" in board(client)  # at risk: no check-in for ten weeks


def test_part_rendered_while_a_change_came_in_is_not_kept(app):
    renders = []

    def render():
        renders.append(1)
        audit.record("test.change")  # committed by someone else while this was rendering
        return "old"

    with app.test_request_context(), db.connection_context():
        assert fragments.cached("part", render) == "old"
        assert fragments.cached("part", lambda: "new") == "new"
        assert fragments.cached("part", lambda: "newer") == "new"  # kept from here on
    assert renders == [1]


def test_parts_forget_the_least_recently_used():
    parts = fragments.Parts(size=2)
    parts.put("a", 1)
    parts.put("b", 2)
    assert parts.get("a") == 1
    parts.put("c", 3)
    assert (parts.get("a"), parts.get("b"), parts.get("c")) == (1, None, 3)
