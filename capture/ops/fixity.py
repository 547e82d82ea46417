"""Fixity: re-hash the file store and name every damaged or missing file and who holds it."""
import logging
import sys
from collections import defaultdict
from dataclasses import dataclass, field

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from capture import audit, clock, notify
from capture.db import db
from capture.models import Document, File, User

log = logging.getLogger(__name__)
SLICES = 7  # one slice a night: the whole store is re-hashed every week


@dataclass
class FixityReport:
    """What a fixity pass checked and found; `holders` maps a digest to reference codes."""
    checked: int = 0
    weekday: int | None = None
    damaged: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    holders: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not (self.damaged or self.missing)


def in_slice(digest, weekday):
    """True when the file with this digest is re-hashed on `weekday` (0 = Monday)."""
    return int(digest[:2], 16) % SLICES == weekday


def _registered_digests():
    return {sha for (sha,) in File.select(File.sha256).distinct().tuples()}


def _holders(digests):
    found = defaultdict(list)
    if digests:
        query = (File.select(File.sha256, Document.reference_code).join(Document)
                 .where(File.sha256.in_(list(digests))).order_by(Document.reference_code))
        for sha, reference_code in query.tuples():
            if reference_code not in found[sha]:
                found[sha].append(reference_code)
    return dict(found)


def check(store, weekday=None):
    """Re-hash every stored and registered file (or one weekday's slice of them)."""
    report = FixityReport(weekday=weekday)
    registered = _registered_digests()
    for digest in sorted(registered | set(store.all_digests())):
        if weekday is not None and not in_slice(digest, weekday):
            continue
        report.checked += 1
        actual = store.hash_of(digest)
        if actual is None:
            report.missing.append(digest)
        elif actual != digest:
            report.damaged.append(digest)
    report.holders = _holders(report.damaged + report.missing)
    return report


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
        raise_to_admins(report, today, notify.path_for("notifications.inbox"))
    for label, digests in (("DAMAGED", report.damaged), ("MISSING", report.missing)):
        for digest in digests:
            codes = ", ".join(report.holders.get(digest, [])) or "no registered document"
            click.echo(f"{label} {digest}  held by: {codes}", err=True)
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
    raise_to_admins(report, ctx.today, ctx.link("notifications.inbox"))
    return report.checked
