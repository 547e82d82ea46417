"""Benchmark 5: one scheduler pass over 10,000 bodies and 200,000 check-ins; statements per pass."""
import datetime as dt
import shutil
import subprocess
import time

from capture.db import recorded_statements
from capture.models import (CheckIn, Commitment, Document, FollowUp, Membership, Notification,
                            ScopeItem)
from capture.ops import scheduler

from . import data
from .common import PYTHON, ROOT, Report, environment, growth, scratch

CHECKINS_PER_BODY = 20
BODIES_PER_LIAISON = 100


def populate(bodies_count):
    """Bodies with a liaison and a secretary each, 20 check-ins, follow-ups, commitments, documents."""
    hashed = data.password_hash()
    liaisons = data.users("liaison", max(1, bodies_count // BODIES_PER_LIAISON), "liaison", hashed)
    secretaries = data.users("secretary", bodies_count, "sec", hashed)
    body_ids = data.bodies(bodies_count)
    now = data.NOW.replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 in Shanghai
    data.bulk(ScopeItem, ({"body": body_id, "name": name, "required": True, "sort": k}
                          for body_id in body_ids for k, name in enumerate(("成立文件", "成员名单", "工作总结"))))
    scope = {}
    for scope_id, body_id in ScopeItem.select(ScopeItem.id, ScopeItem.body).order_by(ScopeItem.sort).tuples():
        scope.setdefault(body_id, []).append(scope_id)
    members, checkins, documents, commitments = [], [], [], []
    for n, body_id in enumerate(body_ids):
        liaison = liaisons[n // BODIES_PER_LIAISON % len(liaisons)]
        members += [{"user": liaison, "body": body_id, "role": "liaison"},
                    {"user": secretaries[n], "body": body_id, "role": "secretary"}]
        for i in range(CHECKINS_PER_BODY):
            if i < CHECKINS_PER_BODY - 1:  # the past, ten days apart; one missed, some unrecorded
                when = now - dt.timedelta(days=10 * (CHECKINS_PER_BODY - 1 - i))
                status = "missed" if i == 5 else (
                    "scheduled" if i == CHECKINS_PER_BODY - 2 and n % 10 == 0 else "held")
            else:  # the next one, within the coming week
                when, status = now + dt.timedelta(days=n % 7, hours=1), "scheduled"
            checkins.append({"body": body_id, "liaison": liaison, "scheduled_for": when,
                             "status": status, "mode": ("on_site", "phone", "video", "chat")[i % 4],
                             "notes": "检查归档范围执行情况", "findings": "会议纪要未及时登记"})
        for k in range(2):  # the founding notice and the member list; the work summary is missing
            documents.append({"body": body_id, "scope_item": scope[body_id][k], "record_class": "WS", "year": data.TODAY.year,
                              "retention": "Y", "class_key": f"WS·{data.TODAY.year}-Y",
                              "item_number": k + 1,
                              "reference_code": f"{data.fonds_code(n)}-WS·{data.TODAY.year}-Y-{k + 1:04d}",
                              "responsible": "区疫情防控工作指挥部", "title": ("成立通知", "成员名单")[k],
                              "date": data.TODAY - dt.timedelta(days=5 + n % 40),
                              "created_by": secretaries[n],
                              "created_at": now - dt.timedelta(days=5 + n % 40)})
        if n % 5 == 0:
            commitments.append({"body": body_id, "what": "工作总结", "promised_by": "王秘书",
                                "due": data.TODAY + dt.timedelta(days=n % 14 - 7), "created_by": liaison})
    data.bulk(Membership, members)
    data.bulk(CheckIn, checkins)
    data.bulk(Document, documents)
    data.bulk(Commitment, commitments)
    recent = (CheckIn.select(CheckIn.id, CheckIn.body).where(CheckIn.scheduled_for < now,
                                                             CheckIn.scheduled_for > now - dt.timedelta(days=11))
              .tuples())
    data.bulk(FollowUp, ({"checkin": checkin_id, "action": action, "owner": "王秘书",
                          "due": data.TODAY - dt.timedelta(days=body_id % 10),
                          "done_on": data.TODAY if done else None}
                         for checkin_id, body_id in recent
                         for action, done in (("补登会议纪要", False), ("整理照片", True))))


def one_pass(work, bodies_count):
    """(seconds, statements, notifications, check-ins) of a first pass on fresh data."""
    folder = work / f"{bodies_count}"
    with data.app_on(folder) as app:
        populate(bodies_count)
        data.settle()
        with recorded_statements() as statements:
            start = time.perf_counter()
            failed = scheduler.run_once(app)
            seconds = time.perf_counter() - start
        if failed:
            raise RuntimeError(f"jobs failed: {failed}")
        return seconds, len(statements), Notification.select().count(), CheckIn.select().count()


def cli_pass(folder):
    """Seconds of `capture scheduler --run-once` as a command (start-up included)."""
    start = time.perf_counter()
    subprocess.run([PYTHON, "-m", "capture", "scheduler", "--run-once"], cwd=ROOT, check=True,
                   env=environment(folder), capture_output=True)
    return time.perf_counter() - start


def run(quick=False):
    """Print the pass time against its 2 s limit and the statement counts at two sizes."""
    full = 1_000 if quick else 10_000
    small = full // 10
    report = Report(f"Scheduler: one --run-once pass, {full:,} bodies × {CHECKINS_PER_BODY} check-ins")
    work = scratch("scheduler")
    passes = {}

    def measure(size):
        passes[size] = one_pass(work, size)
        return passes[size][0]

    figures = growth(report, "growth of the pass, seconds", measure, [full // 4, full // 2, full])
    seconds, statements, notifications, checkins = passes[full]
    report.note(f"{full:,} bodies, {checkins:,} check-ins: {notifications:,} notifications made")
    report.limit(f"pass over {full:,} bodies", figures[-1][1], 2.0, "s")
    few = one_pass(work, small)[1]
    report.note(f"SQL statements: {few} for {small:,} bodies, {statements} for {full:,} bodies")
    report.check(f"same statement count for {small:,} and {full:,} bodies", few == statements)
    report.note(f"the whole command (start-up included) took {cli_pass(work / str(full)):.2f} s "
                "on the data the pass already went through")
    shutil.rmtree(work)
    return report.passed
