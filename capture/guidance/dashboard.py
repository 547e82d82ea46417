"""The liaison's dashboard: what is due today and in the next seven days, what is overdue, who is at risk."""
import datetime as dt
from dataclasses import dataclass, field

from capture import clock
from capture.models import Body, CheckIn, Commitment, FollowUp, User
from capture.people import auth

from . import facts, milestones

LIMIT = 200  # rows per list; a longer list is a reason to act, not to scroll


@dataclass
class Dashboard:
    """Everything the dashboard shows, ready for the template."""
    today: dt.date
    today_checkins: list = field(default_factory=list)
    week_checkins: list = field(default_factory=list)
    needs_outcome: list = field(default_factory=list)
    overdue_follow_ups: list = field(default_factory=list)
    open_follow_ups: list = field(default_factory=list)
    at_risk: list = field(default_factory=list)
    commitments: list = field(default_factory=list)
    milestones: list = field(default_factory=list)


# Only what the dashboard shows: a body row alone has twenty columns, and a list holds up to 200.
CHECKIN_COLUMNS = (CheckIn.id, CheckIn.scheduled_for, CheckIn.mode, CheckIn.place, CheckIn.status,
                   CheckIn.needs_outcome, CheckIn.is_final, Body.id, Body.name, User.display_name)


def _checkins(ids):
    return (CheckIn.select(*CHECKIN_COLUMNS).join(Body).switch(CheckIn).join(User)
            .where(CheckIn.body.in_(ids)))


def build(user, zone, now_utc=None):
    """The dashboard for `user`, over the bodies they may see, in a fixed number of queries."""
    now_utc = now_utc or clock.utc_now()
    today = clock.to_local(now_utc, zone).date()
    bodies = auth.visible_bodies(user)
    ids = bodies.select(Body.id).order_by()
    today_start = clock.day_start_utc(today, zone)
    tomorrow_start = clock.day_start_utc(today + dt.timedelta(days=1), zone)
    # "The coming week" is the next seven days, not what is left of the calendar week: on a
    # Sunday that would be nothing, and Monday's check-in would not show.
    week_end = clock.day_start_utc(today + dt.timedelta(days=8), zone)
    board = Dashboard(today=today)
    for checkin in (_checkins(ids)
                    .where(CheckIn.scheduled_for >= today_start, CheckIn.scheduled_for < week_end,
                           CheckIn.status != "cancelled")
                    .order_by(CheckIn.scheduled_for).limit(LIMIT)):
        target = board.today_checkins if checkin.scheduled_for < tomorrow_start else board.week_checkins
        target.append(checkin)
    board.needs_outcome = list(_checkins(ids)
                               .where(CheckIn.status == "scheduled",
                                      CheckIn.scheduled_for < today_start)
                               .order_by(CheckIn.scheduled_for).limit(LIMIT))
    follow_ups = list(
        FollowUp.select(FollowUp.id, FollowUp.action, FollowUp.owner, FollowUp.due, CheckIn.id,
                        Body.id, Body.name).join(CheckIn).join(Body)
        .where(CheckIn.body.in_(ids), FollowUp.done_on.is_null())
        .order_by(FollowUp.due).limit(2 * LIMIT))
    board.overdue_follow_ups = [f for f in follow_ups if f.due < today][:LIMIT]
    board.open_follow_ups = [f for f in follow_ups if f.due >= today][:LIMIT]
    board.at_risk = facts.at_risk(bodies, zone, now_utc)
    board.milestones = milestones.pending(bodies, zone, today)[:LIMIT]
    board.commitments = list(
        Commitment.select(Commitment.id, Commitment.what, Commitment.promised_by, Commitment.due,
                          Commitment.status, Body.id, Body.name).join(Body)
        .where(Commitment.body.in_(ids), Commitment.status.in_(("open", "overdue")))
        .order_by(Commitment.due).limit(LIMIT))
    return board
