"""The scheduled tasks of guidance, run by `capture scheduler` (apart from the jobs of jobs.py).

Each is one set-based pass (no query per body) and safe to run twice:
every notification carries a unique key, so a second run inserts nothing new."""
import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from peewee import fn

from capture import audit, clock, notify
from capture.db import db
from capture.models import Body, CheckIn, Commitment, FollowUp, Membership, User
from capture.people import auth

from capture.records import coverage, series

from . import facts, milestones
from .cadence import GUIDED_STATUSES

# A check-in still without an outcome this long after it began needs one recorded.
OUTCOME_GRACE = dt.timedelta(hours=2)
COMMITMENT_WARNING_DAYS = 7
MILESTONE_WARNING_DAYS = 3
RISK_NAMES_SHOWN = 5


@dataclass
class Context:
    """When a job runs and with what settings."""
    now: dt.datetime  # naive UTC
    zone: str
    config: dict
    store: object
    urls: object = None  # a werkzeug MapAdapter: links are built without a request

    def link(self, endpoint, **values):
        """The URL path of a page, for a notification's link."""
        return self.urls.build(endpoint, values)

    def local_time(self, stored):
        """A stored time as the recipient reads it: month-day hour:minute, local."""
        return clock.to_local(stored, self.zone).strftime("%m-%d %H:%M")

    @property
    def today(self):
        return clock.to_local(self.now, self.zone).date()

    def day_start(self, offset=0):
        """Stored instant at which the local day `offset` days from today begins."""
        return clock.day_start_utc(self.today + dt.timedelta(days=offset), self.zone)


def _members(body_ids, roles):
    """{body id: [(user id, language)]} of active members acting as one of `roles`."""
    found = defaultdict(list)
    query = (Membership.select(Membership.body, User.id, User.language).join(User)
             .where(Membership.body.in_(body_ids), auth.acting_as(*roles), User.active))
    for body_id, user_id, language in query.tuples():
        found[body_id].append((user_id, language))
    return found


def flag_missing_outcomes(ctx):
    """Mark past check-ins without an outcome and ask their liaison to record it."""
    cutoff = ctx.now - OUTCOME_GRACE
    with db.atomic():
        flagged = (CheckIn.update(needs_outcome=True)
                   .where(CheckIn.status == "scheduled", CheckIn.scheduled_for < cutoff,
                          CheckIn.needs_outcome == False).execute())  # noqa: E712
        if flagged:
            # A derived flag, but pages show it and are kept until the next audit event
            # (fragments.py): one event for the whole pass says that they changed.
            audit.record("checkin.needs_outcome", None, {"flagged": flagged,
                                                         "before": cutoff.isoformat()})
    query = (CheckIn.select(CheckIn.id, CheckIn.body, CheckIn.scheduled_for, Body.name,
                            User.id, User.language)
             .join(Body).switch(CheckIn).join(User)
             .where(CheckIn.status == "scheduled", CheckIn.needs_outcome == True))  # noqa: E712
    say = notify.phrases(lambda: _("%(time)s 与“%(body)s”的指导尚未登记结果，请补录。"))
    rows = []
    for checkin_id, body_id, when, body_name, user_id, language in query.tuples():
        message = say(language) % {"time": ctx.local_time(when), "body": body_name}
        rows.append(notify.row(user_id, "checkin.outcome", f"checkin-outcome:{checkin_id}", message,
                               ctx.link("guidance.checkin", body_id=body_id, checkin_id=checkin_id)))
    notify.add_many(rows)
    return len(rows)


def remind_checkins(ctx):
    """Remind the liaison and the body's secretaries the day before a check-in."""
    tomorrow = (CheckIn.select(CheckIn.id, CheckIn.body, CheckIn.scheduled_for, CheckIn.place,
                               Body.name, User.id, User.language)
                .join(Body).switch(CheckIn).join(User)
                .where(CheckIn.status == "scheduled", CheckIn.scheduled_for >= ctx.day_start(1),
                       CheckIn.scheduled_for < ctx.day_start(2)))
    checkins = list(tomorrow.tuples())
    secretaries = _members(tomorrow.select(CheckIn.body), ("secretary",))
    say = notify.phrases(lambda: (_("明天 %(time)s 与“%(body)s”开展档案指导（%(place)s）。"),
                                  _("地点或链接待定")))
    rows = []
    for checkin_id, body_id, when, place, body_name, liaison_id, language in checkins:
        link = ctx.link("guidance.checkin", body_id=body_id, checkin_id=checkin_id)
        for user_id, user_language in [(liaison_id, language)] + secretaries[body_id]:
            text, no_place = say(user_language)
            message = text % {"time": ctx.local_time(when), "body": body_name,
                              "place": place or no_place}
            rows.append(notify.row(user_id, "checkin.reminder",
                                   f"checkin-reminder:{checkin_id}:{user_id}", message, link))
    notify.add_many(rows)
    return len(rows)


