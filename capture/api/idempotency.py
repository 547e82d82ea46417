"""Idempotency-Key for POST requests (IETF httpapi draft): a retried request gets the first answer.

The key is claimed in its own committed row before the work starts, so a second worker that
receives the same key at the same moment sees it taken (409) instead of doing the work twice.
"""
import datetime as dt

from flask import Response
from flask_babel import gettext as _
from peewee import IntegrityError

from capture.db import db
from capture.models import IdempotencyKey
from capture.clock import utc_now

from .problems import Problem

KEEP = dt.timedelta(hours=24)
# A claim this old without an answer was left by a worker that died: it may be taken over.
ABANDONED = dt.timedelta(minutes=10)


def begin(user, key, fingerprint):
    """Claim `key` for this request; return the stored record to replay, or None to go ahead."""
    IdempotencyKey.delete().where(IdempotencyKey.user == user,
                                  IdempotencyKey.created_at < utc_now() - KEEP).execute()
    try:
        with db.atomic():
            IdempotencyKey.create(user=user, key=key, fingerprint=fingerprint)
        return None
    except IntegrityError:
        pass
    record = IdempotencyKey.get(IdempotencyKey.user == user, IdempotencyKey.key == key)
    if record.fingerprint != fingerprint:
        raise Problem(422, _("这个 Idempotency-Key 已用于另一个不同的请求。重试时请原样重发；新的请求请使用新的键。"),
                      "idempotency-key-reused")
    if record.status is not None:
        return record
    taken_over = 0
    if utc_now() - record.created_at >= ABANDONED:
        taken_over = (IdempotencyKey.update(created_at=utc_now())
                      .where(IdempotencyKey.id == record.id, IdempotencyKey.status.is_null(),
                             IdempotencyKey.created_at == record.created_at).execute())
    if not taken_over:
        raise Problem(409, _("使用同一 Idempotency-Key 的请求正在处理中，请稍后重试。"),
                      "idempotency-key-in-use", headers={"Retry-After": "5"})
    return None


def finish(user, key, response):
    """Keep the answer a successful request got, to give it again to a retry."""
    (IdempotencyKey.update(status=response.status_code, response=response.get_data(as_text=True),
                           location=response.headers.get("Location", ""))
     .where(IdempotencyKey.user == user, IdempotencyKey.key == key).execute())


def release(user, key):
    """Forget the claim of a request that failed, so that a retry is carried out afresh."""
    IdempotencyKey.delete().where(IdempotencyKey.user == user, IdempotencyKey.key == key,
                                  IdempotencyKey.status.is_null()).execute()


def replay(record):
    """The stored answer, marked as a replay."""
    response = Response(record.response, status=record.status, mimetype="application/json")
    if record.location:
        response.headers["Location"] = record.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def run(user, key, fingerprint, produce):
    """Answer with `produce()` once per key; a retry with the same request gets the same answer."""
    if key is None:
        return produce()
    record = begin(user, key, fingerprint)
    if record is not None:
        return replay(record)
    try:
        response = produce()
    except BaseException:
        release(user, key)
        raise
    if 200 <= response.status_code < 300:
        finish(user, key, response)
    else:
        release(user, key)
    return response
