"""Check-ins through the web: scheduling, outcomes, follow-ups, the dashboard, permissions."""
import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from capture.models import AuditEvent, Body, CheckIn, Commitment, FollowUp
from conftest import csrf_token

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)  # Monday 09:00 in Shanghai


@pytest.fixture(autouse=True)
def monday_morning():
    """Every test here happens on Monday 2 March 2026 at 09:00 Shanghai time."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def schedule(auth, body, liaison, **fields):
    form = {"date": "2026-03-03", "time": "14:30", "mode": "on_site", "place": "指挥部 302 会议室",
            "contact_person": "张文书", "liaison": str(liaison.id)}
    form.update(fields)
    return auth.post(f"/bodies/{body.id}/checkins", form)


def test_liaison_sees_the_next_check_in_proposed_from_the_cadence(client, auth, world):
    CheckIn.create(body=world["a"], liaison=world["liaison"], status="held",
                   scheduled_for=dt.datetime(2026, 2, 25, 2))
    auth.login("liaison")
    html = client.get(f"/bodies/{world['a'].id}/checkins").get_data(as_text=True)
    assert "建议下次指导" in html and "2026-03-04" in html
    assert 'value="2026-03-04"' in html  # the form is filled in with the proposal


def test_liaison_schedules_a_check_in_in_local_time(client, auth, world):
    auth.login("liaison")
    response = schedule(auth, world["a"], world["liaison"])
    assert response.status_code == 302
    checkin = CheckIn.get(CheckIn.body == world["a"])
    assert checkin.scheduled_for == dt.datetime(2026, 3, 3, 6, 30)  # 14:30 in Shanghai, stored UTC
    assert checkin.place == "指挥部 302 会议室" and checkin.liaison_id == world["liaison"].id
    assert AuditEvent.get(AuditEvent.action == "checkin.schedule").body_id == world["a"].id


def test_schedule_form_errors_are_shown_and_input_kept(client, auth, world):
    auth.login("liaison")
    html = schedule(auth, world["a"], world["liaison"], date="", time="25:99").get_data(as_text=True)
    assert "请选择日期" in html and "指挥部 302 会议室" in html
    assert not CheckIn.select().exists()


def record(auth, checkin, **fields):
    form = {"status": "held", "mode": "on_site", "duration": "90", "findings": "3 月以来的会议纪要未归档",
            "notes": "", "reason": "", "follow_ups-0-action": "补登 3 月会议纪要",
            "follow_ups-0-owner": "张文书", "follow_ups-0-due": "2026-03-10"}
    form.update(fields)
    return auth.post(f"/bodies/{checkin.body_id}/checkins/{checkin.id}", form)


def a_checkin(world, **fields):
    """A check-in that began this morning at 08:30 (an outcome of "held" needs its start passed)."""
    values = dict(body=world["a"], liaison=world["liaison"], scheduled_for=dt.datetime(2026, 3, 2, 0, 30))
    values.update(fields)
    return CheckIn.create(**values)


def test_liaison_records_a_held_check_in_with_a_follow_up(client, auth, world):
    checkin = a_checkin(world)
    auth.login("liaison")
    assert record(auth, checkin).status_code == 302
    checkin = CheckIn.get_by_id(checkin.id)
    assert (checkin.status, checkin.duration_minutes) == ("held", 90)
    assert checkin.findings == "3 月以来的会议纪要未归档"
    follow_up = FollowUp.get(FollowUp.checkin == checkin)
    assert (follow_up.action, follow_up.owner, follow_up.due) == ("补登 3 月会议纪要", "张文书",
                                                                   dt.date(2026, 3, 10))
    event = AuditEvent.get(AuditEvent.action == "checkin.outcome")
    assert "补登 3 月会议纪要" in event.details and '"scheduled"' in event.details


def test_a_check_in_cannot_be_recorded_as_held_before_it_starts(client, auth, world):
    checkin = a_checkin(world, scheduled_for=dt.datetime(2026, 3, 2, 6, 0))  # 14:00 today, now 09:00
    auth.login("liaison")
    response = record(auth, checkin)
    assert response.status_code != 302
    assert "该次指导定于 2026-03-02 14:00 开始，尚未到时间" in response.get_data(as_text=True)
    assert CheckIn.get_by_id(checkin.id).status == "scheduled"
    later = record(auth, checkin, held_at="2026-03-02T10:00")
    assert later.status_code != 302 and "实际开展时间不能晚于现在" in later.get_data(as_text=True)


def test_a_check_in_held_earlier_than_scheduled_records_when_it_took_place(client, auth, world):
    checkin = a_checkin(world, scheduled_for=dt.datetime(2026, 3, 2, 6, 0))
    auth.login("liaison")
    assert record(auth, checkin, held_at="2026-03-02T08:15").status_code == 302
    checkin = CheckIn.get_by_id(checkin.id)
    assert (checkin.status, checkin.held_at) == ("held", dt.datetime(2026, 3, 2, 0, 15))  # stored UTC
    page = client.get(f"/bodies/{checkin.body_id}/checkins/{checkin.id}").get_data(as_text=True)
    assert "实际开展时间" in page and "2026-03-02 08:15（原定 2026-03-02 14:00）" in page
    assert '"held_at": "2026-03-02T00:15"' in AuditEvent.get(AuditEvent.action == "checkin.outcome").details


def test_missed_check_in_needs_a_reason(client, auth, world):
    checkin = a_checkin(world)
    auth.login("liaison")
    no_follow_up = {"follow_ups-0-action": "", "follow_ups-0-due": ""}
    html = record(auth, checkin, status="missed", **no_follow_up).get_data(as_text=True)
    assert "请写明原因" in html
    assert CheckIn.get_by_id(checkin.id).status == "scheduled"
    record(auth, checkin, status="missed", reason="对方临时出差", **no_follow_up)
    assert CheckIn.get_by_id(checkin.id).reason == "对方临时出差"


def test_follow_up_without_due_date_is_refused_with_a_hint(client, auth, world):
    checkin = a_checkin(world)
    auth.login("liaison")
    html = record(auth, checkin, **{"follow_ups-0-due": ""}).get_data(as_text=True)
    assert "请填写完成期限" in html and "补登 3 月会议纪要" in html
    assert not FollowUp.select().exists()


def test_secretary_sees_and_ticks_the_follow_up_on_her_home_page(client, auth, world):
    checkin = a_checkin(world, status="held")
    follow_up = FollowUp.create(checkin=checkin, action="补登 3 月会议纪要", owner="张文书",
                                due=dt.date(2026, 3, 10))
    auth.login("secretary")
    home = client.get("/")
    assert "待办整改事项" in home.get_data(as_text=True)
    assert "补登 3 月会议纪要" in home.get_data(as_text=True)
    response = client.post(f"/bodies/{world['a'].id}/follow-ups/{follow_up.id}/done",
                           data={"csrf_token": csrf_token(home), "next": "/"})
    assert response.status_code == 302 and response.location == "/"
    follow_up = FollowUp.get_by_id(follow_up.id)
    assert follow_up.done_on == dt.date(2026, 3, 2) and follow_up.done_by_id == world["secretary"].id
    assert "待办整改事项" not in client.get("/").get_data(as_text=True)


def test_secretary_cannot_see_another_bodys_check_ins(client, auth, world):
    other = a_checkin(world, body=world["b"])
    follow_up = FollowUp.create(checkin=other, action="x", due=dt.date(2026, 3, 10))
    auth.login("secretary")
    b = world["b"].id
    for url in (f"/bodies/{b}/checkins", f"/bodies/{b}/checkins/{other.id}",
                f"/bodies/{world['a'].id}/checkins/{other.id}"):  # B's check-in under A's URL
        assert client.get(url).status_code == 404, url
    token = csrf_token(client.get("/"))
    response = client.post(f"/bodies/{world['a'].id}/follow-ups/{follow_up.id}/done",
                           data={"csrf_token": token})
    assert response.status_code == 404
    assert FollowUp.get_by_id(follow_up.id).done_on is None


def test_secretary_may_look_but_not_schedule_or_record(client, auth, world):
    checkin = a_checkin(world)
    auth.login("secretary")
    html = client.get(f"/bodies/{world['a'].id}/checkins").get_data(as_text=True)
    assert "指导记录" in html and "安排指导" not in html
    token = csrf_token(client.get("/"))
    assert client.post(f"/bodies/{world['a'].id}/checkins",
                       data={"csrf_token": token}).status_code == 403
    assert client.post(f"/bodies/{world['a'].id}/checkins/{checkin.id}",
                       data={"csrf_token": token, "status": "held"}).status_code == 403


def test_dashboard_lists_today_overdue_and_bodies_at_risk_with_links(client, auth, world):
    a = world["a"]
    today = a_checkin(world, scheduled_for=dt.datetime(2026, 3, 2, 6, 0))
    late = a_checkin(world, scheduled_for=dt.datetime(2026, 2, 24, 6, 0))
    held = a_checkin(world, scheduled_for=dt.datetime(2026, 2, 20, 6, 0), status="held")
    FollowUp.create(checkin=held, action="补充成员名单", due=dt.date(2026, 2, 27))
    Commitment.create(body=a, what="撤销通知原件", promised_by="张文书", due=dt.date(2026, 2, 28),
                      status="overdue", created_by=world["admin"])
    auth.login("liaison")
    html = client.get("/guidance").get_data(as_text=True)
    assert f"/bodies/{a.id}/checkins/{today.id}" in html  # today's, with a link to it
    assert f"/bodies/{a.id}/checkins/{late.id}" in html and "登记结果" in html
    assert "补充成员名单" in html and "逾期 3 天" in html
    assert "已 10 天未开展指导" in html and f"/bodies/{a.id}/checkins" in html
    assert "撤销通知原件" in html
    assert "BBB 临时机构" not in html  # not one of the liaison's bodies


def test_statistics_count_on_site_and_online_and_download_as_xlsx(client, auth, world):
    a_checkin(world, scheduled_for=dt.datetime(2026, 2, 10, 2), status="held")
    a_checkin(world, scheduled_for=dt.datetime(2026, 2, 17, 2), status="held", mode="video")
    a_checkin(world, scheduled_for=dt.datetime(2026, 2, 24, 2), status="missed")
    Commitment.create(body=world["a"], what="工作总结", promised_by="张", due=dt.date(2026, 4, 1),
                      status="fulfilled", created_by=world["admin"])
    Commitment.create(body=world["a"], what="照片", promised_by="张", due=dt.date(2026, 2, 1),
                      created_by=world["admin"])
    auth.login("liaison")
    html = client.get("/statistics").get_data(as_text=True)
    download = client.get("/statistics.xlsx")
    assert '<span class="number">1</span>现场指导' in html
    assert '<span class="number">1</span>线上指导' in html
    assert "<svg" in html and "style=" not in html
    assert "50%" in html  # one of two commitments fulfilled
    book = load_workbook(io.BytesIO(download.data))
    months = {row[0]: row[1:] for row in book["按月指导次数"].iter_rows(min_row=2, values_only=True)}
    assert months["2026-02"] == (1, 1, 2)
    assert list(book["容缺承诺"].iter_rows(min_row=2, values_only=True)) == [(2, 1, 50, 0, 1)]


def test_secretary_has_no_dashboard_or_statistics(client, auth, world):
    auth.login("secretary")
    assert client.get("/guidance").status_code == 403
    assert client.get("/statistics").status_code == 403
    assert "指导工作台" not in client.get("/").get_data(as_text=True)


def test_transferred_body_keeps_its_check_ins_readable_but_closed(client, auth, world):
    a_checkin(world)
    Body.update(status="transferred").where(Body.id == world["a"].id).execute()
    auth.login("liaison")
    html = client.get(f"/bodies/{world['a'].id}/checkins").get_data(as_text=True)
    assert "指导记录" in html and "安排指导" not in html
