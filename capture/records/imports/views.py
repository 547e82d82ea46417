"""Bulk import on the web: upload a spreadsheet (and a zip of files), see the check, confirm."""
from flask import Blueprint, abort, current_app, flash, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from peewee import IntegrityError
from wtforms import FileField, HiddenField

from capture.people import auth
from capture.text import RegistrationError

from . import importer, staging
from .sources import SourceError

bp = Blueprint("imports", __name__, url_prefix="/bodies/<int:body_id>/import")


class UploadForm(FlaskForm):
    """The spreadsheet and, optionally, a zip with the files it names."""
    table = FileField(_l("目录表格"), description=_l("CSV（UTF-8 或 Excel 默认的 GBK 编码）或 XLSX；第一行为列名"))
    files = FileField(_l("电子文件（zip 压缩包，可选）"), description=_l("表中“文件名”列写出每件文件对应的文件名，多个用分号隔开"))


class ConfirmForm(FlaskForm):
    """Confirm a checked upload."""
    staged = HiddenField()


def _user():
    return current_user._get_current_object()


def _limits():
    return {"max_bytes": current_app.config["IMPORT_MAX_UNZIPPED_MB"] * 1024 * 1024}


def _check(body, staged):
    """The dry-run report of a staged upload (reading errors become a report of one problem)."""
    try:
        header, rows, source = staging.read(staged, **_limits())
    except SourceError as error:
        return _unreadable(error)
    try:
        return importer.check(body, header, rows, source)
    finally:
        if source is not None:
            source.close()


def _unreadable(error):
    report = importer.ImportReport(dry_run=True)
    report.problems.append(importer.ImportProblem(1, "", "", str(error)))
    return report


@bp.route("", methods=["GET", "POST"])
@login_required
def upload(body_id):
    """Upload a spreadsheet and files; the result is a check that imports nothing yet."""
    body = auth.body_or_404(body_id, "document.register")
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("imports/upload.html", body=body, form=form), \
            (400 if form.is_submitted() else 200)
    table = request.files.get("table")
    if not table or not table.filename:
        form.table.errors = [_("请选择要导入的表格文件（.csv 或 .xlsx）。")]
        return render_template("imports/upload.html", body=body, form=form), 422
    archive = request.files.get("files")
    try:
        staged = staging.stage(current_app.config["DATA_DIR"], _user(), body, table.filename,
                                      table.stream, archive.stream if archive and archive.filename else None)
    except SourceError as error:
        form.table.errors = [str(error)]
        return render_template("imports/upload.html", body=body, form=form), 422
    report = _check(body, staged)
    if not report.ok:
        staging.discard(staged)
    return render_template("imports/report.html", body=body, report=report,
                           confirm=ConfirmForm(staged=staged.id), table_name=table.filename), \
        (200 if report.ok else 422)


@bp.route("/confirm", methods=["POST"])
@login_required
def confirm(body_id):
    """Import a checked upload: every row or none."""
    body = auth.body_or_404(body_id, "document.register")
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    staged = staging.load(current_app.config["DATA_DIR"], _user(), body, form.staged.data)
    if staged is None:
        flash(_("这次上传已导入或已过期，请重新上传表格。"), "error")
        return render_template("imports/upload.html", body=body, form=UploadForm()), 400
    try:
        header, rows, source = staging.read(staged, **_limits())
    except SourceError as error:
        report = _unreadable(error)
    else:
        try:
            report = importer.run(body, _user(), header, rows, source,
                                  current_app.extensions["store"],
                                  current_app.config["MAX_CONTENT_LENGTH"])
        except IntegrityError:
            report = _unreadable(_("同时有另一次导入登记了相同的行，本次未导入。请重新上传，已导入的行会自动跳过。"))
        except RegistrationError as error:  # e.g. the disk filled up while storing the files
            report = _unreadable(" ".join(m for ms in error.field_errors.values() for m in ms))
        finally:
            if source is not None:
                source.close()
    if report.ok:
        staging.discard(staged)
    return render_template("imports/report.html", body=body, report=report, confirm=None,
                           table_name=staged.table_name), (200 if report.ok else 422)
