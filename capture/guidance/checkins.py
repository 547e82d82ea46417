"""Check-ins and their follow-up actions: scheduling, recording the outcome, ticking off."""
import datetime as dt

from peewee import JOIN, prefetch

from capture import audit, clock
from capture.db import db
from capture.models import Body, CheckIn, FollowUp, Membership, User
from capture.clock import utc_now
from capture.people import auth

from . import cadence, facts

DEFAULT_DURATION = 60  # minutes, when the liaison did not record one
DEFAULT_TIME = dt.time(9, 30)


def proposal_for(body, zone):
    """The proposed next check-in of a body (None once it is no longer guided)."""
    found = facts.body_facts(Body.select().where(Body.id == body.id), zone)
    if not found:
        return None
    return cadence.propose(found[0], clock.local_today(zone))


def for_body(body):
    """The body's check-ins, newest first, each with its follow-ups (two queries)."""
    checkins = (CheckIn.select(CheckIn, User).join(User).where(CheckIn.body == body)
                .order_by(CheckIn.scheduled_for.desc()))
    return prefetch(checkins, FollowUp.select().order_by(FollowUp.due, FollowUp.id))


def get_for_body(body, checkin_id):
    """The check-in with this id if it belongs to `body`, else None."""
    return (CheckIn.select(CheckIn, User).join(User)
            .where(CheckIn.id == checkin_id, CheckIn.body == body).first())


def follow_ups_of(checkin):
    """The follow-ups agreed at a check-in, soonest due first."""
    return list(checkin.follow_ups.order_by(FollowUp.due, FollowUp.id))


def follow_up_for_body(body, follow_up_id):
    """The follow-up with this id if its check-in belongs to `body`, else None."""
    return (FollowUp.select(FollowUp, CheckIn).join(CheckIn)
            .where(FollowUp.id == follow_up_id, CheckIn.body == body).first())


def liaison_choices(body, user):
    """Users who may lead a check-in with the body: its liaisons, and the scheduling user."""
    liaisons = list(User.select().join(Membership)
                    .where(Membership.body == body, auth.acting_as("liaison"), User.active)
                    .order_by(User.display_name))
    if user.id not in {u.id for u in liaisons}:
        liaisons.insert(0, user)
    return liaisons


class AlreadyScheduled(Exception):
    """The liaison already has a check-in with the body at that time: `existing`."""

    def __init__(self, existing):
        super().__init__(f"check-in {existing.id} is at the same time")
        self.existing = existing


def schedule(body, user, liaison, when_local, zone, mode, place, contact_person, is_final):
    """Arrange a check-in at local time `when_local`; recorded in the audit trail.

    A second check-in of the same liaison with the same body at the same time is refused
    (AlreadyScheduled names the first), so that it is neither held nor listed twice.
    """
    when = clock.to_utc(when_local, zone)
    with db.atomic():
        existing = (CheckIn.select().where(CheckIn.body == body, CheckIn.liaison == liaison,
                                           CheckIn.scheduled_for == when,
                                           CheckIn.status != "cancelled").first())
        if existing is not None:
            raise AlreadyScheduled(existing)
        checkin = CheckIn.create(
            body=body, liaison=liaison, scheduled_for=when, mode=mode,
            place=place.strip(), contact_person=contact_person.strip(), is_final=is_final)
        audit.record("checkin.schedule", checkin, {
            "scheduled_for": when_local.isoformat(timespec="minutes"), "zone": zone,
            "mode": mode, "liaison": liaison.username, "place": checkin.place,
            "is_final": is_final}, user=user, body=body)
    return checkin


def record_outcome(body, checkin, user, status, mode, duration, notes, findings, reason, follow_ups,
                   held_at=None):
    """Record what happened at a check-in and the follow-up actions agreed there; `held_at` (stored
    UTC) is when it took place, when not at its scheduled time."""
    old = {"status": checkin.status, "mode": checkin.mode}
    with db.atomic():
        checkin.status = status
        checkin.mode = mode or checkin.mode
        checkin.duration_minutes = duration if status == "held" else None
        checkin.notes, checkin.findings = notes.strip(), findings.strip()
        checkin.reason = reason.strip() if status != "held" else ""
        checkin.needs_outcome = False
        checkin.held_at = held_at if status == "held" and held_at != checkin.scheduled_for else None
        checkin.recorded_at = utc_now()
        checkin.save()
        created = [FollowUp.create(checkin=checkin, action=action.strip(), owner=owner.strip(),
                                   due=due)
                   for action, owner, due in follow_ups] if status == "held" else []
        audit.record("checkin.outcome", checkin, {
            "old": old, "status": status, "mode": checkin.mode, "duration": checkin.duration_minutes,
            "findings": checkin.findings, "reason": checkin.reason,
            **({"held_at": checkin.held_at.isoformat(timespec="minutes")} if checkin.held_at else {}),
            "follow_ups": [[f.action, f.owner, f.due.isoformat()] for f in created]},
            user=user, body=body)
    return created


def add_follow_up(body, checkin, user, action, owner, due):
    """Add a follow-up action to a check-in that was held."""
    with db.atomic():
        follow_up = FollowUp.create(checkin=checkin, action=action.strip(), owner=owner.strip(),
                                    due=due)
        audit.record("followup.add", follow_up, {"checkin": checkin.id, "action": follow_up.action,
                                                 "owner": follow_up.owner, "due": due.isoformat()},
                     user=user, body=body)
    return follow_up


def tick(body, follow_up, user, today):
    """Mark a follow-up as done today (ticking twice keeps the first date)."""
    if follow_up.done_on is not None:
        return False
    with db.atomic():
        follow_up.done_on, follow_up.done_by = today, user
        follow_up.save()
        audit.record("followup.done", follow_up, {"action": follow_up.action,
                                                  "due": follow_up.due.isoformat(),
                                                  "done_on": today.isoformat()},
                     user=user, body=body)
    return True


def _roles_acting_as(user, role):
    """The membership roles in which `user` acts as `role` (see auth.effective_role)."""
    return [member for member in auth.MEMBER_RANK if auth.effective_role(user.role, member) == role]


def open_follow_ups_for_secretary(user):
    """Open follow-ups of the bodies where `user` is a secretary, soonest due first."""
    return list(FollowUp.select(FollowUp, CheckIn, Body)
                .join(CheckIn).join(Body)
                .join(Membership, JOIN.INNER, on=(Membership.body == Body.id))
                .where(Membership.user == user.id,
                       Membership.role.in_(_roles_acting_as(user, "secretary")),
                       FollowUp.done_on.is_null(), Body.status != "transferred")
                .order_by(FollowUp.due, FollowUp.id))
