"""Guidance at the body's milestones (节点指导): founding, phases, dissolution, after transfer."""
import datetime as dt

import time_machine

from capture import clock
from capture.db import db, recorded_statements
from capture.guidance import facts as body_facts, milestones
from capture.guidance.milestones import BodyMilestoneFacts
from capture.models import AuditEvent, Body, CheckIn, Commitment, Phase
from conftest import make_body

D = dt.date
ZONE = "Asia/Shanghai"


def body(**fields):
    values = dict(id=1, name="指挥部", tier="key", status="active", established_on=D(2026, 2, 1))
    values.update(fields)
    return BodyMilestoneFacts(**values)


def kinds(found):
    return [(m.kind, m.due, m.done_on) for m in found]


def test_a_key_body_needs_an_on_site_founding_visit_within_two_weeks():
    online_only = body(first_held=D(2026, 2, 5))
    (founding,) = milestones.of_body(online_only, [], D(2026, 2, 20))
    assert (founding.due, founding.on_site, founding.done_on) == (D(2026, 2, 15), True, None)
    assert founding.missed(D(2026, 2, 20)) and not founding.missed(D(2026, 2, 15))
    (met,) = milestones.of_body(body(first_held_on_site=D(2026, 2, 10)), [], D(2026, 2, 20))
    assert met.done_on == D(2026, 2, 10)


def test_a_general_body_may_be_guided_online_at_founding():
    (founding,) = milestones.of_body(body(tier="general", first_held=D(2026, 2, 5)), [], D(2026, 3, 1))
    assert founding.done_on == D(2026, 2, 5) and not founding.on_site


def test_a_phase_calls_for_guidance_within_a_week_unless_it_says_not():
    raised = Phase(id=1, on=D(2026, 3, 1), name="响应级别提升为一级", calls_for_checkin=True)
    peak = Phase(id=2, on=D(2026, 3, 5), name="进入高峰", calls_for_checkin=False)
    found = milestones.of_body(body(first_held_on_site=D(2026, 2, 3)),
                               [(raised, None), (peak, None)], D(2026, 3, 10))
    assert kinds(found) == [("founding", D(2026, 2, 15), D(2026, 2, 3)),
                            ("phase", D(2026, 3, 8), None)]
    assert found[1].label == "响应级别提升为一级" and found[1].missed(D(2026, 3, 10))


def test_announced_dissolution_calls_for_an_on_site_visit_before_the_date():
    dissolving = body(status="dissolving", dissolved_on=D(2026, 6, 30), first_held_on_site=D(2026, 2, 3),
                      last_check=D(2026, 6, 20))
    found = milestones.of_body(dissolving, [], D(2026, 6, 21))
    assert kinds(found)[-1] == ("dissolution", D(2026, 6, 30), None)
    assert found[-1].checked_on == D(2026, 6, 20) and found[-1].on_site
    # An active body comes to it two weeks before its expected end, not earlier.
    active = body(expected_end=D(2026, 6, 30), first_held_on_site=D(2026, 2, 3))
    assert [m.kind for m in milestones.of_body(active, [], D(2026, 6, 15))] == ["founding"]
    assert [m.kind for m in milestones.of_body(active, [], D(2026, 6, 16))] == ["founding", "dissolution"]


def test_after_transfer_open_commitments_are_followed_until_fulfilled():
    transferred = body(status="transferred", dissolved_on=D(2026, 6, 30), open_commitments=2,
                       last_commitment_due=D(2026, 8, 1))
    assert kinds(milestones.of_body(transferred, [], D(2026, 7, 10))) == [("commitments", D(2026, 8, 1), None)]
    assert milestones.of_body(body(status="transferred", dissolved_on=D(2026, 6, 30)), [], D(2026, 7, 10)) == []


