"""The archive's guidance statistics: check-ins, follow-ups, documents and commitments."""
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _, lazy_gettext as _l
from peewee import fn

from capture import clock
from capture.models import Body, CheckIn, Commitment, Document, FollowUp, ScopeItem, User
from capture.people import auth
from capture.records.playbooks.learning import ENDED
from capture.records.playbooks.versions import kind_label
from exporters import statistics as workbook_writer

from . import charts, milestones

ONLINE_MODES = ("phone", "video", "chat")
MILESTONE_NAMES = {"founding": _l("成立"), "phase": _l("工作阶段"), "dissolution": _l("撤销前"),
                   "commitments": _l("移交后承诺")}
MONTHS = 12
WEEKS = 12


@dataclass
class Figures:
    """Every figure of the statistics page, as plain data."""
    today: dt.date
    months: list                      # "2026-03", oldest first
    by_month: dict                    # month -> [on site, online]
    by_liaison: dict                  # liaison name -> [on site, online]
    by_body: dict                     # body name -> [on site, online]
    follow_ups: dict                  # on_time, late, overdue, pending
    weeks: list                       # Monday of each week, oldest first
    documents: dict                   # body name -> [count per week]
    commitments: dict                 # accepted, fulfilled, open, overdue
    milestones: dict = field(default_factory=dict)  # kind -> [met, missed, pending]
    # kind of body -> KindFigures: which playbooks work
    by_kind: dict = field(default_factory=dict)
    charts: dict = field(default_factory=dict)

    @property
    def on_site_total(self):
        return sum(on_site for on_site, _online in self.by_month.values())

    @property
    def online_total(self):
        return sum(online for _on_site, online in self.by_month.values())

    @property
    def milestones_missed(self):
        """Milestones whose guidance is late, of every kind."""
        return sum(missed for _met, missed, _pending in self.milestones.values())

    @property
    def follow_up_rate(self):
        """Percent of follow-ups past their date that were closed on time (None if none)."""
        counted = self.follow_ups["on_time"] + self.follow_ups["late"] + self.follow_ups["overdue"]
        return round(100 * self.follow_ups["on_time"] / counted) if counted else None

    @property
    def fulfilled_rate(self):
        """Percent of accepted commitments fulfilled (None if none were accepted)."""
        accepted = self.commitments["accepted"]
        return round(100 * self.commitments["fulfilled"] / accepted) if accepted else None


@dataclass
class KindFigures:
    """One kind of body: its bodies, how complete the ended ones were, and their commitments."""
    bodies: int = 0
    ended: int = 0
    completeness: list = field(default_factory=list)  # percent of required scope covered, per ended body
    accepted: int = 0
    fulfilled: int = 0

    @property
    def completeness_rate(self):
        """Mean completeness of the ended bodies (None if none ended)."""
        return round(sum(self.completeness) / len(self.completeness)) if self.completeness else None

    @property
    def fulfilled_rate(self):
        """Percent of the kind's accepted commitments fulfilled (None if none)."""
        return round(100 * self.fulfilled / self.accepted) if self.accepted else None


# A body's records are complete once it is dissolved; its completeness then is the one handed over.


def _by_kind(ids):
    """{kind: KindFigures} of the bodies: completeness at the end (share of required scope items with
    a registered document) and commitments fulfilled, in four queries."""
    found, kinds, ended = {}, {}, []
    for body_id, kind, status in Body.select(Body.id, Body.kind, Body.status).where(Body.id.in_(ids)).tuples():
        kinds[body_id] = kind
        figures = found.setdefault(kind, KindFigures())
        figures.bodies += 1
        if status in ENDED:
            figures.ended += 1
            ended.append(body_id)
    filed = Document.select(Document.id).where(Document.scope_item == ScopeItem.id,
                                               Document.status == "registered")
    required = ScopeItem.required == True  # noqa: E712
    counted = dict(ScopeItem.select(ScopeItem.body, fn.COUNT(ScopeItem.id))
                   .where(ScopeItem.body.in_(ended), required).group_by(ScopeItem.body).tuples())
    covered = dict(ScopeItem.select(ScopeItem.body, fn.COUNT(ScopeItem.id))
                   .where(ScopeItem.body.in_(ended), required, fn.EXISTS(filed))
                   .group_by(ScopeItem.body).tuples())
    for body_id in ended:
        total = counted.get(body_id, 0)
        found[kinds[body_id]].completeness.append(round(100 * covered.get(body_id, 0) / total) if total else 100)
    for body_id, status in Commitment.select(Commitment.body, Commitment.status).where(
            Commitment.body.in_(ids)).tuples():
        figures = found[kinds[body_id]]
        figures.accepted += 1
        figures.fulfilled += status == "fulfilled"
    return dict(sorted(found.items(), key=lambda item: kind_label(item[0])))


