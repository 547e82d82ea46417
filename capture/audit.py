"""Append-only, hash-chained audit events and the verification of the chain."""
import hashlib
import json
from json.encoder import encode_basestring  # json.dumps(a str, ensure_ascii=False)

from peewee import IntegrityError

from .db import Rows, adapter, db, insert_rows, lock_until_commit
from .models import AuditEvent
from .clock import utc_now

GENESIS = "0" * 64


def canonical(event):
    """The bytes an event's hash covers: every field but the hash itself, in a fixed order."""
    content = {
        "at": event.at.isoformat(timespec="microseconds"),
        "user_id": event.user_id, "username": event.username, "body_id": event.body_id,
        "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
        "details": event.details, "prev_hash": event.prev_hash,
        "body_prev_hash": event.body_prev_hash,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(event):
    """SHA-256 of the event's canonical content."""
    return hashlib.sha256(canonical(event)).hexdigest()


def _last_hash(query):
    last = query.order_by(AuditEvent.id.desc()).first()
    return last.hash if last else GENESIS


def record(action, obj=None, details=None, user=None, body=None):
    """Append an event; the unique prev_hash makes racing writers retry, never fork."""
    object_type = obj.__class__.__name__ if obj is not None else ""
    object_id = str(obj.id) if obj is not None else ""
    payload = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)
    for attempt in range(20):
        try:
            with db.atomic():
                lock_until_commit("audit-chain")
                event = AuditEvent(
                    at=utc_now(), user=user, username=user.username if user else "",
                    body=body, action=action, object_type=object_type,
                    object_id=object_id, details=payload,
                    prev_hash=_last_hash(AuditEvent.select()),
                    body_prev_hash=(_last_hash(AuditEvent.select().where(AuditEvent.body == body))
                                    if body is not None else ""))
                event.hash = compute_hash(event)
                event.save(force_insert=True)
                return event
        except IntegrityError:
            if attempt == 19:
                raise
    return None


def record_many(events, user=None, body=None):
    """Append many events at once, chained in order; call inside the caller's transaction.

    `events` are (action, object type, object id, details as a JSON string). Bulk import
    registers thousands of documents in one short transaction: one read of the chain's ends,
    one insert for them all, and each event's canonical form put together from pieces encoded
    before (the same bytes canonical() gives, at a tenth of its cost).
    """
    lock_until_commit("audit-chain")
    prev = _last_hash(AuditEvent.select())
    body_prev = _last_hash(AuditEvent.select().where(AuditEvent.body == body)) if body is not None else ""
    user_id, username = (user.id, user.username) if user else (None, "")
    body_id = body.id if body is not None else None
    # One moment for the whole batch (it is one transaction); each distinct action and object
    # type is encoded once, and a string with the C encoder json.dumps would end up calling.
    at = utc_now()
    heads, types = {}, {}
    fixed = f'"at":"{at.isoformat(timespec="microseconds")}","body_id":{_dump(body_id)},'
    who = f',"user_id":{_dump(user_id)},"username":{_dump(username)}}}'
    rows, stored_at = [], adapter()(at)
    for action, object_type, object_id, details in events:
        if action not in heads:
            heads[action] = f'{{"action":{_dump(action)},{fixed}'
        if object_type not in types:
            types[object_type] = _dump(object_type)
        object_id = str(object_id)
        text = (f'{heads[action]}"body_prev_hash":"{body_prev if body is not None else ""}",'
                f'"details":{encode_basestring(details)},"object_id":{encode_basestring(object_id)},'
                f'"object_type":{types[object_type]},"prev_hash":"{prev}"{who}')
        digest = hashlib.sha256(text.encode()).hexdigest()
        rows.append((stored_at, user_id, username, body_id, action, object_type, object_id,
                     details, prev, body_prev if body is not None else "", digest))
        prev = digest
        if body is not None:
            body_prev = digest
    prepared = Rows(AuditEvent, [])
    prepared.fields = [AuditEvent._meta.fields[name] for name in EVENT_COLUMNS]
    prepared.values = rows
    insert_rows(prepared)


# The columns record_many() fills, in the order of its rows (all of AuditEvent but the id).
EVENT_COLUMNS = ("at", "user", "username", "body", "action", "object_type", "object_id", "details",
                 "prev_hash", "body_prev_hash", "hash")


def _dump(value):
    return json.dumps(value, ensure_ascii=False)


def details_json(details):
    """An event's details as record() stores them."""
    return json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)


def verify_chain(events):
    """Check hashes and links of `events`, oldest first: (count checked, first broken or None)."""
    count, prev = 0, GENESIS
    for event in events:
        count += 1
        if event.prev_hash != prev or compute_hash(event) != event.hash:
            return count, event
        prev = event.hash
    return count, None


def verify_database():
    """Verify the whole chain stored in the database."""
    return verify_chain(AuditEvent.select().order_by(AuditEvent.id).iterator())


def body_events(body):
    """The body's events, oldest first, as they are exported."""
    return list(AuditEvent.select().where(AuditEvent.body == body).order_by(AuditEvent.id))


def as_export_dict(event):
    """One event as a JSON-ready dict that carries everything needed to re-check its hash."""
    return {"id": event.id, "at": event.at.isoformat(timespec="microseconds"),
            "user_id": event.user_id, "username": event.username, "body_id": event.body_id,
            "action": event.action, "object_type": event.object_type,
            "object_id": event.object_id, "details": event.details,
            "prev_hash": event.prev_hash, "body_prev_hash": event.body_prev_hash,
            "hash": event.hash}
