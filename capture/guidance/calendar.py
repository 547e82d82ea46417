"""A liaison's private iCalendar feed of check-ins, at a revocable tokenised URL (the pages are in
views.py): issuing and revoking the token, and the events it shows."""
import datetime as dt
import hashlib
import secrets

from flask import url_for
from flask_babel import gettext as _

from capture import audit, clock, labels
from capture.db import db
from capture.models import ApiToken, Body, CheckIn, User
from capture.clock import utc_now
from capture.people import auth
from exporters import calendar as ics

from .checkins import DEFAULT_DURATION

PURPOSE = "calendar"
HISTORY = dt.timedelta(days=180)  # past check-ins kept in the feed


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def active_token(user):
    """The user's live calendar token row, or None."""
    return (ApiToken.select().where(ApiToken.user == user.id, ApiToken.purpose == PURPOSE,
                                    ApiToken.revoked_at.is_null()).first())


def _revoke_all(user):
    return (ApiToken.update(revoked_at=utc_now())
            .where(ApiToken.user == user.id, ApiToken.purpose == PURPOSE,
                   ApiToken.revoked_at.is_null()).execute())


def issue(user):
    """A new feed token for `user` (any older one stops working); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        revoked = _revoke_all(user)
        row = ApiToken.create(user=user, label=_("日历订阅"), token_hash=_digest(token),
                              scopes="calendar", purpose=PURPOSE)
        audit.record("calendar.issue", row, {"revoked_before": revoked}, user=user)
    return token


def revoke(user):
    """Stop the user's feed URL from working."""
    with db.atomic():
        revoked = _revoke_all(user)
        audit.record("calendar.revoke", None, {"revoked": revoked}, user=user)
    return revoked


def owner_of(token):
    """The active user whose live calendar token this is, else None."""
    row = (ApiToken.select(ApiToken, User).join(User)
           .where(ApiToken.token_hash == _digest(token), ApiToken.purpose == PURPOSE,
                  ApiToken.revoked_at.is_null(), User.active).first())
    if row is None:
        return None
    # Usage bookkeeping only, not a change to any record: no audit event.
    ApiToken.update(last_used_at=utc_now()).where(ApiToken.id == row.id).execute()
    return row.user


def events_for(user, zone, base_url):
    """The user's check-ins as calendar events: the last half year and everything ahead."""
    query = (CheckIn.select(CheckIn, Body).join(Body)
             .where(CheckIn.liaison == user.id, CheckIn.scheduled_for >= clock.utc_now() - HISTORY)
             .order_by(CheckIn.scheduled_for))
    host = base_url.split("//")[-1].split("/")[0] or "capture"
    events = []
    for checkin in query:
        if not auth.can(user, "checkin.view", checkin.body):
            continue  # a body the owner has left, or where they no longer see check-ins
        mode = str(labels.CHECKIN_MODE.get(checkin.mode, checkin.mode))
        summary = _("档案指导（%(mode)s）：%(body)s", mode=mode, body=checkin.body.name)
        if checkin.is_final:
            summary += _("（撤销前最后一次）")
        description = "\n".join(part for part in (
            _("联系人：%(name)s", name=checkin.contact_person) if checkin.contact_person else "",
            checkin.findings) if part)
        events.append(ics.CalendarEvent(
            uid=f"checkin-{checkin.id}@{host}", start=clock.to_local(checkin.scheduled_for, zone),
            minutes=checkin.duration_minutes or DEFAULT_DURATION, summary=summary,
            location=checkin.place, description=description, status=checkin.status,
            url=base_url.rstrip("/") + url_for("guidance.checkin", body_id=checkin.body.id,
                                               checkin_id=checkin.id),
            stamp=(checkin.recorded_at or checkin.created_at).replace(tzinfo=dt.timezone.utc)))
    return events
