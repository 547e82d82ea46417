"""Dissolution and transfer: the transfer officer's pages, and package verification for the archive."""
import tempfile
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import get_translations, gettext as _, lazy_gettext as _l
from flask_login import login_required

from capture import jobs
from capture.i18n import fill
from capture.models import ChronicleEntry, Commitment, Document, Job, Transfer
from capture.people import auth
from capture.records import lifecycle
from exporters import forms as form_writer, report as report_writer

from . import commitments, dissolution, package_data, packaging, series, verify as verifier, verify_task
from .forms import (ChronicleForm, CommitmentForm, CorrectDissolutionForm, DescriptionForm,
                    DissolveForm, FulfilForm, VerifyForm, VerifyRestartForm)

bp = Blueprint("transfer", __name__)


@bp.route("/transfers")
@login_required
@auth.require("package.verify")
def index():
    """Bodies dissolving or dissolved, recent transfers, and the verify form for received packages."""
    recent = list(Transfer.select().where(Transfer.status.in_(["exported", "received"]))
                  .order_by(Transfer.id.desc()).limit(50))
    bodies = dissolution.visible_transfers_bodies()
    checks = list(Job.select().where(Job.user == auth.user(), Job.kind == verify_task.KIND)
                  .order_by(Job.id.desc()).limit(5))
    return render_template("transfers/index.html", bodies=bodies, transfers=recent, form=VerifyForm(),
                           checks=checks, untransferred=lifecycle.pending_counts([b.id for b in bodies]))


@bp.route("/transfers/verify", methods=["POST"])
@login_required
@auth.require("package.verify")
def verify():
    """Validate an uploaded package as the receiving archive: a background job, followed on its page."""
    form = VerifyForm()
    if not form.validate_on_submit():
        return render_template("transfers/index.html", bodies=dissolution.visible_transfers_bodies(),
                               transfers=[], form=form, untransferred={}), 400
    upload = form.package.data
    job = verify_task.stage(current_app.config["DATA_DIR"], upload, upload.filename,
                            (form.digest.data or "").strip(), auth.user())
    return redirect(url_for("transfer.verify_job", job_id=job.id), 303)


def _verify_job_or_404(job_id):
    found = Job.get_or_none(Job.id == job_id, Job.user == auth.user(), Job.kind == verify_task.KIND)
    if found is None:
        abort(404)
    return found


@bp.route("/transfers/verify/jobs/<int:job_id>")
@login_required
@auth.require("package.verify")
def verify_job(job_id):
    """A package's verification: its progress while it runs, then the verdict."""
    found = jobs.as_it_stands(_verify_job_or_404(job_id))
    if found.status != "done":
        return render_template("transfers/verify_job.html", job=found, elapsed=jobs.elapsed(found),
                               name=jobs.params(found).get("name", ""), restart=VerifyRestartForm())
    result, name = verify_task.verdict(found)
    return render_template("transfers/verified.html", result=result, name=verifier.shown(name),
                           messages=result.messages(get_translations().ugettext))


@bp.route("/transfers/verify/jobs/<int:job_id>/restart", methods=["POST"])
@login_required
@auth.require("package.verify")
def verify_restart(job_id):
    """Start a verification whose worker stopped again."""
    found = _verify_job_or_404(job_id)
    if not VerifyRestartForm().validate_on_submit():
        abort(400)
    jobs.restart(found)
    return redirect(url_for("transfer.verify_job", job_id=found.id), 303)


@bp.route("/bodies/<int:body_id>/transfer")
@login_required
def body(body_id):
    """The body's dissolution and transfer page: status, check, commitments, packages."""
    return _page(auth.body_or_404(body_id))


def _page(body, status=200, dissolve_form=None, correct_form=None, **shown):
    """The transfer page, with a dissolution form sent back (its problems, its search) when given."""
    transfer, report = packaging.current_report(body)
    promised = commitments.for_body(body)
    history = packaging.transfers(body)
    if dissolve_form is None and body.status == "active":
        dissolve_form = DissolveForm(body, dissolution.notice_choices(body))
    if correct_form is None and dissolution.correctable(body):
        correct_form = CorrectDissolutionForm(
            body, dissolution.notice_choices(body, keep=body.dissolution_notice_id), prefix="correct",
            dissolved_on=body.dissolved_on, notice=body.dissolution_notice_id or 0)
    return render_template("transfers/body.html", body=body, report=report, transfer=transfer,
                           commitments=promised, transfers=history, state=lifecycle.state(body),
                           series=series.follows_by_transfer(history),
                           dissolve_form=dissolve_form, correct_form=correct_form,
                           fulfil_form=FulfilForm(commitments.fulfil_choices(body, request.args.get("fulfil_q", ""))
                                                  if promised else []),
                           running=any(packaging.is_running(t) for t in history),
                           live={t.id for t in history if packaging.is_running(t)},
                           supplementary=lifecycle.last_export(body) is not None,
                           waiting=lifecycle.pending(body), is_overdue=commitments.is_overdue,
                           **shown), status


