"""Registering documents: the 档号, files, edits and withdrawal, each with its audit event.

No Flask request in here: the web form, the JSON API and bulk import all call these functions.
"""
from flask_babel import gettext as _
from peewee import IntegrityError

from capture import audit
from capture.db import db, lock_until_commit
from capture.models import Category, Document, File, FormDefault, ScopeItem, next_item_number
from capture.clock import utc_now
from capture.forms import InvalidInput, has_control_characters

from . import files, lifecycle, validation
from .validation import record_class

ATTEMPTS = 10


class DuplicateContent(InvalidInput):
    """Chosen files whose content the body already holds; nothing was registered (no 档号 used).

    `matches` lists (chosen file name, Document already holding it); `stored` are the uploads,
    already in the store, so that registering anyway need not send them again.
    """

    def __init__(self, matches, stored):
        codes = _("、").join(sorted({d.reference_code for _name, d in matches}))
        super().__init__({"files": [_("所选文件与本机构已登记的 %(codes)s 内容相同。确属另一件文件的，请确认后仍然登记；否则请取消。",
                                      codes=codes)]})
        self.matches, self.stored = matches, stored


class PagesDiffer(InvalidInput):
    """The typed 页数 differs from the pages counted in the chosen files and no reason was given;
    nothing was registered (no 档号 used). `stored` are the uploads, already in the store."""

    def __init__(self, typed, counted, stored):
        super().__init__({"pages": [pages_message(typed, counted)]})
        self.typed, self.counted, self.stored = typed, counted, stored


def pages_message(typed, counted):
    """What the form says of a typed 页数 that differs from the files'."""
    return _("所选文件共 %(counted)s 页，填写的页数是 %(typed)s。请改为 %(counted)s，或写明保留 %(typed)s 的原因。",
             counted=counted, typed=typed)


# Carriers whose 页数 counts pages; photos and recordings have none (DA/T 22: they give 0).
PAGED_CARRIERS = ("electronic", "paper")


def counted_pages(counts):
    """The pages of an item's files added up, when every file has pages to count; else None."""
    counts = list(counts)
    return None if not counts or any(c is None for c in counts) else sum(counts)


def _pages_reason(fields):
    reason = " ".join(str(fields.get("pages_reason") or "").split())
    if len(reason) > 1000 or has_control_characters(reason):
        raise InvalidInput({"pages_reason": [_("原因最多 1000 字，且不能含控制字符。")]})
    return reason


def settle_pages(clean, fields, counted):
    """Set clean["pages"] and ["pages_reason"] against the pages counted in the files: a blank
    页数 takes the files' count, a reason is kept only for a difference. Returns (typed, counted)
    when they differ without a reason, else None."""
    reason = _pages_reason(fields)
    clean["pages_reason"] = ""
    if counted is None or clean["carrier"] not in PAGED_CARRIERS:
        return None
    if str(fields.get("pages") if fields.get("pages") is not None else "").strip() == "":
        clean["pages"] = counted
    if clean["pages"] == counted:
        return None
    if reason:
        clean["pages_reason"] = reason
        return None
    return clean["pages"], counted


def class_key(record_class_code, year, retention, category=None):
    """The lowest class the item number runs in, e.g. WS·2026-Y-BGS (category omitted when none)."""
    key = f"{record_class_code}·{year}-{retention}"
    return f"{key}-{category.code}" if category is not None else key


def reference_code(fonds_code, key, item_number):
    """档号: {fonds}-{class}·{year}-{retention}[-{category}]-{item:04d}."""
    return f"{fonds_code}-{key}-{item_number:04d}"