def remind_follow_ups(ctx):
    """On the day a follow-up is due, remind the body's secretaries and the liaison."""
    due = (FollowUp.select(FollowUp.id, FollowUp.action, CheckIn.body, Body.name,
                           CheckIn.liaison, User.language)
           .join(CheckIn).join(Body).switch(CheckIn).join(User)
           .where(FollowUp.done_on.is_null(), FollowUp.due == ctx.today))
    follow_ups = list(due.tuples())
    secretaries = _members(due.select(CheckIn.body), ("secretary",))
    say = notify.phrases(lambda: _("今天是“%(body)s”整改事项的完成期限：%(action)s"))
    rows = []
    for follow_up_id, action, body_id, body_name, liaison_id, language in follow_ups:
        link = ctx.link("guidance.body_checkins", body_id=body_id)
        for user_id, user_language in [(liaison_id, language)] + secretaries[body_id]:
            message = say(user_language) % {"body": body_name, "action": action}
            rows.append(notify.row(user_id, "followup.due",
                                   f"followup-due:{follow_up_id}:{user_id}", message, link))
    notify.add_many(rows)
    return len(rows)


def remind_series(ctx):
    """Each morning, tell a body's secretaries which planned record (预立卷) of yesterday is missing."""
    yesterday = ctx.today - dt.timedelta(days=1)
    gaps = coverage.series_gaps(Body.select().where(Body.status.in_(GUIDED_STATUSES)), ctx.today)
    secretaries = _members(list(gaps), ("secretary",))
    say = notify.phrases(lambda: _("昨天（%(day)s）的“%(name)s”还未登记。"))
    rows = []
    for body_id, items in gaps.items():
        for item, status in items:
            last = status.missing[-1]
            if last.end != yesterday:
                continue  # older gaps are on the home page and in the liaison's scan
            link = ctx.link("records.register", body_id=body_id, scope_item=item.id)
            for user_id, language in secretaries[body_id]:
                message = say(language) % {"day": series.label(last, language or "zh_Hans"),
                                           "name": item.name}
                rows.append(notify.row(user_id, "series.missing",
                                       f"series-missing:{item.id}:{yesterday}:{user_id}", message, link))
    notify.add_many(rows)
    return len(rows)


def remind_milestones(ctx):
    """Tell a body's liaisons of a milestone whose guidance falls due within three days (节点指导)."""
    soon = ctx.today + dt.timedelta(days=MILESTONE_WARNING_DAYS)
    due = [m for m in milestones.pending(Body.select(), ctx.zone, ctx.today)
           if m.kind in ("founding", "phase", "dissolution") and ctx.today <= m.due <= soon]
    liaisons = _members({m.body_id for m in due}, ("liaison",))
    say = notify.phrases(lambda: _("“%(body)s”的工作节点“%(what)s”需在 %(day)s 前指导。"))
    names = notify.phrases(lambda: (_("成立"), _("撤销前")))
    rows = []
    for m in due:
        link = ctx.link("guidance.body_checkins", body_id=m.body_id)
        for user_id, language in liaisons[m.body_id]:
            founding, dissolution = names(language)
            what = {"founding": founding, "dissolution": dissolution}.get(m.kind, m.label)
            message = say(language) % {"body": m.body_name, "what": what, "day": m.due.isoformat()}
            rows.append(notify.row(user_id, "milestone.due",
                                   f"milestone:{m.body_id}:{m.kind}:{m.on}:{_short(m.label)}:{user_id}",
                                   message, link))
    notify.add_many(rows)
    return len(rows)


