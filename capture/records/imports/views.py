"""Bulk import on the web: upload a spreadsheet (and a zip of files), see the check, confirm.

The check and the import are background jobs (tasks.py, done by `capture worker`): each page
answers at once and leads to the job's page, which shows its progress and then its report.
"""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import FileField, HiddenField

from capture import jobs
from capture.models import Job
from capture.people import auth

from . import importer, staging, tasks
from .sources import SourceError

bp = Blueprint("imports", __name__, url_prefix="/bodies/<int:body_id>/import")


class UploadForm(FlaskForm):
    """The spreadsheet and, optionally, a zip with the files it names."""
    table = FileField(_l("目录表格"), description=_l("CSV（UTF-8 或 Excel 默认的 GBK 编码）或 XLSX；第一行为列名"))
    files = FileField(_l("电子文件（zip 压缩包，可选）"), description=_l("表中“文件名”列写出每件文件对应的文件名，多个用分号隔开"))


class ConfirmForm(FlaskForm):
    """Confirm a checked upload."""
    staged = HiddenField()


def _job_or_404(body, job_id):
    """The user's own import job in this body (after logout and login too), else 404."""
    job = Job.get_or_none(Job.id == job_id, Job.user == auth.user(), Job.body == body,
                          Job.kind.in_((tasks.CHECK, tasks.IMPORT)))
    if job is None:
        abort(404)
    return job


def _to_job(body, job):
    return redirect(url_for("imports.job", body_id=body.id, job_id=job.id), 303)


@bp.route("", methods=["GET", "POST"])
@login_required
def upload(body_id):
    """Upload a spreadsheet and files; a background job checks them and imports nothing yet."""
    body = auth.body_or_404(body_id, "document.register")
    form = UploadForm()
    recent = list(Job.select().where(Job.user == auth.user(), Job.body == body,
                                     Job.kind.in_((tasks.CHECK, tasks.IMPORT)))
                  .order_by(Job.id.desc()).limit(5))
    if not form.validate_on_submit():
        return render_template("imports/upload.html", body=body, form=form, recent=recent), \
            (400 if form.is_submitted() else 200)
    table = request.files.get("table")
    if not table or not table.filename:
        form.table.errors = [_("请选择要导入的表格文件（.csv 或 .xlsx）。")]
        return render_template("imports/upload.html", body=body, form=form, recent=recent), 422
    archive = request.files.get("files")
    try:
        staged = staging.stage(current_app.config["DATA_DIR"], auth.user(), body, table.filename,
                               table.stream, archive.stream if archive and archive.filename else None)
    except SourceError as error:
        form.table.errors = [str(error)]
        return render_template("imports/upload.html", body=body, form=form, recent=recent), 422
    job = jobs.enqueue(tasks.CHECK, auth.user(), body, {"staged": staged.id, "table_name": table.filename})
    return _to_job(body, job)


@bp.route("/confirm", methods=["POST"])
@login_required
def confirm(body_id):
    """Import a checked upload in the background: every row or none."""
    body = auth.body_or_404(body_id, "document.register")
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    staged = staging.load(current_app.config["DATA_DIR"], auth.user(), body, form.staged.data)
    if staged is None:
        flash(_("这次上传已导入或已过期，请重新上传表格。"), "error")
        return render_template("imports/upload.html", body=body, form=UploadForm(), recent=[]), 400
    # A second click (or a reload of the POST) follows the import already asked for.
    for job in Job.select().where(Job.user == auth.user(), Job.body == body, Job.kind == tasks.IMPORT,
                                  Job.status != "failed").order_by(Job.id.desc()):
        if jobs.params(job).get("staged") == staged.id:
            return _to_job(body, job)
    job = jobs.enqueue(tasks.IMPORT, auth.user(), body, {"staged": staged.id, "table_name": staged.table_name})
    return _to_job(body, job)


@bp.route("/jobs/<int:job_id>")
@login_required
def job(body_id, job_id):
    """An import's check or import: its progress while it runs, then its report."""
    body = auth.body_or_404(body_id, "document.register")
    found = jobs.as_it_stands(_job_or_404(body, job_id))
    if found.status != "done":
        return render_template("imports/job.html", body=body, job=found,
                               elapsed=jobs.elapsed(found), restart=ConfirmForm())
    outcome = jobs.result(found)
    report = importer.report_from_dict(outcome)
    staged_id = jobs.params(found).get("staged")
    offer = (found.kind == tasks.CHECK and report.ok and
             staging.load(current_app.config["DATA_DIR"], auth.user(), body, staged_id) is not None)
    return render_template("imports/report.html", body=body, report=report,
                           confirm=ConfirmForm(staged=staged_id) if offer else None,
                           table_name=outcome.get("table_name", ""), job=found,
                           elapsed=jobs.elapsed(found))


@bp.route("/jobs/<int:job_id>/restart", methods=["POST"])
@login_required
def restart(body_id, job_id):
    """Start a failed check or import again, as it was first asked for."""
    body = auth.body_or_404(body_id, "document.register")
    found = _job_or_404(body, job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    jobs.restart(found)
    return _to_job(body, found)