def register_document(body, user, fields, uploads=(), store=None, max_bytes=None, stored=(),
                      duplicates_ok=False, pages_told=False):
    """Validate, store the files, then give the 档号 inside a transaction; return the Document.

    `uploads` is a list of (original name, binary stream, length or None); `stored` lists files
    already identified and stored (files.StoredUpload), as bulk import does before its
    transaction. A file whose content the body already holds raises DuplicateContent before any
    档号 is used, unless `duplicates_ok`. With `pages_told` (the web form), a typed 页数 that
    differs from the files' without a reason raises PagesDiffer; elsewhere it is a warning (and
    fails the check). The returned document carries `warnings` (e.g. a date outside the body's
    life) for the caller to show.
    """
    # Never refused for the body's state: after the export an item waits for the supplement.
    if uploads and store is None:
        raise ValueError("uploads given without a store")
    # The fields and the files are checked together, so that every problem comes in one answer.
    problems, stored = {}, list(stored)
    try:
        clean, warnings = validation.check(body, fields)
    except InvalidInput as error:
        problems.update(error.field_errors)
    try:
        stored += files.store_uploads(store, uploads, max_bytes) if uploads else []
    except InvalidInput as error:
        for name, messages in error.field_errors.items():
            problems.setdefault(name, []).extend(messages)
    if problems:
        # A file the body already holds is named now too, not in a later round.
        for name, held in ([] if duplicates_ok else files.held_elsewhere(body, stored)):
            problems.setdefault("files", []).append(_("%(name)s：内容与已登记的 %(code)s 相同，是否重复登记？",
                                                      name=name, code=held.reference_code))
        raise InvalidInput(problems)
    if not duplicates_ok:
        matches = files.held_elsewhere(body, stored)
        if matches:
            raise DuplicateContent(matches, stored)
    differ = settle_pages(clean, fields, counted_pages(u.pages for u in stored))
    if differ and pages_told:
        raise PagesDiffer(*differ, stored)
    warnings = warnings + ([pages_message(*differ)] if differ else [])
    code = record_class(clean["carrier"])
    key = class_key(code, clean["date"].year, clean["retention"], clean["category"])
    for attempt in range(ATTEMPTS):
        try:
            with db.atomic():
                document = _create(body, user, clean, code, key, stored)
            break
        except IntegrityError:
            # Another registration took this number between our read and our insert.
            if attempt == ATTEMPTS - 1:
                raise
    late = lifecycle.late_notice(body)
    document.warnings = warnings + ([late] if late else [])
    return document


def _create(body, user, clean, code, key, stored):
    lock_until_commit(f"item-number:{body.id}:{key}")
    number = next_item_number(body, key)
    document = Document.create(
        body=body, record_class=code, year=clean["date"].year, class_key=key,
        item_number=number, reference_code=reference_code(body.fonds_code, key, number),
        created_by=user, updated_by=user,
        **{k: v for k, v in clean.items()})
    created = [files.create_file(document, upload, user) for upload in stored]
    audit.record("document.register", document, {
        "reference_code": document.reference_code, "title": document.title,
        "fields": _snapshot(document), "files": [files.describe(f) for f in created],
        **({"pages_reason": document.pages_reason} if document.pages_reason else {})},
        user=user, body=body)
    return document


def _snapshot(document):
    values = {}
    for name in validation.ALL_FIELDS:
        value = getattr(document, name)
        values[name] = getattr(value, "code", None) if name == "category" else (
            value.id if name == "scope_item" and value is not None else value)
    return values


