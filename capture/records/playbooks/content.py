"""A playbook version's content as plain data: its four parts, checked, compared (no Flask, no DB).

Content is a dict: categories [{code, name}], scope [{name, required, retention, recurrence}],
milestones [{name, calls_for_checkin}], guidance {tier, cadence_days}. Items are known by their
key: a category by its code, a scope item or a milestone by its name.
"""
import json
import re

PARTS = ("categories", "scope", "milestones")
CATEGORY_CODE = re.compile(r"^[A-Z0-9]{1,6}$")
KIND_CODE = re.compile(r"^[a-z][a-z0-9_]{1,19}$")


def empty():
    """Content with nothing in it and the general tier's guidance."""
    return {"categories": [], "scope": [], "milestones": [],
            "guidance": {"tier": "general", "cadence_days": 30}}


def loads(text):
    """Stored JSON as content, every part present."""
    found = empty()
    found.update(json.loads(text or "{}"))
    return found


def dumps(content):
    """Content as the JSON stored in a version."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True)


def key(part, item):
    """What identifies an item within its part: a category's code, otherwise the name."""
    return item["code"] if part == "categories" else item["name"]


def keys(content, part):
    """The keys of a part, in order."""
    return [key(part, item) for item in content[part]]


def gained(old, new):
    """{part: [items of `new` whose key `old` lacks]}: what a playbook has gained since `old`."""
    return {part: [item for item in new[part] if key(part, item) not in set(keys(old, part))]
            for part in PARTS}


def changes(old, new):
    """{"added"|"removed"|"changed": {part: [keys]}} from `old` to `new`; "guidance": True if it changed."""
    found = {"added": {}, "removed": {}, "changed": {}}
    for part in PARTS:
        before = {key(part, item): item for item in old[part]}
        after = {key(part, item): item for item in new[part]}
        for kind, keys in (("added", [k for k in after if k not in before]),
                           ("removed", [k for k in before if k not in after]),
                           ("changed", [k for k in after if k in before and after[k] != before[k]])):
            if keys:
                found[kind][part] = keys
    found = {kind: parts for kind, parts in found.items() if parts}
    if old["guidance"] != new["guidance"]:
        found["guidance"] = True
    return found
