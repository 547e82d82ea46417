"""The archiving scope of a body, how far its documents cover it, and its categories."""
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from capture import audit, labels, prepared
from capture.db import db
from capture.models import Body, Category, Document, Membership, ScopeItem, User
from capture.people import auth
from exporters.plan import FilingPlan, PlanItem
from capture.forms import InvalidInput, has_control_characters

from . import series
from .playbooks.versions import kind_label
from .series import SeriesStatus

CATEGORY_CODE = re.compile(r"^[A-Z0-9]{1,6}$")


@dataclass
class ScopeLine:
    """One scope item and the registered documents that cover it."""
    item: ScopeItem
    documents: list = field(default_factory=list)
    series: SeriesStatus | None = None  # for an expected series: its periods and gaps

    @property
    def covered(self):
        """True when a registered document covers the item (every due period, for a series)."""
        if self.series is not None and self.series.expected:
            return self.series.complete
        return bool(self.documents)

    def missing_periods(self, locale):
        """The first missing periods of a series as people say them, and how many more."""
        if self.series is None:
            return [], 0
        named = [series.label(p, locale) for p in self.series.missing[:series.NAMED]]
        return named, len(self.series.missing) - len(named)


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
        return [line.item for line in self.missing_lines]

    @property
    def missing_lines(self):
        """The lines of required items not covered yet (a series with a gap among them)."""
        return [line for line in self.required if not line.covered]


def scope_items(body):
    """The body's scope items in their order."""
    return list(ScopeItem.select().where(ScopeItem.body == body)
                .order_by(ScopeItem.sort, ScopeItem.id))


def coverage(body, today):
    """Scope items of the body with their registered documents and series gaps (two queries)."""
    items = scope_items(body)
    lines = {item.id: ScopeLine(item) for item in items}
    documents = (Document.select(Document.id, Document.reference_code, Document.title,
                                 Document.title_supplied, Document.scope_item, Document.date)
                 .where(Document.body == body, Document.status == "registered",
                        Document.scope_item.is_null(False))
                 .order_by(Document.date, Document.id))
    for document in documents:
        lines[document.scope_item_id].documents.append(document)
    for line in lines.values():
        if line.item.recurrence:
            line.series = series_status(line.item, body, [d.date for d in line.documents], today)
    return Coverage(list(lines.values()))


def filing_plan(body, today):
    """The plain data of the body's filing plan (归档计划) as exporters.plan writes it."""
    found = coverage(body, today)
    liaisons = (User.select(User.display_name).join(Membership)
                .where(Membership.body == body, auth.acting_as("liaison"), User.active).order_by(User.id))
    return FilingPlan(
        body_name=body.name, fonds_code=body.fonds_code, kind=kind_label(body.kind),
        established_on=body.established_on.isoformat(),
        expected_end=body.expected_end.isoformat() if body.expected_end else "",
        liaison=_("、").join(u.display_name for u in liaisons), made_on=today.isoformat(),
        items=[PlanItem(line.item.name, line.item.required,
                        str(labels.RECURRENCE[line.item.recurrence]) if line.item.recurrence else "",
                        line.item.starts_on.isoformat() if line.item.starts_on else "",
                        len(line.documents), _missing_periods(line)) for line in found.lines],
        categories=[(c.code, c.name) for c in categories(body)])


def _missing_periods(line):
    """The periods a series already lacks, as the (Chinese) filing plan names them."""
    named, more = line.missing_periods("zh_Hans")
    return "、".join(named) + (f" 等 {len(named) + more} 期" if more else "")


def series_status(item, body, dates, today):
    """The expected series of a scope item on `today`, from its start until the body ended."""
    return series.status(item.recurrence, item.starts_on or body.established_on, today,
                         [d for d in dates if d is not None], ends_on=body.dissolved_on)


