"""`capture worker`: does the background jobs (capture/jobs.py) that pages queue.

Any number of workers may run (each claims a job before it starts it); the development server
(`make run`, `python run.py`, `flask --app capture run`) starts one inside itself, so nothing
more is needed there. A worker
that stops mid-job (killed, rebooted) leaves the job to be marked failed by the next look.
"""
import logging
import signal
import threading

import click
from flask import current_app, request
from flask.cli import with_appcontext
from flask_babel import force_locale

from capture import jobs
from capture.db import db
from capture.i18n import N_
from capture.people import auth
from capture.records.imports import tasks as import_tasks
from capture.transfer import packaging, verify_task

from . import fixity

log = logging.getLogger(__name__)

HANDLERS = {import_tasks.CHECK: import_tasks.check, import_tasks.IMPORT: import_tasks.run,
            verify_task.KIND: verify_task.run, packaging.EXPORT_JOB: packaging.run_job,
            fixity.KIND: fixity.run_job}
# What the user who queued a job must still be allowed when it starts: powers follow the person,
# so a job queued before a demotion, deactivation or removal does not run with the old powers.
# An export is left out: its transfer row waits for it, and the transfer page already decided.
REQUIRES = {import_tasks.CHECK: "document.register", import_tasks.IMPORT: "document.register",
            verify_task.KIND: "package.verify", fixity.KIND: "fixity.run"}
NOT_ALLOWED = N_("开始时，提交这项工作的用户已无权执行它（账号角色已变更、已停用或已不是本机构成员），"
                 "没有留下任何改动。")
POLL_SECONDS = 1.0


def still_allowed(job):
    """True when the job's user may still do what the job does."""
    action = REQUIRES.get(job.kind)
    if action is None:
        return True
    body = job.body if action in auth.BODY_ACTIONS else None
    return job.user.active and auth.can(job.user, action, body)


def _beat(job, stop):
    while not stop.wait(jobs.HEARTBEAT_SECONDS):
        try:
            with db.connection_context():
                jobs.heartbeat(job)
        except Exception:  # a missed beat is not fatal; a dead worker stops beating anyway
            log.exception("heartbeat of job %s", job.id)


def run_next(app, name=None):
    """Claim and do the oldest queued job; return it, or None when none was waiting."""
    with app.app_context():
        opened = db.is_closed()
        if opened:
            db.connect()
        try:
            jobs.reap(jobs.dead_worker_reason())
            job = jobs.claim(name)
            if job is None:
                return None
            stop = threading.Event()
            threading.Thread(target=_beat, args=(job, stop), daemon=True).start()
            try:
                if not still_allowed(job):
                    jobs.fail(job, NOT_ALLOWED)
                    return job
                with force_locale(job.user.language or app.config["LANGUAGE"]):
                    HANDLERS[job.kind](job, app)
            except Exception as exc:
                log.exception("job %s (%s) failed", job.id, job.kind)
                jobs.fail(job, N_("出错了：%(reason)s。没有留下任何改动，可以重新开始；如反复出现，请告诉管理员。"),
                          reason=exc.__class__.__name__)
            finally:
                stop.set()
            return job
        finally:
            if opened and not db.is_closed():
                db.close()


def serve(app, stop=None, poll=POLL_SECONDS):
    """Do jobs as they come until `stop` (a threading.Event) is set."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            if run_next(app) is None:
                stop.wait(poll)
        except Exception:  # e.g. the database briefly unreachable: try again shortly
            log.exception("worker loop")
            stop.wait(poll * 5)


def start_thread(app):
    """A worker in a daemon thread of this process (the development server, browser tests);
    return the event that stops it. One per app: asking again returns the running one."""
    running = app.extensions.get("capture.worker")
    if running is not None and not running.is_set():
        return running
    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(app, stop), daemon=True, name="capture-worker")
    thread.start()
    app.extensions["capture.worker"] = stop
    return stop


def start_with_development_server():
    """Before a request: under Werkzeug's development server (`python run.py` or `flask --app
    capture run`, however started) start the in-process worker, so a queued job gets done there
    as it would with `capture worker`. Never under gunicorn, nor for a test app."""
    if not current_app.testing and request.environ.get("SERVER_SOFTWARE", "").startswith("Werkzeug/"):
        start_thread(current_app._get_current_object())


@click.command("worker")
@click.option("--once", is_flag=True, help="Do the jobs waiting now, then exit.")
@with_appcontext
def worker_command(once):
    """Do the background jobs pages queue (bulk import, export, package verification, full fixity pass); run one or more."""
    app = current_app._get_current_object()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if once:
        count = 0
        while run_next(app) is not None:
            count += 1
        click.echo(f"Done {count} job(s).")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    click.echo(f"Worker {jobs.worker_name()} started; stop with Ctrl-C.")
    try:
        serve(app, stop)
    except KeyboardInterrupt:
        pass
