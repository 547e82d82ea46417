"""A body and its playbook: seeding a new body from a version, what the playbook gained since, adopting it."""
import json

from flask_babel import gettext as _

from capture import audit
from capture.db import db
from capture.forms import InvalidInput
from capture.models import BodyPlaybook, Category, Playbook, PlaybookVersion, ScopeItem

from . import content as contents, versions


def version_for(kind):
    """The current version of the kind's playbook (the "other" one for a kind without), or None."""
    playbook = versions.get(kind) or versions.get("other")
    return versions.current(playbook) if playbook else None


def started_from(body):
    """The body's BodyPlaybook (its version and playbook joined), or None for a body made before playbooks."""
    return (BodyPlaybook.select(BodyPlaybook, PlaybookVersion, Playbook)
            .join(PlaybookVersion).join(Playbook).where(BodyPlaybook.body == body).first())


def offered(content, leave_out):
    """The content without the items left out ({part: keys})."""
    return {**content, **{part: [item for item in content[part]
                                 if contents.key(part, item) not in leave_out.get(part, ())]
                          for part in contents.PARTS}}


def seed(body, version=None, leave_out=None):
    """Give a new body its playbook's categories, scope and milestones, less those left out."""
    version = version or version_for(body.kind)
    if version is None:
        return None
    given = offered(versions.content_of(version), leave_out or {})
    for sort, item in enumerate(given["categories"]):
        Category.create(body=body, code=item["code"], name=item["name"], sort=sort)
    for sort, item in enumerate(given["scope"]):
        ScopeItem.create(body=body, name=item["name"], required=item["required"], sort=sort,
                         retention=item.get("retention", ""), recurrence=item.get("recurrence", ""))
    BodyPlaybook.create(body=body, version=version,
                        milestones=json.dumps(given["milestones"], ensure_ascii=False))
    return given


def milestones_of(link):
    """The milestones (节点指导) a body took from its playbook."""
    return json.loads(link.milestones) if link else []


def _present(body, link):
    """{part: keys the body has now}."""
    return {"categories": {c.code for c in Category.select(Category.code).where(Category.body == body)},
            "scope": {s.name for s in ScopeItem.select(ScopeItem.name).where(ScopeItem.body == body)},
            "milestones": {m["name"] for m in milestones_of(link)}}


def gained(body, link=None):
    """(current version, {part: [items]}) the body's playbook gained since its version, not in the body yet."""
    link = link or started_from(body)
    if link is None:
        return None, {}
    newest = versions.current(link.version.playbook)
    if newest.number == link.version.number:
        return newest, {}
    found = contents.gained(versions.content_of(link.version), versions.content_of(newest))
    present = _present(body, link)
    return newest, {part: [item for item in items if contents.key(part, item) not in present[part]]
                    for part, items in found.items()}


def adopt(body, user, part, key):
    """Take one item the playbook gained into the body; audited."""
    link = started_from(body)
    newest, found = gained(body, link)
    item = next((i for i in found.get(part, []) if contents.key(part, i) == key), None)
    if item is None:
        raise InvalidInput({"adopt": [_("该条目已采用或已不在分类指导中，请刷新页面。")]})
    with db.atomic():
        if part == "categories":
            top = Category.select().where(Category.body == body).count()
            made = Category.create(body=body, code=item["code"], name=item["name"], sort=top)
        elif part == "scope":
            top = ScopeItem.select().where(ScopeItem.body == body).count()
            made = ScopeItem.create(body=body, name=item["name"], required=item["required"], sort=top,
                                    retention=item.get("retention", ""),
                                    recurrence=item.get("recurrence", ""))
        else:
            link.milestones = json.dumps(milestones_of(link) + [item], ensure_ascii=False)
            link.save()
            made = link
        audit.record("playbook.adopt", made, {"part": part, "item": item, "kind": newest.playbook.kind,
                                              "version": newest.number}, user=user, body=body)
    return item
