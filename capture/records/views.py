"""A body's documents: list, register, detail, edit, withdraw, files, and the archiving scope."""
import io

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template,
                   request, send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from capture import clock
from capture.models import Category, Document, ScopeItem
from capture.people import auth
from capture.forms import RegistrationError

from exporters.plan import write_filing_plan

from . import coverage, files, history, lifecycle, listing, registry
from .forms import CategoryForm, DocumentForm, PlainForm, ScopeItemForm, WithdrawForm

bp = Blueprint("documents", __name__, url_prefix="/bodies/<int:body_id>")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
INLINE_CSP = "default-src 'none'; img-src 'self'; object-src 'self'; frame-ancestors 'self'"


def _user():
    return current_user._get_current_object()


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


@bp.route("/documents")
@login_required
def index(body_id):
    """The body's documents: search, filter, sort, page."""
    body = auth.body_or_404(body_id)
    filters = listing.Filters.from_args(request.args)
    documents, has_next = listing.search(body, filters, current_app.config["PAGE_SIZE"])
    return render_template("documents/index.html", body=body, documents=documents,
                           has_next=has_next, filters=filters,
                           categories=coverage.categories(body), years=listing.years(body))


@bp.route("/documents/new", methods=["GET", "POST"])
@login_required
def register(body_id):
    """Register a document with its files; the server gives the 档号."""
    body = auth.body_or_404(body_id, "document.register")
    form = _document_form(body)
    default_source = None
    if request.method == "GET":
        chosen = request.args.get("scope_item", "")
        category, retention, source = registry.form_defaults(body, _user(), int(chosen) if chosen.isdigit() else None)
        form.set_defaults(body, category, retention)
        form.scope_item.data = chosen
        default_source = _default_source(source, dict(form.scope_item.choices).get(chosen, ""))
    duplicate = held = None
    if form.validate_on_submit():
        secret, store = current_app.config["SECRET_KEY"], current_app.extensions["store"]
        kept = files.held(request.form.get("held", ""), secret, _user().id, body.id, store)
        try:
            document = registry.register_document(
                body, _user(), form.values(), _uploads(), stored=kept,
                duplicates_ok=request.form.get("duplicate_ok") == "1", **_store_args())
        except registry.DuplicateContent as error:
            # Told before the 档号 is used; the files wait in the store for "register anyway".
            duplicate, held = error, files.hold(error.stored, secret, _user().id, body.id)
        except RegistrationError as error:
            _flash_all(form.show_errors(error.field_errors), "error")
            flash(_("未登记：请按提示修改后重新提交。"), "error")
        else:
            registry.remember_form_choice(document, _user())  # this form's next defaults
            _flash_all(document.warnings)
            flash(_("已登记，档号 %(code)s。", code=document.reference_code), "success")
            target = url_for(".detail", body_id=body.id, document_id=document.id)
            if request.headers.get("X-Requested-With") == "XMLHttpRequest":
                return jsonify(location=target)  # upload.js goes there itself
            return redirect(target)
    status = 409 if duplicate else (422 if form.is_submitted() else 200)
    return render_template("documents/form.html", body=body, form=form, document=None,
                           duplicate=duplicate, held=held, default_source=default_source,
                           late=lifecycle.last_export(body) is not None), status


def _default_source(source, scope_item_name):
    """Where the form's proposed category and retention come from, said to the person."""
    if source == "scope":
        return _("分类和保管期限按归档范围“%(item)s”中上一件文件预填，请核对。", item=scope_item_name)
    if source == "last":
        return _("分类和保管期限按您上次在本表登记时的选择预填，请核对。")
    return _("分类按本机构的第一个分类、保管期限按永久预填，请核对。")


@bp.route("/documents/<int:document_id>")
@login_required
def detail(body_id, document_id):
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


@bp.route("/documents/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit(body_id, document_id):
    """Correct a document's metadata; the 档号 stays as given."""
    body = auth.body_or_404(body_id, "document.edit")
    document = _document(body, document_id)
    form = _document_form(body)
    if request.method == "GET":
        form.load(document)
    if form.validate_on_submit():
        try:
            changes, warnings = registry.edit_document(document, _user(), form.values())
        except RegistrationError as error:
            _flash_all(form.show_errors(error.field_errors), "error")
        else:
            _flash_all(warnings)
            flash(_("已保存修改。") if changes else _("没有改动。"), "success")
            return redirect(url_for(".detail", body_id=body.id, document_id=document.id))
    return render_template("documents/form.html", body=body, form=form, document=document), \
        (422 if form.is_submitted() else 200)


@bp.route("/documents/<int:document_id>/withdraw", methods=["POST"])
@login_required
def withdraw(body_id, document_id):
    """Withdraw a document with a reason; the record and its files stay."""
    body = auth.body_or_404(body_id, "document.withdraw")
    document = _document(body, document_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            registry.withdraw_document(document, _user(), form.reason.data)
        except RegistrationError as error:
            _flash_all([m for messages in error.field_errors.values() for m in messages], "error")
        else:
            flash(_("已撤回 %(code)s。记录和文件仍保留。", code=document.reference_code), "success")
    return redirect(url_for(".detail", body_id=body.id, document_id=document.id))


@bp.route("/documents/<int:document_id>/files", methods=["POST"])
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
            added = registry.add_file(document, _user(), _uploads(), replaces=replaces,
                                      **_store_args())
        except RegistrationError as error:
            _flash_all([m for messages in error.field_errors.values() for m in messages], "error")
        else:
            flash(_("已添加 %(n)s 个文件。", n=len(added)), "success")
    return redirect(url_for(".detail", body_id=body.id, document_id=document.id))


@bp.route("/documents/<int:document_id>/files/<int:file_id>")
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


@bp.route("/scope", methods=["GET", "POST"])
@login_required
def scope(body_id):
    """What the archiving scope expects, which documents cover it, and the categories."""
    body = auth.body_or_404(body_id)
    item_form, category_form = ScopeItemForm(prefix="scope"), CategoryForm(prefix="category")
    status = 200
    if request.method == "POST":
        try:
            _save_scope_or_category(body, item_form, category_form)
        except RegistrationError as error:
            _flash_all([m for messages in error.field_errors.values() for m in messages], "error")
            status = 422
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for(".scope", body_id=body.id))
    return render_template("documents/scope.html", body=body, coverage=coverage.coverage(body, clock.today()),
                           categories=coverage.categories(body), item_form=item_form,
                           category_form=category_form), status


@bp.get("/scope/plan.docx")
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
            coverage.remove_scope_item(body, _user(), item or abort(404))
        else:
            if item_form.starts_on.raw_data and item_form.starts_on.raw_data[0] \
                    and item_form.starts_on.data is None:
                raise RegistrationError({"starts_on": [_("起始日期应写成 2026-02-01 这样的日期。")]})
            coverage.save_scope_item(body, _user(), item_form.name.data, item_form.required.data, item,
                                     item_form.recurrence.data, item_form.starts_on.data)
    elif what == "category":
        category = None
        if item_id is not None:
            category = Category.get_or_none(Category.id == item_id, Category.body == body) or abort(404)
        coverage.save_category(body, _user(), category_form.code.data, category_form.name.data,
                               category)
    else:
        abort(400)
