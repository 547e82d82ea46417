"""Guidance at a body's milestones (节点指导): founding, its phases, announced dissolution, after transfer.

Each milestone calls for a check-in by a date and is met by one held on or after it (on site for
the founding visit of a key body). Milestones are worked out from the body, its phases, its
check-ins and its commitments whenever they are looked at, so nothing has to be kept in step;
the queries are per set of bodies (a fixed number, whatever their count).
"""
import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from peewee import fn

from capture import audit, clock
from capture.db import db
from capture.models import AuditEvent, Body, CheckIn, Commitment, Phase, User
from capture.forms import InvalidInput, has_control_characters

from .cadence import FINAL_WINDOW_DAYS

# The founding check-in agrees the scope and the filing plan: within two weeks of founding.
FOUNDING_DAYS = 14
# A phase that calls for guidance (a response level raised, the peak, stand-down): within a week.
PHASE_DAYS = 7
KINDS = ("founding", "phase", "dissolution", "commitments")


@dataclass(frozen=True)
class Milestone:
    """One milestone of a body and the guidance it calls for; dates are local."""
    body_id: int
    body_name: str
    kind: str  # founding | phase | dissolution | commitments
    on: dt.date
    due: dt.date
    label: str = ""  # the phase's name
    on_site: bool = False  # the visit must be on site
    done_on: dt.date | None = None
    checked_on: dt.date | None = None  # dissolution: when the four-properties check last ran
    open_commitments: int = 0

    def missed(self, today):
        """True when the guidance it called for is late."""
        return self.done_on is None and self.due < today


@dataclass
class BodyMilestoneFacts:
    """What the milestone rules need about one body."""
    id: int
    name: str
    tier: str
    status: str
    established_on: dt.date
    expected_end: dt.date | None = None
    dissolved_on: dt.date | None = None
    first_held: dt.date | None = None
    first_held_on_site: dt.date | None = None
    final_held: dt.date | None = None
    last_check: dt.date | None = None
    open_commitments: int = 0
    last_commitment_due: dt.date | None = None


def of_body(facts, phases, today):
    """The milestones of one body on `today`; `phases` are [(Phase, first held check-in after)]."""
    found = []
    if facts.status in ("active", "dissolving"):
        key = facts.tier == "key"
        found.append(Milestone(facts.id, facts.name, "founding", facts.established_on,
                               facts.established_on + dt.timedelta(days=FOUNDING_DAYS), on_site=key,
                               done_on=facts.first_held_on_site if key else facts.first_held))
        for phase, held_after in phases:
            if phase.calls_for_checkin:
                found.append(Milestone(facts.id, facts.name, "phase", phase.on,
                                       phase.on + dt.timedelta(days=PHASE_DAYS), label=phase.name,
                                       done_on=held_after))
    end = facts.dissolved_on or facts.expected_end
    announced = facts.status == "dissolving" or (
        facts.status == "active" and end is not None
        and today >= end - dt.timedelta(days=FINAL_WINDOW_DAYS))
    if announced:
        found.append(Milestone(facts.id, facts.name, "dissolution", end, end, on_site=True,
                               done_on=facts.final_held, checked_on=facts.last_check))
    if facts.status in ("dissolved", "transferred") and facts.open_commitments:
        found.append(Milestone(facts.id, facts.name, "commitments", facts.dissolved_on or today,
                               facts.last_commitment_due or today,
                               open_commitments=facts.open_commitments))
    return found


def _date(value, zone):
    """A stored aggregate (naive UTC; text on SQLite) as a local date."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return clock.local_date(value, zone)


def _held(*conditions):
    return (CheckIn.select(fn.MIN(CheckIn.scheduled_for))
            .where(CheckIn.body == Body.id, CheckIn.status == "held", *conditions))


def gather(bodies, zone, today):
    """[Milestone] of every body of the Body query `bodies`, in two queries."""
    query = bodies.select(
        Body.id, Body.name, Body.tier, Body.status, Body.established_on, Body.expected_end,
        Body.dissolved_on, _held(), _held(CheckIn.mode == "on_site"),
        _held(CheckIn.is_final == True),  # noqa: E712
        AuditEvent.select(fn.MAX(AuditEvent.at)).where(AuditEvent.body == Body.id,
                                                       AuditEvent.action == "transfer.check"),
        Commitment.select(fn.COUNT(Commitment.id)).where(
            Commitment.body == Body.id, Commitment.status.in_(("open", "overdue"))),
        Commitment.select(fn.MAX(Commitment.due)).where(
            Commitment.body == Body.id, Commitment.status.in_(("open", "overdue")))).order_by(Body.code)
    facts = []
    for row in query.tuples():
        (body_id, name, tier, status, established_on, expected_end, dissolved_on, first_held,
         first_on_site, final_held, last_check, open_count, last_due) = row
        facts.append(BodyMilestoneFacts(
            body_id, name, tier, status, established_on, expected_end, dissolved_on,
            _date(first_held, zone), _date(first_on_site, zone), _date(final_held, zone),
            _date(last_check, zone), open_count or 0,
            dt.date.fromisoformat(last_due) if isinstance(last_due, str) else last_due))
    phases = {}
    for phase, held_after in _phases(bodies, zone):
        phases.setdefault(phase.body_id, []).append((phase, held_after))
    return [m for f in facts for m in of_body(f, phases.get(f.id, []), today)]


def _phases(bodies, zone):
    """[(Phase, the local date of the first check-in held on or after it)] of the bodies."""
    later = CheckIn.alias()
    first_after = (later.select(fn.MIN(later.scheduled_for))
                   .where(later.body == Phase.body, later.status == "held",
                          later.scheduled_for >= Phase.on))
    query = (Phase.select(Phase, first_after.alias("held_after"))
             .where(Phase.body.in_(bodies.select(Body.id).order_by()))
             .order_by(Phase.on, Phase.id))
    return [(phase, _date(phase.held_after, zone)) for phase in query]


def pending(bodies, zone, today):
    """The milestones not yet met, the most urgent first."""
    return sorted((m for m in gather(bodies, zone, today) if m.done_on is None),
                  key=lambda m: (m.due, m.body_name))


def missed_by_body(bodies, zone, today):
    """{body id: how many founding and phase milestones are late} (the rest have risks of their own)."""
    found = {}
    for milestone in gather(bodies, zone, today):
        if milestone.kind in ("founding", "phase") and milestone.missed(today):
            found[milestone.body_id] = found.get(milestone.body_id, 0) + 1
    return found


def record_phase(body, user, on, name, calls_for_checkin, today):
    """Record a phase of the body's work; audited."""
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 200 or has_control_characters(name):
        errors["name"] = [_("请写明这一阶段（如“响应级别提升为一级”），最多 200 字。")]
    if on is None or on < body.established_on or on > today + dt.timedelta(days=30):
        errors["on"] = [_("日期应在机构成立（%(start)s）之后，且不晚于一个月后。",
                          start=body.established_on.isoformat())]
    if errors:
        raise InvalidInput(errors)
    with db.atomic():
        phase = Phase.create(body=body, on=on, name=name, calls_for_checkin=bool(calls_for_checkin),
                             created_by=user)
        audit.record("phase.record", phase, {"on": on.isoformat(), "name": name,
                                             "calls_for_checkin": phase.calls_for_checkin},
                     user=user, body=body)
    return phase


def phases_of(body):
    """The body's phases, newest first."""
    return list(Phase.select(Phase, User).join(User).where(Phase.body == body)
                .order_by(Phase.on.desc(), Phase.id.desc()))