def test_milestones_are_gathered_from_the_database_in_two_queries_for_any_number_of_bodies(app, world):
    with db.connection_context():
        for code in ("CCC", "DDD", "EEE"):
            other = make_body(code, established_on=D(2026, 1, 1))
            Phase.create(body=other, on=D(2026, 1, 20), name="高峰", created_by=world["liaison"])
        a = world["a"]
        CheckIn.create(body=a, liaison=world["liaison"], scheduled_for=dt.datetime(2026, 1, 5, 1),
                       mode="phone", status="held")
        CheckIn.create(body=a, liaison=world["liaison"], scheduled_for=dt.datetime(2026, 1, 22, 1),
                       mode="on_site", status="held")
        Phase.create(body=a, on=D(2026, 1, 20), name="响应级别提升为一级", created_by=world["liaison"])
        Phase.create(body=a, on=D(2026, 1, 25), name="进入高峰", created_by=world["liaison"])
        with recorded_statements() as one:
            found = milestones.gather(Body.select().where(Body.id == a.id), ZONE, D(2026, 2, 10))
        with recorded_statements() as every:
            milestones.gather(Body.select(), ZONE, D(2026, 2, 10))
    assert len(one) == len(every) == 2
    assert kinds(found) == [("founding", D(2026, 1, 15), D(2026, 1, 22)),
                            ("phase", D(2026, 1, 27), D(2026, 1, 22)),
                            ("phase", D(2026, 2, 1), None)]


def test_a_missed_milestone_puts_the_body_at_risk(app, world):
    with db.connection_context():
        Phase.create(body=world["a"], on=D(2026, 1, 20), name="响应级别提升为一级", created_by=world["liaison"])
        found = dict((f.code, r) for f, r in body_facts.at_risk(
            Body.select(), ZONE, dt.datetime(2026, 2, 10, 2)))
    # Founding (no on-site visit by 15 January) and the phase (no check-in by 27 January).
    assert ("milestone_missed", 2) in [(r.code, r.number) for r in found["AAA"]]


@time_machine.travel(dt.datetime(2026, 1, 21, 2, tzinfo=dt.timezone.utc), tick=False)
def test_the_secretary_records_a_phase_and_the_liaison_sees_it_on_the_dashboard(client, auth, world):
    auth.login("secretary")
    page = f"/bodies/{world['a'].id}/checkins"
    response = auth.post(f"/bodies/{world['a'].id}/phases", {
        "on": "2026-01-20", "name": "响应级别提升为一级", "calls_for_checkin": "y"}, page=page)
    assert response.status_code == 302
    with db.connection_context():
        assert AuditEvent.select().where(AuditEvent.action == "phase.record").count() == 1
    refused = auth.post(f"/bodies/{world['a'].id}/phases", {"on": "2025-12-01", "name": "早于成立"},
                        page=page)
    assert refused.status_code == 422 and "早于成立" in refused.get_data(as_text=True)
    assert "日期应在机构成立" in refused.get_data(as_text=True)
    auth.logout()
    auth.login("liaison")
    board = client.get("/guidance").get_data(as_text=True)
    assert "工作节点“响应级别提升为一级”（2026-01-20）后的指导" in board
    assert "成立后的首次指导（现场）" in board
    link = client.get(f"/bodies/{world['a'].id}/checkins?milestone=phase&date=2026-01-27")
    assert 'value="2026-01-27"' in link.get_data(as_text=True)


def test_a_viewer_cannot_record_a_phase(client, auth, world):
    auth.login("viewer")
    response = auth.post(f"/bodies/{world['a'].id}/phases", {"on": "2026-01-20", "name": "高峰"},
                         page=f"/bodies/{world['a'].id}/checkins")
    assert response.status_code == 403
    with db.connection_context():
        assert Phase.select().count() == 0


def test_commitments_after_transfer_show_until_fulfilled(app, world):
    with db.connection_context():
        a = world["a"]
        a.status, a.dissolved_on = "transferred", D(2026, 6, 30)
        a.save()
        Commitment.create(body=a, what="工作总结", promised_by="王", due=D(2026, 8, 1),
                          created_by=world["admin"])
        found = milestones.pending(Body.select(), ZONE, D(2026, 7, 10))
    assert [(m.kind, m.open_commitments) for m in found if m.body_id == a.id] == [("commitments", 1)]


