"""Registering temporary bodies: creating, editing and their members, each change with its audit
event in the same transaction (as registry.py does for documents)."""
from capture import audit
from capture.clock import utc_now
from capture.db import db
from capture.models import DEFAULT_CADENCE, Body, Membership

from . import scope

FIELDS = ("name", "code", "fonds_code", "lead_org", "kind", "tier", "cadence_days",
          "established_on", "expected_end", "custodian", "contact_person", "default_responsible")


def _apply(values, body):
    """Copy `values` (field → value) onto the body; return {field: [old, new]} of what changed."""
    changes = {}
    for field in FIELDS:
        value = values.get(field)
        if isinstance(value, str):
            value = value.strip()
        if field == "cadence_days" and not value:
            value = DEFAULT_CADENCE[values["tier"]]
        if getattr(body, field, None) != value:
            changes[field] = [getattr(body, field, None), value]
            setattr(body, field, value)
    return changes


def create(values, user, version=None, left_out=None):
    """Register a body with what its playbook `version` gives (less the keys `left_out`, by part);
    a liaison creating it looks after it."""
    body = Body()
    left_out = left_out or {}
    with db.atomic():
        changes = _apply(values, body)
        body.save()
        scope.seed(body, version, left_out)
        if user.role == "liaison":
            Membership.create(user=user, body=body, role="liaison")
        if version is not None:
            changes["playbook"] = [None, f"{version.playbook.kind} v{version.number}"]
            changes["left_out"] = {part: sorted(keys) for part, keys in left_out.items() if keys}
        audit.record("body.create", body, changes, user=user, body=body)
    return body


def edit(body, values, user):
    """Change the body's facts; the previous values go to the audit trail. Return the changes."""
    with db.atomic():
        changes = _apply(values, body)
        body.updated_at = utc_now()
        body.save()
        audit.record("body.edit", body, changes, user=user, body=body)
    return changes


def add_member(body, member, role, user):
    """Give `member` a role in the body; return the membership."""
    with db.atomic():
        membership = Membership.create(user=member, body=body, role=role)
        audit.record("member.add", membership, {"user": member.username, "role": role},
                     user=user, body=body)
    return membership


def remove_member(membership, user):
    """End a membership (the audit trail keeps who it was)."""
    with db.atomic():
        audit.record("member.remove", membership, {"user": membership.user.username,
                                                    "role": membership.role},
                     user=user, body=membership.body)
        membership.delete_instance()
