"""Fixity: re-hash the file store and name every damaged or missing file and who holds it.

Three ways in: the scheduler's nightly seventh of the store, `capture fixity` on the command
line, and a full pass an administrator starts from the web, done by `capture worker` as a
background job (capture/jobs.py) whose page follows it and keeps its report.
"""
import logging
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from capture import audit, clock, jobs, notify
from capture.db import db, lock_until_commit
from capture.models import Document, File, Job, User

log = logging.getLogger(__name__)
SLICES = 7  # one slice a night: the whole store is re-hashed every week
# A stored file that no File row uses is what an import killed between storing its files and
# writing their rows leaves behind (or an upload whose registration failed). The nightly pass
# removes it once it has been neither written nor stored again for this long: far longer than
# any import or upload takes, so a file whose row is about to be written is never taken.
ORPHAN_SECONDS = 2 * 24 * 3600
KIND = "ops.fixity"  # the background job of a full pass


@dataclass
class FixityReport:
    """What a fixity pass checked and found; `holders` maps a digest to reference codes."""
    checked: int = 0
    size: int = 0  # bytes re-hashed
    weekday: int | None = None
    damaged: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    holders: dict = field(default_factory=dict)
    orphans: list = field(default_factory=list)  # stored files no File row uses

    @property
    def ok(self):
        return not (self.damaged or self.missing)


def in_slice(digest, weekday):
    """True when the file with this digest is re-hashed on `weekday` (0 = Monday)."""
    return int(digest[:2], 16) % SLICES == weekday


def _registered_digests():
    return {sha for (sha,) in File.select(File.sha256).distinct().tuples()}


def holding_documents(digests):
    """{digest: [(reference code, body id, document id), …]} of the documents holding these files."""
    found = defaultdict(list)
    if digests:
        query = (File.select(File.sha256, Document.reference_code, Document.body, Document.id)
                 .join(Document).where(File.sha256.in_(list(digests)))
                 .order_by(Document.reference_code, Document.id))
        for sha, *document in query.tuples():
            if tuple(document) not in found[sha]:
                found[sha].append(tuple(document))
    return dict(found)


def _holders(digests):
    return {sha: list(dict.fromkeys(code for code, _body, _id in held))
            for sha, held in holding_documents(digests).items()}


def check(store, weekday=None, progress=None):
    """Re-hash every stored and registered file (or one weekday's slice of them);
    `progress(files done, files in all, done_bytes=…, total_bytes=…)` follows the pass."""
    report = FixityReport(weekday=weekday)
    registered, stored = _registered_digests(), set(store.all_digests())
    digests = [digest for digest in sorted(registered | stored)
               if weekday is None or in_slice(digest, weekday)]
    report.orphans = [digest for digest in digests if digest not in registered]
    sizes = {digest: store.size_of(digest) or 0 for digest in digests}
    total_bytes = sum(sizes.values())
    if progress:
        progress(0, len(digests), done_bytes=0, total_bytes=total_bytes)
    for digest in digests:
        actual = store.hash_of(digest)
        report.checked += 1
        report.size += sizes[digest]
        if actual is None:
            report.missing.append(digest)
        elif actual != digest:
            report.damaged.append(digest)
        if progress:
            progress(report.checked, len(digests), done_bytes=report.size, total_bytes=total_bytes)
    report.holders = _holders(report.damaged + report.missing)
    return report


def remove_orphans(store, digests, min_age=ORPHAN_SECONDS):
    """Remove those of `digests` that no File row uses and that are older than `min_age`
    seconds; return the removed ones. Each is looked at again just before it goes."""
    removed = []
    for digest in digests:
        age = store.age_of(digest)
        if age is None or age < min_age or File.select().where(File.sha256 == digest).exists():
            continue
        store.remove(digest)
        removed.append(digest)
    if removed:
        log.warning("Fixity: removed %s stored files that no document holds: %s", len(removed),
                    ", ".join(removed))
        audit.record("fixity.orphans_removed", None, {"sha256": removed})
    return removed