def _short(text):
    """A phase's name in a notification key: the same text, the same eight characters."""
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def remind_commitments(ctx):
    """Mark commitments past their date overdue; warn a week before and once overdue."""
    overdue_ids = [c for (c,) in Commitment.select(Commitment.id)
                   .where(Commitment.status == "open", Commitment.due < ctx.today).tuples()]
    if overdue_ids:
        with db.atomic():
            Commitment.update(status="overdue").where(Commitment.id.in_(overdue_ids)).execute()
            # One event for the whole pass keeps the scheduler set-based.
            audit.record("commitment.overdue", None, {"ids": overdue_ids,
                                                      "today": ctx.today.isoformat()})
    soon = ctx.today + dt.timedelta(days=COMMITMENT_WARNING_DAYS)
    due = (Commitment.select(Commitment.id, Commitment.body, Commitment.what, Commitment.due,
                             Commitment.status, Body.name).join(Body)
           .where((Commitment.status == "overdue")
                  | ((Commitment.status == "open") & (Commitment.due <= soon))))
    commitments = list(due.tuples())
    people = _members(due.select(Commitment.body), ("secretary", "liaison"))
    say = notify.phrases(lambda: {"overdue": _("“%(body)s”的容缺承诺已逾期（%(due)s 到期）：%(what)s"),
                                  "open": _("“%(body)s”的容缺承诺将于 %(due)s 到期：%(what)s")})
    rows = []
    for commitment_id, body_id, what, due_on, status, body_name in commitments:
        link = ctx.link("guidance.body_checkins", body_id=body_id)
        for user_id, language in people[body_id]:
            message = say(language)[status] % {"body": body_name, "due": due_on.isoformat(),
                                               "what": what}
            rows.append(notify.row(user_id, f"commitment.{status}",
                                   f"commitment-{status}:{commitment_id}:{user_id}", message, link))
    notify.add_many(rows)
    return len(rows)


def _risks_by_liaison(ctx):
    found = facts.at_risk(Body.select(), ctx.zone, ctx.now)
    liaisons = _members(Body.select(Body.id).where(Body.status.in_(GUIDED_STATUSES)), ("liaison",))
    per_user, languages = defaultdict(list), {}
    for body_facts, reasons in found:
        for user_id, language in liaisons[body_facts.id]:
            per_user[user_id].append((body_facts, reasons))
            languages[user_id] = language
    return per_user, languages


def _notify_at_risk(ctx, per_user, languages):
    rows = []
    for user_id, entries in per_user.items():
        with notify.speaking(languages[user_id]):
            names = _("、").join(f.name for f, _reasons in entries[:RISK_NAMES_SHOWN])
            message = _("%(n)s 个临时机构存在风险：%(names)s", n=len(entries), names=names)
            if len(entries) > RISK_NAMES_SHOWN:
                message += _(" 等")
        rows.append(notify.row(user_id, "body.at_risk", f"at-risk:{user_id}:{ctx.today}", message,
                               ctx.link("guidance.dashboard")))
    notify.add_many(rows)
    return len(rows)


def _count_by_liaison(query):
    return dict(query.tuples())


def _digest(ctx, at_risk):
    today_checkins = _count_by_liaison(
        CheckIn.select(CheckIn.liaison, fn.COUNT(CheckIn.id))
        .where(CheckIn.status == "scheduled", CheckIn.scheduled_for >= ctx.day_start(0),
               CheckIn.scheduled_for < ctx.day_start(1)).group_by(CheckIn.liaison))
    outcomes = _count_by_liaison(
        CheckIn.select(CheckIn.liaison, fn.COUNT(CheckIn.id))
        .where(CheckIn.status == "scheduled", CheckIn.scheduled_for < ctx.day_start(0))
        .group_by(CheckIn.liaison))
    follow_ups = _count_by_liaison(
        FollowUp.select(CheckIn.liaison, fn.COUNT(FollowUp.id)).join(CheckIn)
        .where(FollowUp.done_on.is_null(), FollowUp.due < ctx.today).group_by(CheckIn.liaison))
    rows = []
    for user_id, language in (User.select(User.id, User.language)
                              .where(User.role == "liaison", User.active).tuples()):
        counts = (today_checkins.get(user_id, 0), outcomes.get(user_id, 0),
                  follow_ups.get(user_id, 0), len(at_risk.get(user_id, ())))
        if not any(counts):
            continue
        with notify.speaking(language):
            message = _("今日指导 %(today)s 次；待登记结果 %(outcomes)s 次；逾期整改事项 %(follow_ups)s 项；"
                        "风险机构 %(risk)s 个。", today=counts[0], outcomes=counts[1],
                        follow_ups=counts[2], risk=counts[3])
        rows.append(notify.row(user_id, "digest", f"digest:{user_id}:{ctx.today}", message,
                               ctx.link("guidance.dashboard")))
    notify.add_many(rows)
    return len(rows)


def morning_round(ctx):
    """The at-risk scan, then each liaison's digest: one scan of all bodies feeds both."""
    per_user, languages = _risks_by_liaison(ctx)
    return _notify_at_risk(ctx, per_user, languages) + _digest(ctx, per_user)


def send_email(ctx):
    """E-mail the notifications not sent yet (only when SMTP is configured)."""
    return notify.send_pending_email(ctx.config)

