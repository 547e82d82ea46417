"""A body's lifecycle (active → dissolving → dissolved → transferred) and what each state allows.

Once a package has been exported, the archive holds what it carried: those items are no longer
changed here (an edit, a file or a withdrawal is refused with what to do instead), while an item
registered afterwards waits, with its own edits, files and withdrawal, for the supplementary
transfer. Nothing falls between the two.
"""
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l
from peewee import fn

from capture.models import Document, Transfer

EXPORTED = ("exported", "received")
STATES = ("active", "dissolving", "dissolved", "transferred")

# What a state allows, for the body page; the rules themselves are in auth.can and below.
ALLOWS = {
    "active": _l("登记、修改、补充文件和撤回均可进行；可调整分类和归档范围。"),
    "dissolving": _l("仍可登记、修改、补充文件和撤回（撤销通知、工作总结等收尾文件）；分类和归档范围已锁定。"),
    "dissolved": _l("移交人员运行四性检测并导出移交包。导出前文件仍可修改；导出后，已移交的文件不能再修改或撤回，新登记的文件进入补充移交。"),
    "transferred": _l("档案馆已接收。已移交的文件不能再修改或撤回；新发现的文件仍可登记，进入补充移交。"),
}
NEXT = {
    "active": _l("机构撤销时，由指导员或移交人员在“撤销与移交”中登记撤销。"),
    "dissolving": _l("最终指导完成、文件登记齐全后，确认撤销完毕，即可开始移交。"),
    "dissolved": _l("运行四性检测，导出移交包，由档案馆确认接收。"),
    "transferred": _l("如有未移交的文件，导出补充移交包交档案馆。"),
}


def last_export(body):
    """The body's latest exported (or received) transfer, or None."""
    return (Transfer.select().where(Transfer.body == body, Transfer.status.in_(EXPORTED))
            .order_by(Transfer.started_at.desc()).first())


def _waiting(body):
    return Document.select().where(Document.body == body, Document.transferred_in.is_null())


def pending(body):
    """Items waiting for a supplementary transfer: registered after the body's package was exported."""
    if last_export(body) is None:
        return []
    return list(_waiting(body).order_by(Document.created_at, Document.id))


def pending_count(body):
    """How many items wait for a supplementary transfer (0 before the first export)."""
    return _waiting(body).count() if last_export(body) is not None else 0


def pending_counts(body_ids):
    """{body id: items not yet transferred} for those of `body_ids` that have exported a package."""
    exported = Transfer.select(Transfer.body).where(Transfer.status.in_(EXPORTED))
    query = (Document.select(Document.body, fn.COUNT(Document.id)).where(
        Document.body.in_(list(body_ids)), Document.body.in_(exported),
        Document.transferred_in.is_null()).group_by(Document.body))
    return dict(query.tuples())


REFUSALS = {
    "edit": _l("%(code)s 已随移交包 %(package)s 移交给档案馆，不能再修改。著录确有错误的，请联系档案馆在接收后更正。"),
    "file": _l("%(code)s 已随移交包 %(package)s 移交给档案馆，不能再添加或替换文件。遗漏的文件请作为新文件登记，它将进入补充移交。"),
    "withdraw": _l("%(code)s 已随移交包 %(package)s 移交给档案馆，不能再撤回。如需更正，请联系档案馆。"),
}


def carried_by(document):
    """The exported transfer whose package carried the item, or None."""
    if document.transferred_in_id is None:
        return None
    return Transfer.get_or_none(Transfer.id == document.transferred_in_id)


def refusal(document, change):
    """Why `change` (edit, file, withdraw) of an already transferred item is refused, or None."""
    transfer = carried_by(document)
    if transfer is None:
        return None
    package = transfer.package_path.replace("\\", "/").rsplit("/", 1)[-1]
    return str(REFUSALS[change]) % {"code": document.reference_code, "package": package}


def late_notice(body):
    """What a registration after the export means, or None when no package has been exported."""
    if last_export(body) is None:
        return None
    return _("本机构的移交包已导出：此文件将进入补充移交（本机构现有 %(n)s 件未移交），请告知移交人员导出补充移交包。",
             n=_waiting(body).count())


@dataclass
class State:
    """The body's state as the body page shows it."""
    status: str
    allows: str
    next_step: str
    pending: int


def state(body):
    """Which state the body is in, what it allows, what happens next, and items not yet transferred."""
    return State(body.status, str(ALLOWS[body.status]), str(NEXT[body.status]), pending_count(body))
