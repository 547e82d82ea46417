"""The archiving scope of a body, how far its documents cover it, and its categories."""
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from capture import audit, prepared
from capture.db import db
from capture.models import Category, Document, ScopeItem
from capture.text import RegistrationError, has_control_characters

CATEGORY_CODE = re.compile(r"^[A-Z0-9]{1,6}$")


@dataclass
class ScopeLine:
    """One scope item and the registered documents that cover it."""
    item: ScopeItem
    documents: list = field(default_factory=list)

    @property
    def covered(self):
        """True when at least one registered document covers the item."""
        return bool(self.documents)


@dataclass
class Coverage:
    """The scope lines of a body and the completeness figures drawn from them."""
    lines: list

    @property
    def required(self):
        """The lines of required items."""
        return [line for line in self.lines if line.item.required]

    @property
    def covered_required(self):
        """How many required items are covered."""
        return sum(1 for line in self.required if line.covered)

    @property
    def percent(self):
        """Share of the required scope items covered by at least one registered document."""
        total = len(self.required)
        return round(100 * self.covered_required / total) if total else 100

    @property
    def missing(self):
        """Required items nothing covers yet."""
        return [line.item for line in self.required if not line.covered]


def scope_items(body):
    """The body's scope items in their order."""
    return list(ScopeItem.select().where(ScopeItem.body == body)
                .order_by(ScopeItem.sort, ScopeItem.id))


def coverage(body):
    """Scope items of the body with their registered documents (two queries)."""
    items = scope_items(body)
    lines = {item.id: ScopeLine(item) for item in items}
    documents = (Document.select(Document.id, Document.reference_code, Document.title,
                                 Document.title_supplied, Document.scope_item)
                 .where(Document.body == body, Document.status == "registered",
                        Document.scope_item.is_null(False))
                 .order_by(Document.date, Document.id))
    for document in documents:
        lines[document.scope_item_id].documents.append(document)
    return Coverage(list(lines.values()))


def _name(raw, limit, field_name):
    value = (raw or "").strip()
    if not value:
        raise RegistrationError({field_name: [_("请填写名称。")]})
    if len(value) > limit or has_control_characters(value):
        raise RegistrationError({field_name: [_("名称最多 %(n)s 个字，且不能含控制字符。", n=limit)]})
    return value


def save_scope_item(body, user, name, required, item=None):
    """Add a scope item, or rename / re-flag an existing one; audited with old and new values."""
    name = _name(name, 200, "name")
    with db.atomic():
        if item is None:
            top = ScopeItem.select().where(ScopeItem.body == body).count()
            item = ScopeItem.create(body=body, name=name, required=bool(required), sort=top)
            audit.record("scope.add", item, {"name": name, "required": item.required},
                         user=user, body=body)
        else:
            changes = {k: [getattr(item, k), v] for k, v in (("name", name), ("required", bool(required)))
                       if getattr(item, k) != v}
            if changes:
                item.name, item.required = name, bool(required)
                item.save()
                audit.record("scope.edit", item, changes, user=user, body=body)
    return item


def remove_scope_item(body, user, item):
    """Remove a scope item that no document is linked to."""
    if Document.select().where(Document.scope_item == item).exists():
        raise RegistrationError({"scope": [_("已有文件归入“%(name)s”，不能删除；可改为“非必需”。", name=item.name)]})
    with db.atomic():
        audit.record("scope.remove", item, {"name": item.name, "required": item.required},
                     user=user, body=body)
        item.delete_instance()


def save_category(body, user, code, name, category=None):
    """Add a category, or edit one; a code already inside a 档号 cannot change."""
    code = (code or "").strip().upper()
    name = _name(name, 100, "name")
    if not CATEGORY_CODE.match(code):
        raise RegistrationError({"code": [_("分类代码为 1–6 位大写字母或数字，如 BGS、ZH。")]})
    clash = Category.get_or_none(Category.body == body, Category.code == code)
    if clash is not None and clash != category:
        raise RegistrationError({"code": [_("本机构已有分类代码 %(code)s。", code=code)]})
    with db.atomic():
        if category is None:
            top = Category.select().where(Category.body == body).count()
            category = Category.create(body=body, code=code, name=name, sort=top)
            audit.record("category.add", category, {"code": code, "name": name},
                         user=user, body=body)
            return category
        if code != category.code and Document.select().where(Document.category == category).exists():
            raise RegistrationError({"code": [_("已有文件使用分类代码 %(code)s 编了档号，代码不能再改，只能改名称。",
                                                code=category.code)]})
        changes = {k: [getattr(category, k), v] for k, v in (("code", code), ("name", name))
                   if getattr(category, k) != v}
        if changes:
            category.code, category.name = code, name
            category.save()
            audit.record("category.edit", category, changes, user=user, body=body)
    return category


def categories(body):
    """The body's categories in their order."""
    return prepared.models(Category, "coverage.categories", _categories, body=body.id)


def _categories():
    return (Category.select().where(Category.body == prepared.Slot("body"))
            .order_by(Category.sort, Category.code))