def edit_document(document, user, fields, pages_told=False):
    """Change the editable metadata; the audit event keeps old and new values; return changes.

    With `pages_told` (the web form), a 页数 that differs from the files' needs a reason."""
    _check_writable(document, "edit")
    clean, warnings = validation.check(document.body, fields, only=validation.EDITABLE)
    differ = settle_pages(clean, fields, counted_pages(f.pages for f in files.current(document)))
    if differ and pages_told:
        raise InvalidInput({"pages": [pages_message(*differ)]})
    warnings = warnings + ([pages_message(*differ)] if differ else [])
    if clean["date"].year != document.year:
        raise InvalidInput({"date": [_("档号中的年度（%(y)s）已确定，日期不能改到其他年度。如确属登记错误，请撤回后重新登记。",
                                            y=document.year)]})
    if record_class(clean["carrier"]) != document.record_class:
        raise InvalidInput({"carrier": [_("改为该载体会改变档号中的门类代码，不能修改。如确属登记错误，请撤回后重新登记。")]})
    changes = {}
    for name, new in clean.items():
        old = getattr(document, name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(document, name, new)
    if changes:
        with db.atomic():
            document.updated_by = user
            document.updated_at = utc_now()
            document.save()
            audit.record("document.edit", document, {"reference_code": document.reference_code,
                                                     "changes": changes},
                         user=user, body=document.body)
    return changes, warnings


def _plain(value):
    """A JSON-friendly value for the audit trail (a scope item by id and name)."""
    if hasattr(value, "id") and hasattr(value, "name"):
        return {"id": value.id, "name": value.name}
    return value


def add_file(document, user, uploads, store, max_bytes=None, replaces=None):
    """Add files to a registered document; with `replaces`, the one upload is its new version."""
    _check_writable(document, "file")
    if replaces is not None and (replaces.document_id != document.id or len(uploads) != 1):
        raise InvalidInput({"files": [_("替换文件时请只选择一个新文件。")]})
    if not uploads:
        raise InvalidInput({"files": [_("请选择要添加的文件。")]})
    stored = files.store_uploads(store, uploads, max_bytes)
    with db.atomic():
        created = [files.create_file(document, upload, user, replaces) for upload in stored]
        audit.record("document.file.replace" if replaces else "document.file.add", document,
                     {"reference_code": document.reference_code,
                      "files": [files.describe(f) for f in created]},
                     user=user, body=document.body)
    return created


def withdraw_document(document, user, reason):
    """Withdraw a document: it and its files stay, marked withdrawn with the reason."""
    reason = (reason or "").strip()
    if document.status == "withdrawn":
        raise InvalidInput({"reason": [_("该文件已撤回。")]})
    if not reason:
        raise InvalidInput({"reason": [_("请写明撤回原因，例如“重复登记，见档号 …”。")]})
    if len(reason) > 1000 or has_control_characters(reason, multiline=True):
        raise InvalidInput({"reason": [_("撤回原因最多 1000 字，且不能含控制字符。")]})
    _check_writable(document, "withdraw")
    with db.atomic():
        document.status = "withdrawn"
        document.withdrawn_reason = reason
        document.withdrawn_at = utc_now()
        document.withdrawn_by = user
        document.save()
        audit.record("document.withdraw", document, {"reference_code": document.reference_code,
                                                     "reason": reason},
                     user=user, body=document.body)
    return document


def _check_writable(document, change):
    refused = lifecycle.refusal(document, change)
    if refused:
        raise InvalidInput({"body": [refused]})
    if document.status == "withdrawn":
        raise InvalidInput({"status": [_("已撤回的文件不能再修改。")]})


def form_defaults(body, user, scope_item_id=None):
    """(category code, retention, where they came from) for the register form: the chosen scope
    item's last registered document ("scope"), else the person's own last choice on this form
    ("last"), else the body's first category and permanent ("first")."""
    if scope_item_id:
        usual = (Document.select(Document.category, Document.retention)
                 .where(Document.body == body, Document.scope_item == scope_item_id,
                        Document.status == "registered")
                 .order_by(Document.id.desc()).first())
        if usual is not None:
            return (usual.category.code if usual.category_id else ""), usual.retention, "scope"
    category, retention, source = _own_or_first(body, user)
    item = ScopeItem.get_or_none(ScopeItem.id == scope_item_id, ScopeItem.body == body) if scope_item_id else None
    if item is not None and item.retention:
        # Nothing filed under it yet: the retention its playbook gives such documents.
        return category, item.retention, "scope_retention"
    return category, retention, source


def _own_or_first(body, user):
    mine = FormDefault.get_or_none(FormDefault.user == user, FormDefault.body == body)
    if mine is not None:
        return (mine.category.code if mine.category_id else ""), mine.retention, "last"
    first = Category.select().where(Category.body == body).order_by(Category.sort, Category.code).first()
    return (first.code if first is not None else ""), "Y", "first"


def remember_form_choice(document, user):
    """Keep the category and retention a person chose on the register form as their next defaults."""
    (FormDefault.insert(user=user, body=document.body, category=document.category,
                        retention=document.retention, updated_at=utc_now())
     .on_conflict(conflict_target=[FormDefault.user, FormDefault.body],
                  update={FormDefault.category: document.category, FormDefault.retention: document.retention,
                          FormDefault.updated_at: utc_now()})
     .execute())


def file_of(document, file_id):
    """A file of this document, or None (so an id from another document finds nothing)."""
    return File.get_or_none(File.id == file_id, File.document == document)