@time_machine.travel(dt.datetime(2026, 2, 10, 2, tzinfo=dt.timezone.utc), tick=False)
def test_statistics_count_missed_milestones_beside_on_site_and_online(client, auth, world):
    with db.connection_context():
        Phase.create(body=world["a"], on=D(2026, 1, 20), name="响应级别提升为一级", created_by=world["liaison"])
        CheckIn.create(body=world["a"], liaison=world["liaison"], scheduled_for=dt.datetime(2026, 1, 21, 1),
                       mode="phone", status="held")
    auth.login("liaison")
    page = client.get("/statistics").get_data(as_text=True)
    # A's founding visit (key body: on site) is late; its phase was met by the phone call.
    assert '<li class="tile" id="tile-milestones-missed"><span class="number">1</span>' in page
    import openpyxl, io as _io
    book = openpyxl.load_workbook(_io.BytesIO(client.get("/statistics.xlsx").data))
    rows = list(book["节点指导"].iter_rows(min_row=2, values_only=True))
    assert ("成立", 0, 1, 0) in rows and ("工作阶段", 1, 0, 0) in rows


def test_the_demo_shows_guidance_at_milestones(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    today = clock.today()
    with db.connection_context():
        found = milestones.gather(Body.select(), ZONE, today)
        flood = Body.get(Body.code == "FXQX")
        final = CheckIn.get(CheckIn.body == flood, CheckIn.is_final == True)  # noqa: E712
        assert final.status == "held" and final.mode == "on_site"
        assert Phase.select().where(Phase.body == flood).count() == 1
    epidemic = {m.kind: m for m in found if m.body_name.startswith("区新冠")}
    assert epidemic["founding"].done_on == D(2026, 1, 22)  # on site, two days after founding
    assert epidemic["phase"].label == "响应级别提升为一级" and epidemic["phase"].done_on is not None


@time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.timezone.utc), tick=False)
def test_the_check_runs_the_day_before_a_pre_transfer_visit_in_the_liaisons_name(app, world):
    from capture.models import Notification
    from capture.ops import previsit, scheduler
    with db.connection_context():
        a = world["a"]
        a.status, a.dissolved_on = "dissolving", D(2026, 3, 1)
        a.save()
        CheckIn.create(body=a, liaison=world["liaison"], is_final=True, mode="on_site",
                       scheduled_for=dt.datetime(2026, 3, 3, 1))  # tomorrow 09:00 in Shanghai
        CheckIn.create(body=world["b"], liaison=world["liaison"], mode="on_site",
                       scheduled_for=dt.datetime(2026, 3, 3, 1))  # not a pre-transfer visit
    scheduler.run_job(app, "pre_transfer_checks", previsit.check_before_visits)
    with db.connection_context():
        checks = list(AuditEvent.select().where(AuditEvent.action == "transfer.check"))
        assert [(e.body_id, e.user_id) for e in checks] == [(world["a"].id, world["liaison"].id)]
        note = Notification.get(Notification.kind == "checkin.prepared")
        assert note.user_id == world["liaison"].id and "四性检测已运行" in note.message
        (dissolution,) = [m for m in milestones.gather(Body.select().where(Body.id == a.id), ZONE,
                                                       D(2026, 3, 2)) if m.kind == "dissolution"]
    assert dissolution.checked_on == D(2026, 3, 2)
    scheduler.run_job(app, "pre_transfer_checks", previsit.check_before_visits)
    with db.connection_context():  # a second run the same day checks nothing again
        assert Notification.select().where(Notification.kind == "checkin.prepared").count() == 1
        assert AuditEvent.select().where(AuditEvent.action == "transfer.check").count() == 1
