"""The one scheduler process: `capture scheduler` runs the scheduled tasks (guidance/scheduled.py); a lock keeps it to one.

Never started inside web workers (nor twice under the reloader): only this command starts it.
A second `capture scheduler` on the same database refuses to start: SQLite is guarded by a
file lock beside the database file, PostgreSQL by a session advisory lock.
"""
import fcntl
import logging
import os
import signal
import socket
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app
from flask.cli import with_appcontext

from capture import clock, schema
from capture.db import db, is_postgres
from capture.guidance import scheduled

from . import fixity, previsit

log = logging.getLogger(__name__)

# Cron fields in the configured time zone, in the order --run-once runs them: the flags come
# before the reminders and the digest that count them, e-mail last so it sends what they made.
JOBS = [
    ("missing_outcomes", scheduled.flag_missing_outcomes, {"minute": "10"}),
    ("checkin_reminders", scheduled.remind_checkins, {"minute": "15"}),
    ("follow_up_reminders", scheduled.remind_follow_ups, {"hour": "7", "minute": "0"}),
    ("commitment_reminders", scheduled.remind_commitments, {"hour": "7", "minute": "5"}),
    ("series_reminders", scheduled.remind_series, {"hour": "7", "minute": "8"}),
    ("milestone_reminders", scheduled.remind_milestones, {"hour": "7", "minute": "10"}),
    ("pre_transfer_checks", previsit.check_before_visits, {"hour": "18", "minute": "0"}),
    ("at_risk_scan_and_digest", scheduled.morning_round, {"hour": "7", "minute": "15"}),
    ("fixity", fixity.check_slice, {"hour": "2", "minute": "30"}),
    ("email", scheduled.send_email, {"minute": "*/5"}),
]
# A run up to six hours late (machine asleep, long fixity pass) still happens, once.
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": 6 * 3600, "max_instances": 1}
ADVISORY_LOCK_ID = 0x43415054  # "CAPT"


class AlreadyRunning(RuntimeError):
    """Another scheduler holds the lock for this database."""


def _lock_path(app):
    database = getattr(db.obj, "database", "")
    if database and database != ":memory:":
        return Path(database).with_name(Path(database).name + ".scheduler.lock")
    return Path(app.config["DATA_DIR"]) / "scheduler.lock"


@contextmanager
def _file_lock(path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise AlreadyRunning(f"the lock file {path} is held by process {holder}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield str(path)
    finally:
        os.close(fd)  # closing releases the lock


def _advisory_holder():
    row = db.execute_sql(
        "SELECT a.application_name, a.client_addr FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
        "AND l.granted AND l.classid = 0 AND l.objid = %s", (ADVISORY_LOCK_ID,)).fetchone()
    return f"{row[0] or 'unnamed session'} from {row[1] or 'local socket'}" if row else "?"


@contextmanager
def _advisory_lock():
    # Held by this (main-thread) connection for the life of the process; jobs use their own.
    db.connect(reuse_if_open=True)
    # Named so that a refused second scheduler can say which machine and process holds it.
    db.execute_sql("SELECT set_config('application_name', %s, false)",
                   (f"capture scheduler pid {os.getpid()} on {socket.gethostname()}",))
    if not db.execute_sql("SELECT pg_try_advisory_lock(%s)", (ADVISORY_LOCK_ID,)).fetchone()[0]:
        raise AlreadyRunning(f"PostgreSQL advisory lock {ADVISORY_LOCK_ID} is held by "
                             f"{_advisory_holder()}")
    try:
        yield f"advisory lock {ADVISORY_LOCK_ID}"
    finally:
        db.execute_sql("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_ID,))


def exclusive(app):
    """Hold the one-scheduler lock of the app's database while the block runs."""
    return _advisory_lock() if is_postgres() else _file_lock(_lock_path(app))


@contextmanager
def _connected():
    # connection_context() would close a connection the caller opened (and with it the lock).
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        yield
    finally:
        if opened and not db.is_closed():
            db.close()


def run_job(app, name, function):
    """Run one job in an app context (translations, URLs) with a connection; return its count."""
    with app.app_context(), _connected():
        ctx = scheduled.Context(now=clock.utc_now(), zone=app.config["TIMEZONE"],
                           config=app.config, store=app.extensions["store"],
                           urls=app.url_map.bind("localhost",
                                                 script_name=app.config["APPLICATION_ROOT"]))
        result = function(ctx)
    log.info("job %s: %s", name, result)
    return result


def run_once(app, report=None):
    """Run every job once, in order; return the names of the jobs that failed."""
    failed = []
    for name, function, _trigger in JOBS:
        try:
            result = run_job(app, name, function)
        except Exception:
            log.exception("job %s failed", name)
            failed.append(name)
            result = "FAILED"
        if report is not None:
            report(name, result)
    return failed


def _on_event(event):
    if event.code == EVENT_JOB_MISSED:
        log.warning("job %s missed its run at %s (the scheduler was not running or was busy)",
                    event.job_id, event.scheduled_run_time)
    else:
        log.error("job %s failed at %s", event.job_id, event.scheduled_run_time,
                  exc_info=(type(event.exception), event.exception, event.exception.__traceback__))


def build(app):
    """A BlockingScheduler with every job, in the configured time zone."""
    scheduler = BlockingScheduler(timezone=app.config["TIMEZONE"], job_defaults=JOB_DEFAULTS,
                                  executors={"default": ThreadPoolExecutor(1)})
    for name, function, trigger in JOBS:
        scheduler.add_job(run_job, "cron", args=(app, name, function), id=name, name=name,
                          **trigger)
    scheduler.add_listener(_on_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    return scheduler


def _stop(signum, frame):
    raise SystemExit(0)


@click.command("scheduler")
@click.option("--run-once", "once", is_flag=True,
              help="Run every job once, print what each did, and exit (for cron and tests).")
@with_appcontext
def scheduler_command(once):
    """Run the reminders, scans, digests, fixity and e-mail jobs (only one per database)."""
    app = current_app._get_current_object()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with _connected():
        if schema.pending():
            raise click.ClickException("The database is not up to date: run `capture init` first.")
    try:
        with exclusive(app) as lock:
            if once:
                failed = run_once(app, report=lambda name, result: click.echo(f"{name}: {result}"))
                sys.exit(1 if failed else 0)
            blocking = build(app)
            signal.signal(signal.SIGTERM, _stop)
            click.echo(f"Scheduler started: {len(JOBS)} jobs, time zone "
                       f"{app.config['TIMEZONE']}, holding {lock}. Stop with Ctrl-C.")
            sys.stdout.flush()
            try:
                blocking.start()
            except (KeyboardInterrupt, SystemExit):
                blocking.shutdown(wait=False)
    except AlreadyRunning as exc:
        click.echo(f"Another scheduler is already running on this database ({exc}). "
                   "Only one may run at a time: stop the other one, or leave it running.", err=True)
        sys.exit(2)

