"""Background jobs: work that can outlast a request, kept in the database and done by a worker.

A page queues a job and answers at once; `capture worker` (ops/worker.py) claims it, reports
its progress and ends it done (with a result) or failed (with the reason). While it works it
notes a heartbeat every few seconds; a job whose heartbeat stops (the worker was killed, the
machine rebooted) is marked failed by whoever looks next, and can be started again. The work
itself keeps "nothing half-done": an import writes everything in one transaction at its end.

A table of our own rather than a job library: RQ, Celery, Dramatiq and Huey need Redis or a
broker (Huey's SQLite store does not do PostgreSQL), Procrastinate is PostgreSQL only; the
installation runs on SQLite alone and on PostgreSQL, and needs only this much.
"""
import datetime as dt
import json
import os
import socket
import time

from .db import db
from .i18n import N_, keep
from .models import Job
from .clock import utc_now

HEARTBEAT_SECONDS = 5
# A running job whose worker has not reported for this long is taken to be dead.
STALE_SECONDS = 30
# Progress is written at most this often: each write is a short transaction of its own.
PROGRESS_SECONDS = 0.5
# A worker polls every second: a job queued longer than this, with none running, has no worker.
UNCLAIMED_SECONDS = 5


def dead_worker_reason():
    """What a job whose worker died says (a msgid: whoever notices may read another language)."""
    return N_("处理这项工作的进程中途停止了（被终止或服务器重启）。没有留下任何改动，可以重新开始。")


def worker_name():
    """host:pid of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(kind, user, body=None, params=None, step=""):
    """Queue a job; return it."""
    with db.atomic():
        return Job.create(kind=kind, user=user, body=body, params=json.dumps(params or {}),
                          step=step)


def params(job):
    """The job's parameters."""
    return json.loads(job.params or "{}")


def result(job):
    """The job's result (None until it is done)."""
    return json.loads(job.result) if job.result else None


def claim(name=None):
    """Take the oldest queued job for this worker; None when there is none."""
    for job in Job.select().where(Job.status == "queued").order_by(Job.id).limit(5):
        with db.atomic():
            taken = (Job.update(status="running", worker=name or worker_name(), started_at=utc_now(),
                                heartbeat_at=utc_now(), done=0, total=0, done_bytes=0,
                                total_bytes=0, message="")
                     .where(Job.id == job.id, Job.status == "queued").execute())
        if taken:  # another worker may have taken it between the read and the update
            return Job.get_by_id(job.id)
    return None


def heartbeat(job):
    """Note that the job's worker is alive."""
    with db.atomic():
        Job.update(heartbeat_at=utc_now()).where(Job.id == job.id, Job.status == "running").execute()


class Progress:
    """The progress callback of a running job: (done, total, step, bytes done, bytes in all)
    written at most twice a second."""

    def __init__(self, job):
        self.job, self.written, self.last = job, 0.0, 0

    def __call__(self, done, total, step=None, done_bytes=None, total_bytes=None):
        moment = time.monotonic()
        # Within the half second only the end or a step's worth of progress is written.
        if moment - self.written < PROGRESS_SECONDS and done < total and done - self.last < total / 4:
            return
        self.written, self.last = moment, done
        values = {"done": done, "total": total, "heartbeat_at": utc_now()}
        if step is not None:
            values["step"] = step
        if done_bytes is not None:
            values.update(done_bytes=done_bytes, total_bytes=total_bytes or 0)
        with db.atomic():
            Job.update(**values).where(Job.id == self.job.id, Job.status == "running").execute()


def finish(job, outcome):
    """End the job as done with its result (JSON-ready); call it inside the work's own
    transaction where there is one, so the work and its "done" commit together."""
    (Job.update(status="done", result=json.dumps(outcome, ensure_ascii=False), finished_at=utc_now(),
                done=Job.total, step="")
     .where(Job.id == job.id).execute())


def fail(job, why, **params):
    """End the job as failed, saying why: a msgid filled with `params`, kept as such and shown
    in the language of whoever reads it (the template filter kept_text, see i18n.kept_text)."""
    with db.atomic():
        (Job.update(status="failed", message=keep(str(why), **params), finished_at=utc_now())
         .where(Job.id == job.id, Job.status.in_(("queued", "running"))).execute())


def reap(reason, at=None):
    """Mark failed every running job whose worker stopped reporting; return how many."""
    limit = (at or utc_now()) - dt.timedelta(seconds=STALE_SECONDS)
    stale = list(Job.select(Job.id).where(Job.status == "running", Job.heartbeat_at < limit))
    for job in stale:
        fail(job, reason)
    return len(stale)


def as_it_stands(job):
    """The job as its page should show it: a running one whose worker died is failed first."""
    if job.status == "running" and reap(dead_worker_reason()):
        return Job.get_by_id(job.id)
    return job


def no_worker(at=None):
    """True when a job has waited unclaimed for UNCLAIMED_SECONDS while no job runs: no
    `capture worker` is running, and a waiting page should say so and how to start one."""
    moment = at or utc_now()
    waiting = Job.select().where(
        Job.status == "queued",
        Job.created_at < moment - dt.timedelta(seconds=UNCLAIMED_SECONDS)).exists()
    working = Job.select().where(
        Job.status == "running",
        Job.heartbeat_at >= moment - dt.timedelta(seconds=STALE_SECONDS)).exists()
    return waiting and not working


def restart(job):
    """Queue a failed job again, as it was first asked for."""
    with db.atomic():
        return (Job.update(status="queued", done=0, total=0, done_bytes=0, total_bytes=0, step="",
                           message="", result="", worker="", heartbeat_at=None, started_at=None,
                           finished_at=None)
                .where(Job.id == job.id, Job.status == "failed").execute())


def elapsed(job, at=None):
    """Seconds the job has run (or ran)."""
    if job.started_at is None:
        return 0
    return int(((job.finished_at or at or utc_now()) - job.started_at).total_seconds())
