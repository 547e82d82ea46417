"""The records pages: the bodies (list, create, edit, members, audit trail) and each body's
documents (list, register, detail, edit, withdraw, files) and archiving scope."""
import datetime as dt
import io

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template,
                   request, send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from capture import clock, labels
from capture.models import Body, Category, Document, Membership, ScopeItem, User
from capture.people import auth
from capture.forms import InvalidInput

from exporters.plan import write_filing_plan

from . import body_registry, coverage, files, history, lifecycle, listing, registry
from .playbooks import content as playbook_content, seeding, versions
from .forms import (BodyForm, CategoryForm, DocumentForm, MemberForm, PlainForm, ScopeItemForm,
                    WithdrawForm)

bp = Blueprint("records", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
INLINE_CSP = "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'"


# A role in a body never exceeds the user's account role; admins and transfer officers
# see every body already and need no membership.
MEMBER_ROLES_FOR = {"secretary": ("secretary", "viewer"), "liaison": ("liaison", "viewer"),
                    "viewer": ("viewer",)}


def _values(form):
    """The body's facts as the form gives them."""
    return {field: getattr(form, field).data for field in body_registry.FIELDS}


def _clashes(form, body=None):
    """Put an error on the code or fonds code another body already uses; True if any."""
    others = Body.select()
    if body is not None:
        others = others.where(Body.id != body.id)
    clash = False
    if others.where(Body.code == form.code.data.strip()).exists():
        form.code.errors.append(_("该机构代码已被使用，请换一个"))
        clash = True
    holder = others.where(Body.fonds_code == form.fonds_code.data.strip()).first()
    if holder:
        form.fonds_code.errors.append(_(
            "全宗号 %(code)s 已用于“%(name)s”。两个机构共用全宗号会产生重复的档号，请与档案馆商定另一个全宗号。",
            code=holder.fonds_code, name=holder.name))
        clash = True
    return clash


def _members(body):
    return list(Membership.select(Membership, User).join(User)
                .where(Membership.body == body).order_by(Membership.role, User.display_name))


@bp.route("/")
@login_required
def home():
    """The start page: the bodies the user works with."""
    bodies = list(auth.visible_bodies(current_user))
    filing = [b.id for b in bodies if auth.can(current_user, "document.register", b)]
    gaps = coverage.series_gaps(Body.select().where(Body.id.in_(filing)), clock.today()) if filing else {}
    return render_template("bodies/home.html", bodies=bodies, series_gaps=gaps,
                           yesterday=clock.today() - dt.timedelta(days=1),
                           untransferred=lifecycle.pending_counts([b.id for b in bodies]))


@bp.route("/bodies", endpoint="bodies")
@login_required
def list_bodies():
    """All bodies the user may see, optionally filtered by status or tier."""
    query = auth.visible_bodies(current_user)
    status, tier = request.args.get("status"), request.args.get("tier")
    if status in labels.BODY_STATUS:
        query = query.where(Body.status == status)
    if tier in labels.TIER:
        query = query.where(Body.tier == tier)
    bodies = list(query)
    return render_template("bodies/index.html", bodies=bodies, status=status, tier=tier,
                           untransferred=lifecycle.pending_counts([b.id for b in bodies]))


@bp.route("/bodies/new", methods=["GET", "POST"])
@login_required
@auth.require("body.create")
def create_body():
    """Register a new temporary body: its kind first, then what its playbook gives it, items left out as chosen."""
    form = BodyForm()
    kind = request.values.get("kind", "")
    if kind not in dict(form.kind.choices) or not kind:
        if request.method == "GET":
            return render_template("bodies/choose_kind.html", kinds=versions.all_playbooks())
        form.validate()
        return render_template("bodies/form.html", form=form, body=None, version=None)
    version, shown = _offered_version(kind)
    if request.method == "GET":
        form.kind.data = kind
        if version is not None:
            guidance = versions.content_of(version)["guidance"]
            form.tier.data, form.cadence_days.data = guidance["tier"], guidance["cadence_days"]
    elif version is not None and not shown and "playbook_version" in request.form:
        # The kind was changed on the form: show the new kind's playbook before saving anything.
        flash(_("已按所选类型显示分类指导，请核对后再保存。"), "info")
        return _create_page(form, version, {})
    elif form.validate_on_submit() and not _clashes(form):
        body = body_registry.create(_values(form), auth.user(), version,
                                    _left_out(version) if shown else {})
        flash(_("已登记临时机构“%(name)s”。", name=body.name), "success")
        return redirect(url_for(".body_detail", body_id=body.id))
    return _create_page(form, version, _left_out(version) if shown and version else {})


# The checkbox names of the playbook's items on the form, by part.
KEEP = {"categories": "keep_category", "scope": "keep_scope", "milestones": "keep_milestone"}


def _offered_version(kind):
    """The playbook version the form showed (posted back), if it is the kind's; else the current one."""
    current = seeding.version_for(kind)
    shown = request.form.get("playbook_version", type=int)
    if current is None or shown is None:
        return current, False
    version = versions.version_of(current.playbook, shown)
    return (version, True) if version else (current, False)


def _left_out(version):
    """{part: keys the creator unticked} of the version the form showed."""
    content = versions.content_of(version)
    return {part: set(playbook_content.keys(content, part)) - set(request.form.getlist(name))
            for part, name in KEEP.items()}


def _create_page(form, version, left_out):
    return render_template("bodies/form.html", form=form, body=None, version=version, left_out=left_out,
                           content=versions.content_of(version) if version else None, keep=KEEP)


@bp.route("/bodies/<int:body_id>")
@login_required
def body_detail(body_id):
    """The body's page: facts, members and what it has filed."""
    body = auth.body_or_404(body_id)
    link = seeding.started_from(body)
    newest, gained = seeding.gained(body, link)
    return render_template("bodies/detail.html", body=body, members=_members(body),
                           coverage=coverage.coverage(body, clock.today()), state=lifecycle.state(body),
                           playbook=link, playbook_gained=sum(len(items) for items in gained.values()),
                           playbook_newest=newest)


@bp.route("/bodies/<int:body_id>/edit", methods=["GET", "POST"])
@login_required
def edit_body(body_id):
    """Edit the body's facts; the previous values go to the audit trail."""
    body = auth.body_or_404(body_id, "body.edit")
    form = BodyForm(obj=body)
    if form.validate_on_submit():
        if not _clashes(form, body):
            body_registry.edit(body, _values(form), auth.user())
            flash(_("已保存。"), "success")
            return redirect(url_for(".body_detail", body_id=body.id))
    return render_template("bodies/form.html", form=form, body=body, version=None)


@bp.route("/bodies/<int:body_id>/members", methods=["GET", "POST"])
@login_required
def members(body_id):
    """Add a member with a role in the body."""
    body = auth.body_or_404(body_id, "body.members")
    form = MemberForm()
    if form.validate_on_submit():
        user = User.get_or_none(User.username == form.username.data.strip())
        if user is None or not user.active:
            form.username.errors.append(_("没有这个启用中的用户，请检查用户名"))
        elif Membership.get_or_none(Membership.user == user, Membership.body == body):
            form.username.errors.append(_("该用户已是本机构成员"))
        elif form.role.data not in MEMBER_ROLES_FOR.get(user.role, ()):
            form.role.errors.append(_("%(name)s 的账号角色是“%(role)s”，不能在机构中担任“%(member)s”。",
                                      name=user.display_name, role=labels.ROLE[user.role],
                                      member=labels.MEMBER_ROLE[form.role.data]))
        else:
            body_registry.add_member(body, user, form.role.data, auth.user())
            flash(_("已添加成员 %(name)s。", name=user.display_name), "success")
            return redirect(url_for(".members", body_id=body.id))
    return render_template("bodies/members.html", body=body, form=form, members=_members(body))


@bp.route("/bodies/<int:body_id>/members/<int:member_id>/remove", methods=["POST"])
@login_required
def remove_member(body_id, member_id):
    """Remove a member from the body (the audit trail keeps who it was)."""
    body = auth.body_or_404(body_id, "body.members")
    member = Membership.get_or_none(Membership.id == member_id, Membership.body == body)
    if member:
        body_registry.remove_member(member, auth.user())
        flash(_("已移除成员。"), "success")
    return redirect(url_for(".members", body_id=body.id))


@bp.route("/bodies/<int:body_id>/audit")
@login_required
def audit_trail(body_id):
    """The body's audit events, newest first."""
    body = auth.body_or_404(body_id, "body.audit")
    filters = history.TrailFilters.from_args(request.args)
    entries, has_next = history.body_trail(body, filters, current_app.config["TIMEZONE"])
    return render_template("bodies/audit.html", body=body, entries=entries, has_next=has_next,
                           filters=filters, people=history.people_of(body), groups=history.ACTION_GROUPS)


def _document(body, document_id):
    """The document, only when it belongs to this body (another body's id gives 404)."""
    document = Document.get_or_none(Document.id == document_id, Document.body == body)
    if document is None:
        abort(404)
    return document


def _uploads():
    """The chosen files as (name, stream, length) for the registry."""
    return [(f.filename, f.stream, f.content_length or None)
            for f in request.files.getlist("files") if f and f.filename]


def _store_args():
    return {"store": current_app.extensions["store"],
            "max_bytes": current_app.config["MAX_CONTENT_LENGTH"]}


def _flash_all(messages, category="warning"):
    for message in messages:
        flash(message, category)


def _document_form(body):
    form = DocumentForm()
    form.fill_choices(coverage.categories(body), coverage.scope_items(body))
    return form


@bp.route("/bodies/<int:body_id>/documents", endpoint="documents")
@login_required
def list_documents(body_id):
    """The body's documents: search, filter, sort, page."""
    body = auth.body_or_404(body_id)
    filters = listing.Filters.from_args(request.args)
    documents, has_next = listing.search(body, filters, current_app.config["PAGE_SIZE"])
    return render_template("documents/index.html", body=body, documents=documents,
                           has_next=has_next, filters=filters,
                           categories=coverage.categories(body), years=listing.years(body))


@bp.route("/bodies/<int:body_id>/documents/new", methods=["GET", "POST"])
@login_required
def register(body_id):
    """Register a document with its files; the server gives the 档号."""
    body = auth.body_or_404(body_id, "document.register")
    form = _document_form(body)
    default_source = None
    if request.method == "GET":
        chosen = request.args.get("scope_item", "")
        category, retention, source = registry.form_defaults(body, auth.user(), int(chosen) if chosen.isdigit() else None)
        form.set_defaults(body, category, retention)
        form.scope_item.data = chosen
        default_source = _default_source(source, dict(form.scope_item.choices).get(chosen, ""))
    duplicate = pages_differ = held = None
    if form.validate_on_submit():
        secret, store = current_app.config["SECRET_KEY"], current_app.extensions["store"]
        kept = files.held(request.form.get("held", ""), secret, auth.user().id, body.id, store)
        try:
            document = registry.register_document(
                body, auth.user(), form.values(), _uploads(), stored=kept,
                duplicates_ok=request.form.get("duplicate_ok") == "1", pages_told=True, **_store_args())
        except registry.DuplicateContent as error:
            # Told before the 档号 is used; the files wait in the store for "register anyway".
            duplicate, held = error, files.hold(error.stored, secret, auth.user().id, body.id)
        except registry.PagesDiffer as error:
            # The same: the files wait while the 页数 is corrected or kept with a reason.
            pages_differ, held = error, files.hold(error.stored, secret, auth.user().id, body.id)
            if request.form.get("pages_choice") == "keep":
                form.pages_reason.errors = [_("请写明保留所填页数的原因。")]
        except InvalidInput as error:
            _flash_all(form.show_errors(error.field_errors), "error")
            flash(_("未登记：请按提示修改后重新提交。"), "error")
        else:
            registry.remember_form_choice(document, auth.user())  # this form's next defaults
            _flash_all(document.warnings)
            flash(_("已登记，档号 %(code)s。", code=document.reference_code), "success")
            target = url_for(".document_detail", body_id=body.id, document_id=document.id)
            if request.headers.get("X-Requested-With") == "XMLHttpRequest":
                return jsonify(location=target)  # upload.js goes there itself
            return redirect(target)
    status = 409 if duplicate or pages_differ else (422 if form.is_submitted() else 200)
    return render_template("documents/form.html", body=body, form=form, document=None,
                           duplicate=duplicate, pages_differ=pages_differ, held=held,
                           default_source=default_source,
                           late=lifecycle.last_export(body) is not None), status


def _default_source(source, scope_item_name):
    """Where the form's proposed category and retention come from, said to the person."""
    if source == "scope":
        return _("分类和保管期限按归档范围“%(item)s”中上一件文件预填，请核对。", item=scope_item_name)
    if source == "scope_retention":
        return _("保管期限按归档范围“%(item)s”的通常期限预填，分类按您上次的选择或本机构的第一个分类，请核对。",
                 item=scope_item_name)
    if source == "last":
        return _("分类和保管期限按您上次在本表登记时的选择预填，请核对。")
    return _("分类按本机构的第一个分类、保管期限按永久预填，请核对。")


@bp.route("/bodies/<int:body_id>/documents/<int:document_id>")
@login_required
def document_detail(body_id, document_id):
    """A document with its files, versions and duplicate flags."""
    body = auth.body_or_404(body_id)
    document = _document(body, document_id)
    return render_template("documents/detail.html", body=body, document=document,
                           files=files.files_of(document), duplicates=files.duplicates(document),
                           withdraw_form=WithdrawForm(), file_form=PlainForm(),
                           inline_types=files.INLINE_TYPES, carried=lifecycle.carried_by(document),
                           untransferred=(document.transferred_in_id is None
                                          and lifecycle.last_export(body) is not None),
                           history=history.document_history(document))


@bp.route("/bodies/<int:body_id>/documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit_document(body_id, document_id):
    """Correct a document's metadata; the 档号 stays as given."""
    body = auth.body_or_404(body_id, "document.edit")
    document = _document(body, document_id)
    form = _document_form(body)
    if request.method == "GET":
        form.load(document)
    if form.validate_on_submit():
        try:
            changes, warnings = registry.edit_document(document, auth.user(), form.values(), pages_told=True)
        except InvalidInput as error:
            _flash_all(form.show_errors(error.field_errors), "error")
        else:
            _flash_all(warnings)
            flash(_("已保存修改。") if changes else _("没有改动。"), "success")
            return redirect(url_for(".document_detail", body_id=body.id, document_id=document.id))
    return render_template("documents/form.html", body=body, form=form, document=document), \
        (422 if form.is_submitted() else 200)


@bp.route("/bodies/<int:body_id>/documents/<int:document_id>/withdraw", methods=["POST"])
@login_required
def withdraw(body_id, document_id):
    """Withdraw a document with a reason; the record and its files stay."""
    body = auth.body_or_404(body_id, "document.withdraw")
    document = _document(body, document_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            registry.withdraw_document(document, auth.user(), form.reason.data)
        except InvalidInput as error:
            _flash_all([m for messages in error.field_errors.values() for m in messages], "error")
        else:
            flash(_("已撤回 %(code)s。记录和文件仍保留。", code=document.reference_code), "success")
    return redirect(url_for(".document_detail", body_id=body.id, document_id=document.id))


@bp.route("/bodies/<int:body_id>/documents/<int:document_id>/files", methods=["POST"])
@login_required
def add_file(body_id, document_id):
    """Add files to a document, or a new version of one of its files."""
    body = auth.body_or_404(body_id, "document.edit")
    document = _document(body, document_id)
    form = PlainForm()
    replaces = None
    if request.form.get("replaces", "").isdigit():
        replaces = registry.file_of(document, int(request.form["replaces"])) or abort(404)
    if form.validate_on_submit():
        try:
            added = registry.add_file(document, auth.user(), _uploads(), replaces=replaces,
                                      **_store_args())
        except InvalidInput as error:
            _flash_all([m for messages in error.field_errors.values() for m in messages], "error")
        else:
            flash(_("已添加 %(n)s 个文件。", n=len(added)), "success")
    return redirect(url_for(".document_detail", body_id=body.id, document_id=document.id))


@bp.route("/bodies/<int:body_id>/documents/<int:document_id>/files/<int:file_id>")
@login_required
def download(body_id, document_id, file_id):
    """A file under its original name; PDF and images open in the browser unless ?download=1."""
    body = auth.body_or_404(body_id)
    document = _document(body, document_id)
    file = registry.file_of(document, file_id) or abort(404)
    store = current_app.extensions["store"]
    if not store.exists(file.sha256):
        abort(404)
    inline = files.is_inline(file) and request.args.get("download") != "1"
    response = send_file(store.path(file.sha256), mimetype=file.media_type,
                         as_attachment=not inline, download_name=file.original_name,
                         etag=file.sha256, conditional=True, max_age=0)
    if inline:
        response.headers["Content-Security-Policy"] = INLINE_CSP
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/bodies/<int:body_id>/scope", methods=["GET", "POST"])
@login_required
def scope(body_id):
    """What the archiving scope expects, which documents cover it, and the categories."""
    body = auth.body_or_404(body_id)
    item_form, category_form = ScopeItemForm(prefix="scope"), CategoryForm(prefix="category")
    status = 200
    if request.method == "POST":
        try:
            _save_scope_or_category(body, item_form, category_form)
        except InvalidInput as error:
            _flash_all([m for messages in error.field_errors.values() for m in messages], "error")
            status = 422
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for(".scope", body_id=body.id))
    return render_template("documents/scope.html", body=body, coverage=coverage.coverage(body, clock.today()),
                           categories=coverage.categories(body), item_form=item_form,
                           category_form=category_form), status


@bp.get("/bodies/<int:body_id>/scope/plan.docx")
@login_required
def filing_plan(body_id):
    """The body's filing plan (归档计划) as .docx, for the founding check-in to agree and sign."""
    body = auth.body_or_404(body_id)
    buffer = io.BytesIO()
    write_filing_plan(buffer, coverage.filing_plan(body, clock.today()))
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"{body.code}-归档计划.docx",
                     mimetype=DOCX)


def _save_scope_or_category(body, item_form, category_form):
    """One of the scope page's forms: `what` says which; `id` names the row being edited."""
    what = request.form.get("what", "")
    auth.body_or_404(body.id, "scope.edit" if what.startswith("scope") else "category.edit")
    item_id = int(request.form["id"]) if request.form.get("id", "").isdigit() else None
    if what in ("scope", "scope-remove"):
        item = None
        if item_id is not None:
            item = ScopeItem.get_or_none(ScopeItem.id == item_id, ScopeItem.body == body) or abort(404)
        if what == "scope-remove":
            coverage.remove_scope_item(body, auth.user(), item or abort(404))
        else:
            if item_form.starts_on.raw_data and item_form.starts_on.raw_data[0] \
                    and item_form.starts_on.data is None:
                raise InvalidInput({"starts_on": [_("起始日期应写成 2026-02-01 这样的日期。")]})
            coverage.save_scope_item(body, auth.user(), item_form.name.data, item_form.required.data, item,
                                     item_form.recurrence.data, item_form.starts_on.data)
    elif what == "category":
        category = None
        if item_id is not None:
            category = Category.get_or_none(Category.id == item_id, Category.body == body) or abort(404)
        coverage.save_category(body, auth.user(), category_form.code.data, category_form.name.data,
                               category)
    else:
        abort(400)
