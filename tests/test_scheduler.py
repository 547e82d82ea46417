"""The scheduler: jobs run twice send nothing twice, e-mail goes out through a real SMTP server,
and only one scheduler may run on a database."""
import datetime as dt
import os
import select
import socket
import subprocess
import sys
import time
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller

from capture.db import recorded_statements
from capture.models import (AuditEvent, CheckIn, Commitment, FollowUp, Membership, Notification,
                            Phase, ScopeItem, User)
from capture.ops import scheduler

from conftest import make_body

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)  # Monday 09:00 in Shanghai


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


class Mailbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on a free loopback port; the app is configured to use it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                      SMTP_SENDER="archive@example.org", BASE_URL="https://dangan.example.org")
    yield mailbox
    controller.stop()


def subject(message):
    return str(make_header(decode_header(message["Subject"])))


def test_run_once_twice_sends_each_reminder_once(app, runner, world, smtp_server):
    a = world["a"]
    User.update(email="li@example.org").where(User.id == world["liaison"].id).execute()
    User.update(email="zhang@example.org").where(User.id == world["secretary"].id).execute()
    tomorrow = CheckIn.create(body=a, liaison=world["liaison"], place="302 会议室",
                              scheduled_for=dt.datetime(2026, 3, 3, 6, 30))
    held = CheckIn.create(body=a, liaison=world["liaison"], status="held",
                          scheduled_for=dt.datetime(2026, 2, 27, 2))
    FollowUp.create(checkin=held, action="补登 3 月会议纪要", due=dt.date(2026, 3, 2))

    first = runner.invoke(args=["scheduler", "--run-once"])
    assert first.exit_code == 0, first.output
    keys = sorted(n.key for n in Notification.select())
    second = runner.invoke(args=["scheduler", "--run-once"])
    assert second.exit_code == 0, second.output
    assert sorted(n.key for n in Notification.select()) == keys  # nothing new the second time

    liaison, secretary = world["liaison"].id, world["secretary"].id
    assert f"checkin-reminder:{tomorrow.id}:{liaison}" in keys
    assert f"checkin-reminder:{tomorrow.id}:{secretary}" in keys
    assert len([k for k in keys if k.startswith("followup-due:")]) == 2
    assert f"digest:{liaison}:2026-03-02" in keys

    emailed = Notification.select().join(User).where(User.email != "")
    assert len(smtp_server.messages) == emailed.count()  # once each, after two runs
    assert all(n.emailed_at for n in emailed)
    reminder = next(m for m in smtp_server.messages
                    if m["To"].endswith("<zhang@example.org>") and "明天" in subject(m))
    assert "14:30" in subject(reminder) and "302 会议室" in subject(reminder)
    body = reminder.get_payload(decode=True).decode()
    assert f"https://dangan.example.org/bodies/{a.id}/checkins/{tomorrow.id}" in body


def test_past_check_in_without_outcome_is_flagged_and_its_liaison_asked(app, world):
    checkin = CheckIn.create(body=world["a"], liaison=world["liaison"],
                             scheduled_for=dt.datetime(2026, 2, 27, 2))
    assert scheduler.run_once(app) == []
    assert CheckIn.get_by_id(checkin.id).needs_outcome
    note = Notification.get(Notification.key == f"checkin-outcome:{checkin.id}")
    assert note.user_id == world["liaison"].id and "尚未登记结果" in note.message


def test_commitments_past_due_turn_overdue_once_and_people_are_warned(app, world):
    a = world["a"]
    late = Commitment.create(body=a, what="撤销通知原件", promised_by="张文书",
                             due=dt.date(2026, 3, 1), created_by=world["admin"])
    soon = Commitment.create(body=a, what="工作总结", promised_by="张文书",
                             due=dt.date(2026, 3, 5), created_by=world["admin"])
    later = Commitment.create(body=a, what="照片", promised_by="张文书",
                              due=dt.date(2026, 6, 1), created_by=world["admin"])
    scheduler.run_once(app)
    scheduler.run_once(app)
    assert [Commitment.get_by_id(c.id).status for c in (late, soon, later)] == ["overdue", "open", "open"]
    assert AuditEvent.select().where(AuditEvent.action == "commitment.overdue").count() == 1
    keys = {n.key for n in Notification.select()}
    for user in (world["liaison"], world["secretary"]):
        assert f"commitment-overdue:{late.id}:{user.id}" in keys
        assert f"commitment-open:{soon.id}:{user.id}" in keys
    assert not any(k.startswith(f"commitment-open:{later.id}:") for k in keys)


