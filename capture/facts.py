"""The facts behind the cadence rules, gathered for any number of bodies in five queries."""
import datetime as dt

from peewee import Case, fn

from . import clock
from .cadence import GUIDED_STATUSES, BodyFacts, risks
from .models import Body, CheckIn, Commitment, Document, ScopeItem


def _as_datetime(value):
    # SQLite returns aggregates of datetime columns as text; fromisoformat reads it quickly.
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _stored_datetime(expression):
    """Read an aggregate over a datetime column back as a datetime."""
    return expression.python_value(_as_datetime)


def _checkin_summary(ids, day_start):
    held = Case(None, [(CheckIn.status == "held", CheckIn.scheduled_for)], None)
    upcoming = Case(None, [((CheckIn.status == "scheduled") & (CheckIn.scheduled_for >= day_start),
                            CheckIn.scheduled_for)], None)
    final = Case(None, [((CheckIn.is_final == True) & CheckIn.status.in_(("held", "scheduled")),  # noqa: E712
                         1)], 0)
    query = (CheckIn.select(CheckIn.body, _stored_datetime(fn.MAX(held)),
                            _stored_datetime(fn.MAX(upcoming)), fn.MAX(final))
             .where(CheckIn.body.in_(ids)).group_by(CheckIn.body))
    return {body_id: (last, upcoming_, bool(has_final))
            for body_id, last, upcoming_, has_final in query.tuples()}


def _last_documents(ids):
    query = (Document.select(Document.body, _stored_datetime(fn.MAX(Document.created_at)))
             .where(Document.body.in_(ids), Document.status == "registered")
             .group_by(Document.body))
    return dict(query.tuples())


def _missing_scope(ids):
    filed = Document.select(Document.id).where(Document.scope_item == ScopeItem.id,
                                                Document.status == "registered")
    query = (ScopeItem.select(ScopeItem.body, fn.COUNT(ScopeItem.id))
             .where(ScopeItem.body.in_(ids), ScopeItem.required == True,  # noqa: E712
                    ~fn.EXISTS(filed))
             .group_by(ScopeItem.body))
    return dict(query.tuples())


def _overdue_commitments(ids, today):
    query = (Commitment.select(Commitment.body, fn.COUNT(Commitment.id))
             .where(Commitment.body.in_(ids), Commitment.status.in_(("open", "overdue")),
                    Commitment.due < today)
             .group_by(Commitment.body))
    return dict(query.tuples())


def body_facts(bodies, zone, now_utc=None):
    """BodyFacts for the guided bodies of the Body query `bodies`, in five queries in all."""
    now_utc = now_utc or clock.utc_now()
    today = clock.to_local(now_utc, zone).date()
    guided = bodies.where(Body.status.in_(GUIDED_STATUSES))
    ids = guided.select(Body.id).order_by()
    rows = list(guided.select(Body.id, Body.code, Body.name, Body.tier, Body.cadence_days,
                              Body.status, Body.established_on, Body.expected_end)
                .order_by(Body.code).tuples())
    checkins = _checkin_summary(ids, clock.day_start_utc(today, zone))
    documents = _last_documents(ids)
    missing = _missing_scope(ids)
    overdue = _overdue_commitments(ids, today)
    facts = []
    for body_id, code, name, tier, cadence_days, status, established_on, expected_end in rows:
        last_held, upcoming, has_final = checkins.get(body_id, (None, None, False))
        facts.append(BodyFacts(
            id=body_id, code=code, name=name, tier=tier, cadence_days=cadence_days,
            status=status, established_on=established_on, expected_end=expected_end,
            last_held=clock.local_date(last_held, zone),
            next_scheduled=clock.local_date(upcoming, zone), final_arranged=has_final,
            last_document=clock.local_date(documents.get(body_id), zone),
            missing_scope=missing.get(body_id, 0),
            overdue_commitments=overdue.get(body_id, 0)))
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
