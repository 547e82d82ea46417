"""The facts behind the cadence rules, gathered for any number of bodies in one query."""
import datetime as dt

from peewee import fn

from capture import clock
from capture.models import Body, CheckIn, Commitment, Document, ScopeItem
from capture.records import coverage

from . import milestones
from .cadence import GUIDED_STATUSES, BodyFacts, risks


def _as_datetime(value):
    # SQLite returns aggregates of datetime columns as text; fromisoformat reads it quickly.
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _per_body(day_start, today):
    """Correlated subqueries, one value per body each: every one is a seek in an index on
    body_id, so the cost follows the number of bodies, not of their check-ins or documents."""
    checkins = CheckIn.select(fn.MAX(CheckIn.scheduled_for)).where(CheckIn.body == Body.id)
    last_held = checkins.where(CheckIn.status == "held")
    upcoming = checkins.where(CheckIn.status == "scheduled", CheckIn.scheduled_for >= day_start)
    final = fn.EXISTS(CheckIn.select(CheckIn.id).where(
        CheckIn.body == Body.id, CheckIn.is_final == True,  # noqa: E712
        CheckIn.status.in_(("held", "scheduled"))))
    last_document = (Document.select(fn.MAX(Document.created_at))
                     .where(Document.body == Body.id, Document.status == "registered"))
    filed = Document.select(Document.id).where(Document.scope_item == ScopeItem.id,
                                                Document.status == "registered")
    missing = (ScopeItem.select(fn.COUNT(ScopeItem.id))
               .where(ScopeItem.body == Body.id, ScopeItem.required == True,  # noqa: E712
                      ~fn.EXISTS(filed)))
    overdue = (Commitment.select(fn.COUNT(Commitment.id))
               .where(Commitment.body == Body.id, Commitment.status.in_(("open", "overdue")),
                      Commitment.due < today))
    return last_held, upcoming, final, last_document, missing, overdue


def body_facts(bodies, zone, now_utc=None):
    """BodyFacts for the guided bodies of the Body query `bodies`, in one query."""
    now_utc = now_utc or clock.utc_now()
    today = clock.to_local(now_utc, zone).date()
    query = (bodies.where(Body.status.in_(GUIDED_STATUSES))
             .select(Body.id, Body.code, Body.name, Body.tier, Body.cadence_days, Body.status,
                     Body.established_on, Body.expected_end,
                     *_per_body(clock.day_start_utc(today, zone), today))
             .order_by(Body.code))
    guided = bodies.where(Body.status.in_(GUIDED_STATUSES))
    gaps = coverage.series_gaps(guided, today)
    late = milestones.missed_by_body(guided, zone, today)
    facts = []
    for (body_id, code, name, tier, cadence_days, status, established_on, expected_end,
         last_held, upcoming, has_final, last_document, missing, overdue) in query.tuples():
        facts.append(BodyFacts(
            id=body_id, code=code, name=name, tier=tier, cadence_days=cadence_days,
            status=status, established_on=established_on, expected_end=expected_end,
            last_held=clock.local_date(_as_datetime(last_held), zone),
            next_scheduled=clock.local_date(_as_datetime(upcoming), zone),
            final_arranged=bool(has_final),
            last_document=clock.local_date(_as_datetime(last_document), zone),
            missing_scope=missing or 0, overdue_commitments=overdue or 0,
            series_missing=sum(len(status.missing) for _, status in gaps.get(body_id, ())),
            milestones_missed=late.get(body_id, 0)))
    return facts


def at_risk(bodies, zone, now_utc=None):
    """[(facts, [Risk…])] for every guided body of `bodies` that is at risk today."""
    now_utc = now_utc or clock.utc_now()
    today = clock.to_local(now_utc, zone).date()
    found = []
    for facts in body_facts(bodies, zone, now_utc):
        reasons = risks(facts, today)
        if reasons:
            found.append((facts, reasons))
    return found
