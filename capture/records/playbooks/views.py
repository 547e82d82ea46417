"""Playbook pages: the kinds, a playbook's versions and workbook, and a body beside its playbook."""
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from capture.forms import InvalidInput
from capture.records.forms import PlainForm
from capture.people import auth

from . import learning, seeding, versions, workbook

bp = Blueprint("playbooks", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_WORKBOOK = 5 * 1024 * 1024


def _playbook_or_404(kind):
    return versions.get(kind) or abort(404)


def _editable_or_403(kind):
    """The kind's playbook, if this person may make new versions of it."""
    playbook = _playbook_or_404(kind)
    if not versions.may_edit(auth.user(), playbook):
        abort(403)
    return playbook


@bp.route("/playbooks")
@login_required
@auth.require("playbook.view")
def index():
    """Every kind of body and its playbook's current version."""
    return render_template("playbooks/index.html", playbooks=versions.with_current(), form=PlainForm(), errors={},
                           values={})


@bp.route("/playbooks/new", methods=["POST"])
@login_required
@auth.require("playbook.manage")
def new_kind():
    """Add a kind of body, its playbook copied from another kind's (or empty)."""
    form = PlainForm()
    values = {k: request.form.get(k, "") for k in ("kind", "name", "name_en", "copy_from")}
    if form.validate_on_submit():
        try:
            playbook = versions.add_kind(values["kind"], values["name"], values["name_en"], auth.user(),
                                         copy_from=values["copy_from"] or None)
        except InvalidInput as error:
            return render_template("playbooks/index.html", playbooks=versions.with_current(), form=form,
                                   errors=error.field_errors, values=values), 422
        flash(_("已新增机构类型“%(name)s”。", name=playbook.name), "success")
        return redirect(url_for(".detail", kind=playbook.kind))
    return redirect(url_for(".index"))


def _detail(playbook, problems=(), reason="", status=200):
    shown = versions.current(playbook)
    number = request.args.get("version", type=int)
    history = versions.history(playbook)
    if number:
        shown = next((v for v in history if v.number == number), None) or abort(404)
    return render_template("playbooks/detail.html", playbook=playbook, version=shown,
                           content=versions.content_of(shown), history=history, problems=problems,
                           reason=reason, may_edit=versions.may_edit(auth.user(), playbook),
                           form=PlainForm()), status


@bp.route("/playbooks/<kind>")
@login_required
@auth.require("playbook.view")
def detail(kind):
    """A playbook's current (or an earlier) version, its history, and its workbook."""
    return _detail(_playbook_or_404(kind))


@bp.route("/playbooks/<kind>/workbook.xlsx")
@login_required
@auth.require("playbook.view")
def export(kind):
    """The playbook's current version as a workbook for Excel or WPS."""
    playbook = _playbook_or_404(kind)
    version = versions.current(playbook)
    data = workbook.write(playbook, version, versions.content_of(version))
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"playbook-{kind}-v{version.number}.xlsx")


@bp.route("/playbooks/<kind>/import", methods=["POST"])
@login_required
@auth.require("playbook.edit")
def import_workbook(kind):
    """Check an edited workbook row by row; if all is right, it becomes the next version."""
    playbook = _editable_or_403(kind)
    form, reason = PlainForm(), request.form.get("reason", "")
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("workbook")
    data = upload.read(MAX_WORKBOOK + 1) if upload and upload.filename else b""
    if not data or len(data) > MAX_WORKBOOK:
        flash(_("请选择要导入的 .xlsx 工作簿（不超过 5 MB）。"), "error")
        return _detail(playbook, reason=reason, status=422)
    reading = workbook.read(data)
    try:
        version = workbook.save(reading, auth.user(), reason, kind=kind)
    except InvalidInput as error:
        for messages in error.field_errors.values():
            for message in messages:
                flash(message, "error")
        return _detail(playbook, reason=reason, status=422)
    if not reading.ok:
        return _detail(playbook, problems=reading.problems, reason=reason, status=422)
    if version is None:
        flash(_("工作簿与当前版本相同，没有生成新版本。"), "info")
    else:
        flash(_("已导入，生成第 %(n)s 版。此后新登记的机构按新版本；已有机构不受影响。", n=version.number), "success")
    return redirect(url_for(".detail", kind=kind))


# Blank rows the edit page offers under each list, for new items.
BLANK_ROWS = 3


