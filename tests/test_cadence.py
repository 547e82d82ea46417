"""Cadence: when the next check-in is proposed and which bodies the scan flags, clock held still."""
import datetime as dt

import time_machine

from capture.db import recorded_statements
from capture.guidance import cadence, facts
from capture.guidance.cadence import BodyFacts, Risk
from capture.models import Body, CheckIn, Commitment, Document, ScopeItem

MONDAY = dt.date(2026, 3, 2)


def key_body(**fields):
    values = dict(id=1, code="AAA", name="A", tier="key", cadence_days=7, status="active",
                  established_on=dt.date(2026, 1, 1))
    values.update(fields)
    return BodyFacts(**values)


def test_key_body_next_check_in_is_a_week_after_the_last():
    proposal = cadence.propose(key_body(last_held=MONDAY - dt.timedelta(days=3)), MONDAY)
    assert proposal == cadence.Proposal(dt.date(2026, 3, 6), False)  # Friday, 7 days later


def test_proposal_counts_from_a_check_in_already_arranged():
    facts_ = key_body(last_held=dt.date(2026, 2, 23), next_scheduled=dt.date(2026, 3, 4))
    assert cadence.propose(facts_, MONDAY).date == dt.date(2026, 3, 11)


def test_general_body_defaults_to_a_month():
    facts_ = key_body(tier="general", cadence_days=0, last_held=dt.date(2026, 2, 2))
    assert cadence.propose(facts_, MONDAY).date == dt.date(2026, 3, 4)


def test_overdue_body_is_proposed_today():
    assert cadence.propose(key_body(last_held=dt.date(2026, 1, 5)), MONDAY).date == MONDAY


def test_weekend_moves_to_friday_or_to_monday():
    saturday = key_body(last_held=dt.date(2026, 2, 28))  # + 7 = Saturday 7 March
    assert cadence.propose(saturday, MONDAY).date == dt.date(2026, 3, 6)
    assert cadence.propose(key_body(), dt.date(2026, 3, 7)).date == dt.date(2026, 3, 9)


def test_final_check_in_is_proposed_in_the_last_two_weeks():
    facts_ = key_body(tier="general", cadence_days=30, last_held=dt.date(2026, 2, 27),
                      expected_end=dt.date(2026, 3, 20))
    proposal = cadence.propose(facts_, MONDAY)
    assert proposal.is_final and proposal.date == dt.date(2026, 3, 6)  # window opens on the 6th


def test_final_check_in_falls_on_cadence_date_inside_the_window():
    facts_ = key_body(last_held=dt.date(2026, 3, 2), expected_end=dt.date(2026, 3, 16))
    assert cadence.propose(facts_, MONDAY) == cadence.Proposal(dt.date(2026, 3, 9), True)


def test_once_the_final_is_arranged_proposals_are_ordinary_again():
    facts_ = key_body(last_held=dt.date(2026, 3, 2), expected_end=dt.date(2026, 3, 16),
                      final_arranged=True)
    assert not cadence.propose(facts_, MONDAY).is_final


def test_dissolving_body_gets_its_final_check_in_within_a_week():
    facts_ = key_body(tier="general", cadence_days=30, status="dissolving",
                      last_held=dt.date(2026, 2, 27))
    assert cadence.propose(facts_, MONDAY) == cadence.Proposal(dt.date(2026, 3, 9), True)


def test_body_on_track_has_no_risk():
    facts_ = key_body(last_held=MONDAY - dt.timedelta(days=6),
                      last_document=MONDAY - dt.timedelta(days=2))
    assert cadence.risks(facts_, MONDAY) == []


def test_every_risk_is_named_with_its_reason():
    facts_ = key_body(last_held=MONDAY - dt.timedelta(days=10), last_document=None,
                      expected_end=MONDAY + dt.timedelta(days=10), missing_scope=3,
                      overdue_commitments=2)
    assert cadence.risks(facts_, MONDAY) == [
        Risk("no_checkin", 10), Risk("silent", (MONDAY - dt.date(2026, 1, 1)).days),
        Risk("scope_missing", 3), Risk("commitments_overdue", 2), Risk("final_missing", 0)]


def test_missing_scope_only_matters_close_to_the_end():
    facts_ = key_body(last_held=MONDAY, last_document=MONDAY, missing_scope=4,
                      expected_end=MONDAY + dt.timedelta(days=90))
    assert cadence.risks(facts_, MONDAY) == []


def test_dissolved_bodies_are_not_scanned():
    assert cadence.risks(key_body(status="dissolved"), MONDAY) == []


def _register(body, user, scope_item=None, created_at=None):
    number = Document.select().where(Document.body == body).count() + 1
    return Document.create(body=body, record_class="WS", year=2026, retention="D30",
                           class_key="WS·2026-D30-ZH", item_number=number,
                           reference_code=f"{body.fonds_code}-{body.code}-{number:04d}",
                           responsible="办公室", title="会议纪要", date=dt.date(2026, 2, 1),
                           created_by=user, scope_item=scope_item,
                           created_at=created_at or dt.datetime(2026, 2, 1, 2))


def test_scan_reads_the_database_in_one_pass_and_flags_the_silent_body(app, world):
    with time_machine.travel(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc), tick=False):
        a, b = world["a"], world["b"]
        Body.update(expected_end=dt.date(2026, 3, 20)).where(Body.id == a.id).execute()
        for item in ScopeItem.select().where(ScopeItem.body == a, ScopeItem.required):
            _register(a, world["secretary"], scope_item=item,
                      created_at=dt.datetime(2026, 2, 27, 3))
        CheckIn.create(body=a, liaison=world["liaison"], scheduled_for=dt.datetime(2026, 2, 26, 1),
                       status="held")
        CheckIn.create(body=a, liaison=world["liaison"], scheduled_for=dt.datetime(2026, 3, 9, 1),
                       is_final=True)
        CheckIn.create(body=b, liaison=world["liaison"], scheduled_for=dt.datetime(2026, 1, 5, 1),
                       status="held")
        Commitment.create(body=b, what="工作总结", promised_by="王", due=dt.date(2026, 2, 1),
                          created_by=world["admin"])
        with recorded_statements() as sql:
            found = facts.at_risk(Body.select(), "Asia/Shanghai")
    # One query for the facts of every body, two for the expected series (their items, then the
    # dates filed under them), two for the milestones (the bodies' check-ins, then their phases):
    # the same five for any number of bodies (see test_series.py and test_milestones.py).
    assert len(sql) == 5
    flagged = {f.code: reasons for f, reasons in found}
    assert "AAA" not in flagged  # checked in, filing, final arranged, scope complete
    assert flagged["BBB"] == [Risk("no_checkin", 56), Risk("silent", 60),
                              Risk("commitments_overdue", 1)]