def series_gaps(bodies, today):
    """{body id: [(scope item, SeriesStatus)] with gaps} for the Body query `bodies`.

    Two queries whatever the number of bodies: the series items with their bodies, then the
    dates of the documents filed under them.
    """
    items = list(ScopeItem.select(ScopeItem, Body).join(Body)
                 .where(ScopeItem.recurrence != "", ScopeItem.body.in_(bodies.select(Body.id))))
    dates = {}
    for item_id, day in (Document.select(Document.scope_item, Document.date)
                         .where(Document.scope_item.in_([i.id for i in items]),
                                Document.status == "registered").tuples()):
        dates.setdefault(item_id, []).append(day)
    found = {}
    for item in items:
        status = series_status(item, item.body, dates.get(item.id, []), today)
        if status.missing:
            found.setdefault(item.body_id, []).append((item, status))
    return found


def _name(raw, limit, field_name):
    value = (raw or "").strip()
    if not value:
        raise InvalidInput({field_name: [_("请填写名称。")]})
    if len(value) > limit or has_control_characters(value):
        raise InvalidInput({field_name: [_("名称最多 %(n)s 个字，且不能含控制字符。", n=limit)]})
    return value


def save_scope_item(body, user, name, required, item=None, recurrence="", starts_on=None):
    """Add a scope item, or change an existing one (its series too); audited with old and new."""
    values = {"name": _name(name, 200, "name"), "required": bool(required),
              "recurrence": _recurrence(recurrence), "starts_on": _start(body, recurrence, starts_on)}
    with db.atomic():
        if item is None:
            top = ScopeItem.select().where(ScopeItem.body == body).count()
            item = ScopeItem.create(body=body, sort=top, **values)
            audit.record("scope.add", item, _plain(values), user=user, body=body)
        else:
            changes = {k: [_plain_value(getattr(item, k)), _plain_value(v)]
                       for k, v in values.items() if getattr(item, k) != v}
            if changes:
                for k, v in values.items():
                    setattr(item, k, v)
                item.save()
                audit.record("scope.edit", item, changes, user=user, body=body)
    return item


def _recurrence(raw):
    if (raw or "") not in series.RECURRENCES:
        raise InvalidInput({"recurrence": [_("请从列表中选择文件的形成规律。")]})
    return raw or ""


def _start(body, recurrence, starts_on):
    if not recurrence or starts_on is None:
        return None
    if starts_on < body.established_on or (body.dissolved_on and starts_on > body.dissolved_on):
        raise InvalidInput({"starts_on": [_("起始日期应在机构存续期间（%(start)s 之后）。",
                                                 start=body.established_on.isoformat())]})
    return starts_on


def _plain_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _plain(values):
    return {k: _plain_value(v) for k, v in values.items()}


def remove_scope_item(body, user, item):
    """Remove a scope item that no document is linked to."""
    if Document.select().where(Document.scope_item == item).exists():
        raise InvalidInput({"scope": [_("已有文件归入“%(name)s”，不能删除；可改为“非必需”。", name=item.name)]})
    with db.atomic():
        audit.record("scope.remove", item, {"name": item.name, "required": item.required},
                     user=user, body=body)
        item.delete_instance()


def save_category(body, user, code, name, category=None):
    """Add a category, or edit one; a code already inside a 档号 cannot change."""
    code = (code or "").strip().upper()
    name = _name(name, 100, "name")
    if not CATEGORY_CODE.match(code):
        raise InvalidInput({"code": [_("分类代码为 1–6 位大写字母或数字，如 BGS、ZH。")]})
    clash = Category.get_or_none(Category.body == body, Category.code == code)
    if clash is not None and clash != category:
        raise InvalidInput({"code": [_("本机构已有分类代码 %(code)s。", code=code)]})
    with db.atomic():
        if category is None:
            top = Category.select().where(Category.body == body).count()
            category = Category.create(body=body, code=code, name=name, sort=top)
            audit.record("category.add", category, {"code": code, "name": name},
                         user=user, body=body)
            return category
        if code != category.code and Document.select().where(Document.category == category).exists():
            raise InvalidInput({"code": [_("已有文件使用分类代码 %(code)s 编了档号，代码不能再改，只能改名称。",
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
