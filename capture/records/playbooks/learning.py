"""Learning from a body whose life has ended: its scope beside its playbook, and proposals from the difference."""
from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from peewee import fn

from capture.forms import InvalidInput
from capture.models import RETENTIONS, Category, Document, ScopeItem

from . import content as contents, seeding, versions

# The learning is offered once a body's records are complete: dissolved, or transferred.
ENDED = ("dissolved", "transferred")


@dataclass
class Line:
    """One scope item as the body had it and as the playbook has it (either may be None)."""
    name: str
    body_item: ScopeItem | None
    documents: int
    retentions: Counter
    playbook_item: dict | None

    @property
    def usual_retention(self):
        """The retention most of its documents got ("" when none were filed)."""
        usual = self.retentions.most_common(1)[0][0] if self.retentions else ""
        return usual if usual in RETENTIONS else ""  # a value out of rule is the check's to report


@dataclass
class Proposal:
    """A change the body suggests to its playbook; `id` names it in the form."""
    id: str
    part: str
    change: str  # add | optional | remove | retention | recurrence
    name: str
    item: dict


def _lines(body, playbook_content):
    """[Line] of the body's scope items in order, then the playbook's items the body never had."""
    items = list(ScopeItem.select().where(ScopeItem.body == body).order_by(ScopeItem.sort, ScopeItem.id))
    retentions = {}
    for item_id, retention, count in (Document.select(Document.scope_item, Document.retention, fn.COUNT(Document.id))
                                      .where(Document.body == body, Document.status == "registered",
                                             Document.scope_item.is_null(False))
                                      .group_by(Document.scope_item, Document.retention).tuples()):
        retentions.setdefault(item_id, Counter())[retention] = count
    planned = {item["name"]: item for item in playbook_content["scope"]}
    lines = [Line(i.name, i, sum(retentions.get(i.id, Counter()).values()), retentions.get(i.id, Counter()),
                  planned.get(i.name)) for i in items]
    had = {i.name for i in items}
    lines += [Line(name, None, 0, Counter(), item) for name, item in planned.items() if name not in had]
    return lines


def _proposals(lines, body, playbook_content):
    found = []
    for line in lines:
        planned, mine = line.playbook_item, line.body_item
        if mine is None:
            continue
        if planned is None and line.documents:
            found.append(Proposal(f"scope:add:{line.name}", "scope", "add", line.name, {
                "name": line.name, "required": mine.required,
                "retention": line.usual_retention or mine.retention, "recurrence": mine.recurrence}))
        elif planned is not None and not line.documents:
            change = "optional" if planned["required"] else "remove"
            found.append(Proposal(f"scope:{change}:{line.name}", "scope", change, line.name, planned))
        elif planned is not None:
            if line.usual_retention and line.usual_retention != planned.get("retention", ""):
                found.append(Proposal(f"scope:retention:{line.name}", "scope", "retention", line.name,
                                      {**planned, "retention": line.usual_retention}))
            if mine.recurrence != planned.get("recurrence", ""):
                found.append(Proposal(f"scope:recurrence:{line.name}", "scope", "recurrence", line.name,
                                      {**planned, "recurrence": mine.recurrence}))
    known = set(contents.keys(playbook_content, "categories"))
    used = set(Document.select(Document.category).where(Document.body == body,
                                                        Document.status == "registered").tuples())
    for category in Category.select().where(Category.body == body).order_by(Category.sort):
        if category.code not in known and (category.id,) in used:
            found.append(Proposal(f"categories:add:{category.code}", "categories", "add", category.code,
                                  {"code": category.code, "name": category.name}))
    return found


@dataclass
class Learning:
    """The body's scope beside its playbook's current version, and what it proposes."""
    playbook: object
    version: object
    lines: list
    proposals: list


def compare(body):
    """The Learning of a body, or None when it has no playbook."""
    link = seeding.started_from(body)
    playbook = link.version.playbook if link else versions.get(body.kind)
    if playbook is None:
        return None
    version = versions.current(playbook)
    content = versions.content_of(version)
    lines = _lines(body, content)
    return Learning(playbook, version, lines, _proposals(lines, body, content))


def apply(content, proposals):
    """The content with the proposals made: items added, changed or removed in place."""
    changed = {part: list(content[part]) for part in contents.PARTS}
    for proposal in proposals:
        items = changed[proposal.part]
        at = next((n for n, item in enumerate(items) if contents.key(proposal.part, item) == proposal.name), None)
        if proposal.change == "add" and at is None:
            items.append(proposal.item)
        elif proposal.change == "remove" and at is not None:
            del items[at]
        elif at is not None:
            items[at] = {**proposal.item, "required": False} if proposal.change == "optional" else proposal.item
    return {**content, **changed}


def propose(body, user, chosen, reason):
    """Make the chosen proposals a new version of the body's playbook, its reason in the trail."""
    learning = compare(body)
    picked = [p for p in learning.proposals if p.id in set(chosen)] if learning else []
    if not picked:
        raise InvalidInput({"proposals": [_("请至少勾选一项要写入分类指导的建议。")]})
    content = apply(versions.content_of(learning.version), picked)
    return versions.new_version(learning.playbook, content, user, reason, body=body, details={
        "from_body": body.code, "proposals": [p.id for p in picked]})