def raise_to_admins(report, today, link=""):
    """Notify every active admin of damage found (once per day and slice); log it too."""
    if report.ok:
        return 0
    for digest in report.damaged + report.missing:
        log.error("Fixity: %s is %s; held by %s", digest,
                  "missing" if digest in report.missing else "damaged",
                  ", ".join(report.holders.get(digest, [])) or "no document")
    codes = sorted({c for d in report.damaged + report.missing for c in report.holders.get(d, [])})
    slice_name = "all" if report.weekday is None else str(report.weekday)
    rows = []
    for user_id, language in (User.select(User.id, User.language)
                              .where(User.role == "admin", User.active).tuples()):
        with notify.speaking(language):
            message = _("文件完整性检查发现 %(damaged)s 个文件损坏、%(missing)s 个文件缺失，涉及：%(codes)s",
                        damaged=len(report.damaged), missing=len(report.missing),
                        codes=_("、").join(codes) or _("未登记的文件"))
        rows.append(notify.row(user_id, "fixity", f"fixity:{today}:{slice_name}:{user_id}", message,
                               link))
    with db.atomic():
        notify.add_many(rows)
        audit.record("fixity.damage", None, {"damaged": report.damaged, "missing": report.missing,
                                             "documents": codes})
    return len(rows)


@click.command("fixity")
@click.option("--slice", "slice_", is_flag=True,
              help="Re-hash only tonight's seventh of the store (chosen by digest and weekday).")
@click.option("--weekday", type=click.IntRange(0, 6), default=None,
              help="With --slice: the slice to check (0 = Monday); default today's.")
@with_appcontext
def fixity_command(slice_, weekday):
    """Re-hash the file store; name damaged or missing files; exit 1 if any."""
    zone = current_app.config["TIMEZONE"]
    today = clock.local_today(zone)
    day = (today.weekday() if weekday is None else weekday) if slice_ else None
    with db.connection_context():
        report = check(current_app.extensions["store"], weekday=day)
        raise_to_admins(report, today, notify.path_for("guidance.inbox"))
    for label, digests in (("DAMAGED", report.damaged), ("MISSING", report.missing)):
        for digest in digests:
            codes = ", ".join(report.holders.get(digest, [])) or "no registered document"
            click.echo(f"{label} {digest}  held by: {codes}", err=True)
    store = current_app.extensions["store"]
    for digest in report.orphans:
        age = store.age_of(digest) or 0
        click.echo(f"ORPHAN {digest}  {store.size_of(digest) or 0} bytes, no document holds it; "
                   + ("removed by the nightly pass of its slice (within a week)" if age >= ORPHAN_SECONDS else
                      f"removed by the nightly pass once {ORPHAN_SECONDS // 3600} hours old "
                      f"(now {int(age // 3600)})"), err=True)
    scope = "the whole store" if day is None else f"slice {day} of {SLICES}"
    if not report.ok:
        click.echo(f"Fixity FAILED over {scope}: {len(report.damaged)} damaged, "
                   f"{len(report.missing)} missing of {report.checked} files. "
                   "The admins have been notified; restore these files from a backup.", err=True)
        sys.exit(1)
    click.echo(f"Fixity OK: {report.checked} files re-hashed ({scope}).")


def check_slice(ctx):
    """Re-hash today's seventh of the store; raise damage to the admins."""
    report = check(ctx.store, weekday=ctx.today.weekday())
    raise_to_admins(report, ctx.today, ctx.link("guidance.inbox"))
    remove_orphans(ctx.store, report.orphans)
    return report.checked


def _under_way():
    return (Job.select().where(Job.kind == KIND, Job.status.in_(("queued", "running")))
            .order_by(Job.id).first())


def active_pass():
    """The full pass queued or running now, if any (a dead worker's is failed first)."""
    jobs.reap(jobs.dead_worker_reason())
    return _under_way()


def start(user):
    """Queue a full pass for `capture worker`; one already queued or running is returned instead."""
    jobs.reap(jobs.dead_worker_reason())
    with db.atomic():
        lock_until_commit(KIND)  # two administrators clicking at once start one pass, not two
        return _under_way() or jobs.enqueue(KIND, user)


def start_again(job):
    """Queue a failed pass again, unless another is already under way; return the pass to follow."""
    jobs.reap(jobs.dead_worker_reason())
    with db.atomic():
        lock_until_commit(KIND)
        running = _under_way()
        if running is None:
            jobs.restart(job)
        return running or job


def run_job(job, app):
    """Re-hash the whole store (in the worker); damage is raised as the nightly pass raises it."""
    report = check(app.extensions["store"], progress=jobs.Progress(job))
    raise_to_admins(report, clock.local_today(app.config["TIMEZONE"]),
                    notify.path_for("ops.fixity_job", job_id=job.id))
    with db.atomic():
        audit.record("fixity.check", job, {"checked": report.checked, "bytes": report.size,
                                           "damaged": report.damaged, "missing": report.missing},
                     user=job.user)
        jobs.finish(job, asdict(report))


def kept_report(job):
    """The FixityReport a done pass keeps as its result."""
    return FixityReport(**jobs.result(job))