def _posted(form_class, body, **kwargs):
    """A dissolution form as sent, offering the documents its search finds (and the one chosen)."""
    form = form_class(body, [], **kwargs)
    found = dissolution.notice_choices(body, form.notice_q.data, form.notice.data)
    form.offer(found)
    if request.form.get("find") and form.notice_q.data and found and not form.notice.data:
        form.notice.data = found[0].id  # the best match stands chosen; the list offers the others
    return form


@bp.route("/bodies/<int:body_id>/transfer/dissolve", methods=["POST"])
@login_required
def dissolve(body_id):
    """Mark the body dissolving, with the date and the dissolution notice, after a confirmation step."""
    body = auth.body_or_404(body_id, "body.dissolve")
    form = _posted(DissolveForm, body)
    if request.form.get("find"):  # the notice's search, as a plain form: nothing is saved
        return _page(body, dissolve_form=form, dissolve_open=True)
    if form.validate_on_submit():
        notice = (Document.get_or_none(Document.id == form.notice.data, Document.body == body)
                  if form.notice.data else None)
        if request.form.get("confirmed") != "1":
            return render_template("transfers/dissolve_confirm.html", body=body, form=form,
                                   notice=notice)
        try:
            dissolution.dissolve(body, auth.user(), form.dissolved_on.data, notice)
        except dissolution.DissolutionError as exc:
            flash(str(exc), "error")
        else:
            flash(_("已进入撤销程序：分类已锁定，已提醒指导员安排最终指导。"), "success")
        return redirect(url_for(".body", body_id=body.id))
    return _page(body, 400, dissolve_form=form, dissolve_open=True)


@bp.route("/bodies/<int:body_id>/transfer/dissolution", methods=["POST"])
@login_required
def correct_dissolution(body_id):
    """Correct the dissolution date and notice, or undo the dissolution, until the first export.
    A refusal answers on the panel itself, open, with what was typed and the error summary."""
    body = auth.body_or_404(body_id, "body.dissolve")
    form = _posted(CorrectDissolutionForm, body, prefix="correct")
    if request.form.get("find"):
        return _page(body, correct_form=form, correct_open=True)
    if not form.validate_on_submit():
        return _page(body, 400, correct_form=form, correct_open=True)
    try:
        if request.form.get("undo") == "1":
            dissolution.undo(body, auth.user(), form.reason.data)
            flash(_("已撤回撤销登记：机构恢复为运行中，分类和归档范围可再调整。"), "success")
        else:
            notice = (Document.get_or_none(Document.id == form.notice.data, Document.body == body)
                      if form.notice.data else None)
            changed = dissolution.correct(body, auth.user(), form.dissolved_on.data, notice,
                                          form.reason.data)
            flash(_("已更正撤销登记，原因已记入审计记录。") if changed else _("没有改动。"), "success")
    except dissolution.DissolutionError as exc:
        form.form_errors.append(str(exc))
        return _page(body, 400, correct_form=form, correct_open=True)
    return redirect(url_for(".body", body_id=body.id))


@bp.route("/bodies/<int:body_id>/transfer/confirm", methods=["POST"])
@login_required
def confirm(body_id):
    """Record that the body has ended; the transfer may begin."""
    body = auth.body_or_404(body_id, "body.dissolve")
    try:
        dissolution.confirm_dissolved(body, auth.user())
        flash(_("已确认撤销。请运行四性检测，然后导出移交包。"), "success")
    except dissolution.DissolutionError as exc:
        flash(str(exc), "error")
    return redirect(url_for(".body", body_id=body.id))


@bp.route("/bodies/<int:body_id>/transfer/check", methods=["POST"])
@login_required
def check(body_id):
    """Run the four-properties check now."""
    body = auth.body_or_404(body_id, "transfer.run")
    _transfer, report = packaging.run_check(body, auth.user(), current_app.extensions["store"])
    s = report.summary
    flash(_("检测完成：通过 %(p)s 项，警告 %(w)s 项，不通过 %(f)s 项。", p=s["pass"], w=s["warning"],
            f=s["fail"]), "error" if report.uncovered else "success")
    return redirect(url_for(".report", body_id=body.id))