def _month_starts(today, count):
    first, starts = today.replace(day=1), []
    for _month in range(count):
        starts.insert(0, first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return starts


def _checkins(ids, zone, start, months):
    by_month = {m: [0, 0] for m in months}
    by_liaison, by_body = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    query = (CheckIn.select(CheckIn.scheduled_for, CheckIn.mode, User.display_name, Body.name)
             .join(Body).switch(CheckIn).join(User)
             .where(CheckIn.body.in_(ids), CheckIn.status == "held",
                    CheckIn.scheduled_for >= clock.day_start_utc(start, zone)))
    for when, mode, liaison, body in query.tuples():
        month = clock.to_local(when, zone).strftime("%Y-%m")
        column = 1 if mode in ONLINE_MODES else 0
        if month in by_month:
            by_month[month][column] += 1
            by_liaison[liaison][column] += 1
            by_body[body][column] += 1
    return by_month, dict(by_liaison), dict(by_body)


def _follow_ups(ids, start, today):
    counts = {"on_time": 0, "late": 0, "overdue": 0, "pending": 0}
    query = (FollowUp.select(FollowUp.due, FollowUp.done_on).join(CheckIn)
             .where(CheckIn.body.in_(ids), FollowUp.due >= start))
    for due, done_on in query.tuples():
        if done_on is not None:
            counts["on_time" if done_on <= due else "late"] += 1
        else:
            counts["overdue" if due < today else "pending"] += 1
    return counts


def _documents(ids, zone, weeks):
    counts = defaultdict(lambda: [0] * len(weeks))
    index = {monday: i for i, monday in enumerate(weeks)}
    query = (Document.select(Body.name, Document.created_at).join(Body)
             .where(Document.body.in_(ids), Document.status == "registered",
                    Document.created_at >= clock.day_start_utc(weeks[0], zone)))
    for body, created_at in query.tuples():
        day = clock.to_local(created_at, zone).date()
        week = index.get(day - dt.timedelta(days=day.weekday()))
        if week is not None:
            counts[body][week] += 1
    return dict(sorted(counts.items(), key=lambda item: -sum(item[1])))


def _commitments(ids, today):
    counts = {"accepted": 0, "fulfilled": 0, "open": 0, "overdue": 0}
    for status, due in Commitment.select(Commitment.status, Commitment.due).where(
            Commitment.body.in_(ids)).tuples():
        counts["accepted"] += 1
        if status == "fulfilled":
            counts["fulfilled"] += 1
        elif status == "overdue" or due < today:
            counts["overdue"] += 1
        else:
            counts["open"] += 1
    return counts


def _milestones(bodies, zone, today):
    """{kind: [met, missed, pending]} of the bodies' milestones (节点指导) as they stand today."""
    found = {kind: [0, 0, 0] for kind in milestones.KINDS}
    for milestone in milestones.gather(bodies, zone, today):
        column = 0 if milestone.done_on else (1 if milestone.missed(today) else 2)
        found[milestone.kind][column] += 1
    return found


def _draw(figures):
    modes = [("on-site", _("现场")), ("online", _("线上"))]
    def series(table, keys):
        return [(css, name, [table[k][i] for k in keys]) for i, (css, name) in enumerate(modes)]
    liaisons, bodies = sorted(figures.by_liaison), sorted(figures.by_body)
    week_labels = [monday.strftime("%m-%d") for monday in figures.weeks]
    totals = [sum(counts[i] for counts in figures.documents.values())
              for i in range(len(figures.weeks))]
    drawn = {"months": (figures.months, series(figures.by_month, figures.months), charts.columns),
             "liaisons": (liaisons, series(figures.by_liaison, liaisons), charts.rows),
             "bodies": (bodies, series(figures.by_body, bodies), charts.rows),
             "documents": (week_labels, [("documents", _("登记文件"), totals)], charts.columns)}
    for name, (keys, values, draw) in drawn.items():
        figures.charts[name] = draw(keys, values)
        figures.charts[name + "_phone"] = charts.phone_rows(keys, values)


def compute(user, zone, now_utc=None):
    """The figures over the bodies `user` may see: last 12 months, last 12 weeks."""
    today = clock.to_local(now_utc or clock.utc_now(), zone).date()
    ids = auth.visible_bodies(user).select(Body.id).order_by()
    month_starts = _month_starts(today, MONTHS)
    months = [m.strftime("%Y-%m") for m in month_starts]
    this_monday = today - dt.timedelta(days=today.weekday())
    weeks = [this_monday - dt.timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    by_month, by_liaison, by_body = _checkins(ids, zone, month_starts[0], months)
    figures = Figures(today=today, months=months, by_month=by_month, by_liaison=by_liaison,
                      by_body=by_body, follow_ups=_follow_ups(ids, month_starts[0], today),
                      weeks=weeks, documents=_documents(ids, zone, weeks),
                      commitments=_commitments(ids, today),
                      milestones=_milestones(auth.visible_bodies(user), zone, today),
                      by_kind=_by_kind(ids))
    _draw(figures)
    return figures


def tables(figures):
    """The figures as (sheet title, header, rows) tables, for the workbook."""
    on_site, online = _("现场"), _("线上")
    pair = [on_site, online, _("合计")]
    return [
        (_("按月指导次数"), [_("月份")] + pair,
         [[m, *figures.by_month[m], sum(figures.by_month[m])] for m in figures.months]),
        (_("按指导员"), [_("指导员")] + pair,
         [[k, *v, sum(v)] for k, v in sorted(figures.by_liaison.items())]),
        (_("按机构"), [_("临时机构")] + pair,
         [[k, *v, sum(v)] for k, v in sorted(figures.by_body.items())]),
        (_("整改事项"), [_("按期完成"), _("逾期完成"), _("逾期未完成"), _("未到期"), _("按期完成率（%）")],
         [[figures.follow_ups["on_time"], figures.follow_ups["late"],
           figures.follow_ups["overdue"], figures.follow_ups["pending"],
           figures.follow_up_rate if figures.follow_up_rate is not None else ""]]),
        (_("每周登记文件"), [_("临时机构")] + [w.isoformat() for w in figures.weeks] + [_("合计")],
         [[k, *v, sum(v)] for k, v in figures.documents.items()]),
        (_("容缺承诺"), [_("已受理"), _("已兑现"), _("兑现率（%）"), _("未到期"), _("已逾期")],
         [[figures.commitments["accepted"], figures.commitments["fulfilled"],
           figures.fulfilled_rate if figures.fulfilled_rate is not None else "",
           figures.commitments["open"], figures.commitments["overdue"]]]),
        (_("按机构类型"), [_("机构类型"), _("机构数"), _("已撤销"), _("撤销时归档完整率（%）"),
                      _("容缺承诺"), _("已兑现"), _("兑现率（%）")],
         [[kind_label(kind), k.bodies, k.ended, _blank(k.completeness_rate), k.accepted, k.fulfilled,
           _blank(k.fulfilled_rate)] for kind, k in figures.by_kind.items()]),
        (_("节点指导"), [_("工作节点"), _("已指导"), _("已逾期"), _("未到期")],
         [[str(MILESTONE_NAMES[kind]), *counts] for kind, counts in figures.milestones.items()]),
    ]


def _blank(value):
    return "" if value is None else value


def workbook(figures):
    """The figures as an XLSX file in memory."""
    return io.BytesIO(workbook_writer.write(tables(figures), title=_("档案指导统计")))