def test_at_risk_scan_tells_each_liaison_once_a_day(app, world):
    scheduler.run_once(app)
    scheduler.run_once(app)
    notes = list(Notification.select().where(Notification.kind == "body.at_risk"))
    assert [(n.user_id, n.key) for n in notes] == [(world["liaison"].id,
                                                   f"at-risk:{world['liaison'].id}:2026-03-02")]
    assert "AAA 临时机构" in notes[0].message and "BBB" not in notes[0].message


def _add_bodies(count, start, liaison, secretary, admin):
    for i in range(start, start + count):
        body = make_body(f"B{i:04d}", established_on=dt.date(2026, 1, 1))
        Membership.create(user=liaison, body=body, role="liaison")
        Membership.create(user=secretary, body=body, role="secretary")
        CheckIn.create(body=body, liaison=liaison, scheduled_for=dt.datetime(2026, 3, 3, 2))
        CheckIn.create(body=body, liaison=liaison, scheduled_for=dt.datetime(2026, 2, 27, 2))
        held = CheckIn.create(body=body, liaison=liaison, status="held",
                              scheduled_for=dt.datetime(2026, 2, 20, 2))
        FollowUp.create(checkin=held, action="整改", due=dt.date(2026, 3, 2))
        Commitment.create(body=body, what="总结", promised_by="张", due=dt.date(2026, 3, 1),
                          created_by=admin)
        # Planned ahead: a daily report missing yesterday, and a phase calling for guidance.
        ScopeItem.update(recurrence="daily", starts_on=dt.date(2026, 2, 25)).where(
            ScopeItem.body == body, ScopeItem.name.startswith("情况报告")).execute()
        Phase.create(body=body, on=dt.date(2026, 2, 26), name="进入高峰", created_by=liaison)


def test_scheduler_pass_is_set_based(app, world):
    people = (world["liaison"], world["secretary"], world["admin"])
    _add_bodies(4, 0, *people)
    with recorded_statements() as few:
        scheduler.run_once(app)
    _add_bodies(40, 4, *people)
    with recorded_statements() as many:
        scheduler.run_once(app)
    assert len(many) == len(few)  # ten times the bodies, not one statement more
    assert Notification.select().where(Notification.kind == "checkin.reminder").count() == 88
    # The new passes run over every body too: one note per body to its secretary, one per
    # milestone due within three days (each body's phase of 26 February) to its liaison.
    assert Notification.select().where(Notification.kind == "series.missing").count() == 44
    assert Notification.select().where(Notification.kind == "milestone.due").count() == 44
    series_note = Notification.select().where(Notification.kind == "series.missing").first()
    assert series_note.message == "昨天（3月1日）的“情况报告、工作简报”还未登记。"
    milestone_note = Notification.select().where(Notification.kind == "milestone.due").first()
    assert milestone_note.message.endswith("的工作节点“进入高峰”需在 2026-03-05 前指导。")


def _wait_for_line(stream, text, seconds=30):
    # poll(), not select(): late in a long suite the pipe's descriptor may be above 1024.
    poller = select.poll()
    poller.register(stream, select.POLLIN)
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        if not poller.poll(max(0, deadline - time.monotonic()) * 1000):
            break
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"{text!r} not printed; got {seen!r}")


def test_second_scheduler_on_the_same_database_refuses_to_start(app, tmp_path):
    env = dict(os.environ, CAPTURE_DATA_DIR=app.config["DATA_DIR"], PYTHONUNBUFFERED="1",
               CAPTURE_DATABASE_URL=app.config["DATABASE_URL"], CAPTURE_SECRET_KEY="test")
    command = [str(Path(sys.executable).with_name("capture")), "scheduler"]
    with open(tmp_path / "first.log", "w") as log:
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        _wait_for_line(first.stdout, "Scheduler started")
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert "Another scheduler is already running on this database" in second.stderr
        assert str(first.pid) in second.stderr  # names the process that holds the lock
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert first.returncode == 0  # stopped cleanly on SIGTERM, releasing the lock
    again = subprocess.run(command + ["--run-once"], env=env, capture_output=True, text=True,
                           timeout=60)
    assert again.returncode == 0, again.stderr


def test_missed_runs_are_logged(app, caplog):
    from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
    event = JobExecutionEvent(EVENT_JOB_MISSED, "digest", None, dt.datetime(2026, 3, 2, 7, 30))
    with caplog.at_level("WARNING", logger="capture.ops.scheduler"):
        scheduler._on_event(event)
    assert "job digest missed its run" in caplog.text


def test_scheduler_uses_the_configured_zone_and_forgiving_defaults(app):
    app.config["TIMEZONE"] = "Asia/Shanghai"
    built = scheduler.build(app)
    assert str(built.timezone) == "Asia/Shanghai"
    assert built._job_defaults["coalesce"] is True
    assert built._job_defaults["misfire_grace_time"] >= 3600
    assert {job.id for job in built.get_jobs()} == {name for name, _f, _t in scheduler.JOBS}