# What the check's warnings of one kind share, as the report's folded groups name them.
WARNING_KINDS = {"AUTH-YEAR": _l("日期不在其年度内"), "AUTH-RESPONSIBLE": _l("责任者写法不规范"),
                 "COMP-PENDING": _l("未移交的文件"), "COMP-SCOPE": _l("归档范围的非必需条目尚无文件"),
                 "USE-FORMAT": _l("不是长期保存格式"), "USE-PAGES": _l("页数与 PDF 不符"),
                 "AUTH-PAGES": _l("页数与文件不符（已说明原因）"),
                 "SEC-VIRUS-NOT-RUN": _l("未做病毒查杀")}


@bp.route("/bodies/<int:body_id>/transfer/report")
@login_required
def report(body_id):
    """The latest check report, failures first."""
    body = auth.body_or_404(body_id)
    transfer, data = packaging.current_report(body)
    if data is None:
        flash(_("尚未运行四性检测。"), "info")
        return redirect(url_for(".body", body_id=body.id))
    groups = [(severity, [f for f in data["findings"] if f["severity"] == severity])
              for severity in ("fail", "warning", "pass")]
    return render_template("transfers/report.html", body=body, report=data,
                           groups=[(s, found) for s, found in groups if found], warning_kinds=WARNING_KINDS,
                           not_committable=packaging.checks.NOT_COMMITTABLE)


@bp.route("/bodies/<int:body_id>/transfer/report.<any(docx, json):fmt>")
@login_required
def report_file(body_id, fmt):
    """Download the latest check report as .docx or .json."""
    body = auth.body_or_404(body_id)
    _transfer, data = packaging.current_report(body)
    if data is None:
        abort(404)
    writer = report_writer.write_docx if fmt == "docx" else report_writer.write_json
    return _send_written(writer, data, name=f"{body.fonds_code}-{body.code}-四性检测报告.{fmt}")


def _send_written(writer, *args, name):
    tmp = tempfile.NamedTemporaryFile(dir=current_app.config["DATA_DIR"], suffix=Path(name).suffix,
                                      delete=False)
    tmp.close()
    writer(tmp.name, *args)
    response = send_file(tmp.name, as_attachment=True, download_name=name)
    response.call_on_close(lambda: Path(tmp.name).unlink(missing_ok=True))
    return response


@bp.route("/bodies/<int:body_id>/transfer/commitments/new", methods=["GET", "POST"])
@login_required
def commit(body_id):
    """Record a time-limited commitment for one failing item of the latest check."""
    body = auth.body_or_404(body_id, "transfer.run")
    _transfer, data = packaging.current_report(body)
    key = request.values.get("key", "")
    finding = next((f for f in (data or {}).get("findings", []) if f["key"] == key), None)
    if finding is None:
        abort(404)
    # The finding as the reader reads it, to edit into what is promised.
    what = fill(finding["template"], finding.get("params")) if finding.get("template") else finding["message"]
    form = CommitmentForm(key=key, what=what)
    if form.validate_on_submit():
        try:
            commitments.record(body, auth.user(), finding, form.what.data, form.promised_by.data,
                               form.due.data)
        except commitments.CommitmentError as exc:
            flash(str(exc), "error")
        else:
            flash(_("已记录限时承诺。"), "success")
            return redirect(url_for(".report", body_id=body.id))
    return render_template("transfers/commit.html", body=body, form=form, finding=finding)


@bp.route("/bodies/<int:body_id>/transfer/commitments/<int:commitment_id>/fulfil", methods=["POST"])
@login_required
def fulfil(body_id, commitment_id):
    """Mark a commitment fulfilled by a registered item."""
    body = auth.body_or_404(body_id, "transfer.run")
    commitment = Commitment.get_or_none(Commitment.id == commitment_id, Commitment.body == body)
    if commitment is None:
        abort(404)
    form = FulfilForm([])  # any item of the body, as found by the page's search; checked below
    document = (Document.get_or_none(Document.id == form.document.data, Document.body == body)
                if form.validate_on_submit() else None)
    if document is None:
        flash(_("请选择本机构已登记的补交文件。"), "error")
    else:
        try:
            commitments.fulfil(commitment, auth.user(), document)
            flash(_("承诺已兑现：%(ref)s。兑现的文件可作为补充移交包导出。", ref=document.reference_code),
                  "success")
        except commitments.CommitmentError as exc:
            flash(str(exc), "error")
    return redirect(url_for(".body", body_id=body.id))


@bp.route("/bodies/<int:body_id>/transfer/commitments.docx")
@login_required
def commitments_file(body_id):
    """Download the commitments list."""
    body = auth.body_or_404(body_id)
    return _send_written(form_writer.write_commitments, package_data.fonds(body),
                         package_data.commitments(body),
                         name=f"{body.fonds_code}-{body.code}-限时承诺清单.docx")