@bp.route("/playbooks/<kind>/edit", methods=["GET", "POST"])
@login_required
@auth.require("playbook.edit")
def edit(kind):
    """Change a playbook in the app: every row checked as a workbook's; saved as the next version."""
    playbook = _editable_or_403(kind)
    form, problems, reason = PlainForm(), [], request.form.get("reason", "")
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        sheets = workbook.from_form(request.form, playbook)
        reading = workbook.check(sheets)
        try:
            version = workbook.save(reading, auth.user(), reason, kind=kind)
        except InvalidInput as error:
            problems = [workbook.Problem("", 0, _("修改原因"), reason, m)
                        for messages in error.field_errors.values() for m in messages]
            version = None
        if reading.ok and not problems:
            if version is None:
                flash(_("内容与当前版本相同，没有生成新版本。"), "info")
            else:
                flash(_("已保存为第 %(n)s 版。此后新登记的机构按新版本；已有机构不受影响。", n=version.number), "success")
            return redirect(url_for(".detail", kind=kind))
        problems = reading.problems + problems
    else:
        sheets = workbook.as_rows(playbook, versions.content_of(versions.current(playbook)))
    rows = {name: [cells for _n, cells in sheets[name]] + [{}] * BLANK_ROWS for name in workbook.FORM_FIELDS}
    guidance = {cells["项目"]: cells["内容"] for _n, cells in sheets[workbook.GUIDANCE]}
    return render_template("playbooks/edit.html", playbook=playbook, rows=rows, guidance=guidance,
                           problems=problems, reason=reason, words=workbook, form=form), 422 if problems else 200


@bp.route("/playbooks/<kind>/settings", methods=["POST"])
@login_required
@auth.require("playbook.manage")
def settings(kind):
    """Let liaisons make new versions of this playbook, or stop them."""
    playbook = _playbook_or_404(kind)
    if PlainForm().validate_on_submit():
        versions.allow_liaisons(playbook, request.form.get("liaisons_may_edit") == "y", auth.user())
        flash(_("已保存。"), "success")
    return redirect(url_for(".detail", kind=kind))


def _body_page(body, errors=None, reason="", status=200):
    link = seeding.started_from(body)
    newest, gained = seeding.gained(body, link)
    ended = body.status in learning.ENDED
    return render_template("playbooks/body.html", body=body, link=link, newest=newest, gained=gained,
                           milestones=seeding.milestones_of(link),
                           learning=learning.compare(body) if ended else None,
                           may_learn=ended and auth.can(auth.user(), "playbook.learn", body),
                           errors=errors or {}, reason=reason, form=PlainForm()), status


@bp.route("/bodies/<int:body_id>/playbook")
@login_required
def body(body_id):
    """The playbook version the body follows, what it gained since, and (once ended) what the body teaches."""
    return _body_page(auth.body_or_404(body_id))


@bp.route("/bodies/<int:body_id>/playbook/adopt", methods=["POST"])
@login_required
def adopt(body_id):
    """Take one item the playbook gained since into the body."""
    body = auth.body_or_404(body_id, "playbook.adopt")
    if not PlainForm().validate_on_submit():
        abort(400)
    part, key = request.form.get("part", ""), request.form.get("key", "")
    try:
        seeding.adopt(body, auth.user(), part, key)
    except InvalidInput as error:
        return _body_page(body, errors=error.field_errors, status=409)
    flash(_("已采用“%(name)s”。", name=key), "success")
    return redirect(url_for(".body", body_id=body.id))


@bp.route("/bodies/<int:body_id>/playbook/propose", methods=["POST"])
@login_required
def propose(body_id):
    """Make the chosen differences of an ended body a new version of its playbook, with the reason."""
    body = auth.body_or_404(body_id, "playbook.learn")
    if not PlainForm().validate_on_submit():
        abort(400)
    reason = request.form.get("reason", "")
    if body.status not in learning.ENDED:
        return _body_page(body, errors={"proposals": [_("机构撤销后才能据此修改分类指导。")]},
                          reason=reason, status=409)
    try:
        version = learning.propose(body, auth.user(), request.form.getlist("proposal"), reason)
    except InvalidInput as error:
        return _body_page(body, errors=error.field_errors, reason=reason, status=422)
    flash(_("已写入分类指导，生成第 %(n)s 版。", n=version.number), "success")
    return redirect(url_for(".body", body_id=body.id))
