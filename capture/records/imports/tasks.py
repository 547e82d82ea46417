"""The import's background jobs, done by `capture worker`: the check of an upload and its import.

Both read the upload kept by staging (so the zip is sent once) and keep their report as the
job's result. The import marks its job done inside its own transaction: a worker that dies
before the end leaves no document and a job that the next look marks failed.
"""
from flask_babel import gettext as _
from peewee import IntegrityError

from capture import jobs
from capture.db import db
from capture.forms import InvalidInput

from . import importer, staging
from .sources import SourceError

CHECK, IMPORT = "import.check", "import.run"


def _limits(app):
    return app.config["IMPORT_MAX_UNZIPPED_MB"] * 1024 * 1024


def _staged(job, app):
    staged = staging.load(app.config["DATA_DIR"], job.user, job.body, jobs.params(job).get("staged"))
    if staged is None:
        raise SourceError(_("这次上传已导入或已过期，请重新上传表格。"))
    return staged


def _keep(job, report, table_name):
    with db.atomic():
        jobs.finish(job, importer.report_to_dict(report, table_name))


def _open(job, app):
    """(table name, staged upload, header, rows, source) of a job's upload; None, with the job's
    report saying why, when it cannot be read."""
    table_name = jobs.params(job).get("table_name", "")
    try:
        staged = _staged(job, app)
        return (table_name, staged, *staging.read(staged, _limits(app)))
    except SourceError as error:
        _keep(job, importer.unreadable(error), table_name)
        return None


def check(job, app):
    """Check a staged upload row by row; nothing is written but the job's report."""
    opened = _open(job, app)
    if opened is None:
        return
    table_name, staged, header, rows, source = opened
    try:
        report = importer.check(job.body, header, rows, source, progress=jobs.Progress(job))
    finally:
        if source is not None:
            source.close()
    if not report.ok:
        staging.discard(staged)
    _keep(job, report, table_name)


def run(job, app):
    """Import a checked upload: every row or none; the job is done when the rows are in."""
    opened = _open(job, app)
    if opened is None:
        return
    table_name, staged, header, rows, source = opened
    try:
        report = importer.run(job.body, job.user, header, rows, source, app.extensions["store"],
                              app.config["MAX_CONTENT_LENGTH"], progress=jobs.Progress(job),
                              finish=lambda done: jobs.finish(job, importer.report_to_dict(done, table_name)))
    except IntegrityError:
        report = importer.unreadable(_("同时有另一次导入登记了相同的行，本次未导入。请重新上传，已导入的行会自动跳过。"))
    except InvalidInput as error:  # e.g. the disk filled up while storing the files
        report = importer.unreadable(" ".join(str(m) for ms in error.field_errors.values() for m in ms))
    finally:
        if source is not None:
            source.close()
    if report.ok:
        staging.discard(staged)
    else:
        _keep(job, report, table_name)