@bp.route("/bodies/<int:body_id>/transfer/export", methods=["POST"])
@login_required
def export(body_id):
    """Start building the transfer package in the background (once, however often clicked)."""
    body = auth.body_or_404(body_id, "transfer.run")
    try:
        packaging.start(body, auth.user())
        flash(_("正在导出移交包，本页会自动刷新显示进度。"), "info")
    except packaging.ExportBusy:
        flash(_("该机构的移交包正在导出，请等待完成，不必重复点击。"), "warning")
    except packaging.NothingToAdd as exc:
        flash(exc.text, "info")
    except packaging.ExportError as exc:
        flash(exc.text, "error")
    return redirect(url_for(".body", body_id=body.id))


def _transfer_or_404(body, transfer_id):
    transfer = Transfer.get_or_none(Transfer.id == transfer_id, Transfer.body == body)
    if transfer is None or transfer.status not in ("exported", "received"):
        abort(404)
    return transfer


@bp.route("/bodies/<int:body_id>/transfer/<int:transfer_id>/package")
@login_required
def download(body_id, transfer_id):
    """Download the package (zip)."""
    body = auth.body_or_404(body_id, "transfer.receive")
    path = packaging.package_location(_transfer_or_404(body, transfer_id))
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name)


@bp.route("/bodies/<int:body_id>/transfer/<int:transfer_id>/register")
@login_required
def register(body_id, transfer_id):
    """Download the transfer register that carries the package's digest."""
    body = auth.body_or_404(body_id, "transfer.receive")
    found = packaging.package_location(_transfer_or_404(body, transfer_id))
    path = packaging.register_path(found) if found else None
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name)


@bp.route("/bodies/<int:body_id>/transfer/<int:transfer_id>/receive", methods=["POST"])
@login_required
def receive(body_id, transfer_id):
    """The archive confirms it received and verified the package."""
    body = auth.body_or_404(body_id, "transfer.receive")
    try:
        packaging.mark_received(_transfer_or_404(body, transfer_id), auth.user())
        flash(_("已确认接收。"), "success")
    except packaging.ExportError as exc:
        flash(exc.text, "error")
    return redirect(url_for(".body", body_id=body.id))


@bp.route("/bodies/<int:body_id>/transfer/descriptions", methods=["GET", "POST"])
@login_required
def descriptions(body_id):
    """The fonds descriptions: introduction, history and the chronicle of major events."""
    body = auth.body_or_404(body_id)
    texts = dissolution.descriptions(body)
    forms = {kind: DescriptionForm(prefix=kind, text=texts[kind]) for kind in dissolution.DESCRIPTION_KINDS}
    chronicle_form = ChronicleForm(prefix="event")
    if request.method == "POST":
        auth.body_or_404(body_id, "chronicle.edit")
        kind = request.form.get("kind")
        if kind in forms and forms[kind].validate_on_submit():
            dissolution.save_description(body, auth.user(), kind, forms[kind].text.data)
            flash(_("已保存。"), "success")
            return redirect(url_for(".descriptions", body_id=body.id))
        if kind == "event" and chronicle_form.validate_on_submit():
            dissolution.add_event(body, auth.user(), chronicle_form.date.data, chronicle_form.event.data)
            flash(_("已添加大事记。"), "success")
            return redirect(url_for(".descriptions", body_id=body.id))
    return render_template("transfers/descriptions.html", body=body, forms=forms,
                           chronicle_form=chronicle_form, chronicle=dissolution.chronicle(body))


@bp.route("/bodies/<int:body_id>/transfer/descriptions/<int:entry_id>", methods=["GET", "POST"])
@login_required
def edit_event(body_id, entry_id):
    """Correct a chronicle entry."""
    body = auth.body_or_404(body_id, "chronicle.edit")
    entry = ChronicleEntry.get_or_none(ChronicleEntry.id == entry_id, ChronicleEntry.body == body)
    if entry is None:
        abort(404)
    form = ChronicleForm(obj=entry)
    if form.validate_on_submit():
        dissolution.edit_event(entry, auth.user(), form.date.data, form.event.data)
        flash(_("已保存。"), "success")
        return redirect(url_for(".descriptions", body_id=body.id))
    return render_template("transfers/event.html", body=body, form=form, entry=entry)


@bp.route("/bodies/<int:body_id>/transfer/descriptions.docx")
@login_required
def descriptions_file(body_id):
    """Download the fonds descriptions as .docx."""
    body = auth.body_or_404(body_id)
    introduction, history, chronicle = package_data.descriptions(body)
    return _send_written(form_writer.write_descriptions, package_data.fonds(body), introduction,
                         history, chronicle, name=f"{body.fonds_code}-{body.code}-全宗说明.docx")
