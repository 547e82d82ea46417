"""API tokens: made, shown once, kept only as a digest, revoked; and the per-token rate limit."""
import hashlib
import secrets

from flask_babel import gettext as _

from capture import audit
from capture.db import db
from capture.models import ApiToken, User
from capture.clock import utc_now
from capture.forms import InvalidInput, has_control_characters

from . import rates

PREFIX = "cap_"
SCOPES = ("read", "read write")


def digest(raw):
    """The stored form of a token: its SHA-256 (the token itself is random, so no salt is needed)."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create(user, label, scopes):
    """Make a token for `user`; return (ApiToken, the raw token to show once)."""
    label = (label or "").strip()
    errors = {}
    if not label or len(label) > 100 or has_control_characters(label):
        errors["label"] = [_("请为令牌起一个名称（最多 100 字），写明由哪个系统使用，例如“行政审批系统归档接口”。")]
    if scopes not in SCOPES:
        errors["scopes"] = [_("请选择权限范围：只读，或读写。")]
    if errors:
        raise InvalidInput(errors)
    raw = PREFIX + secrets.token_urlsafe(32)
    with db.atomic():
        token = ApiToken.create(user=user, label=label, token_hash=digest(raw), scopes=scopes)
        audit.record("api_token.create", token, {"label": label, "scopes": scopes}, user=user)
    return token, raw


def tokens_of(user):
    """The user's API tokens, newest first (revoked ones too, marked)."""
    return list(ApiToken.select().where(ApiToken.user == user, ApiToken.purpose == "api")
                .order_by(ApiToken.revoked_at.is_null(False), ApiToken.id.desc()))


def revoke(user, token_id):
    """Revoke one of the user's tokens; None when the user has no such token."""
    token = ApiToken.get_or_none(ApiToken.id == token_id, ApiToken.user == user,
                                 ApiToken.purpose == "api")
    if token is None:
        return None
    if token.revoked_at is None:
        with db.atomic():
            token.revoked_at = utc_now()
            token.save()
            audit.record("api_token.revoke", token, {"label": token.label}, user=user)
    return token


def authenticate(raw):
    """The live API token named by `raw`, with its active user joined; None otherwise."""
    if not raw or len(raw) > 200:
        return None
    return (ApiToken.select(ApiToken, User).join(User)
            .where(ApiToken.token_hash == digest(raw), ApiToken.purpose == "api",
                   ApiToken.revoked_at.is_null(), User.active == True)  # noqa: E712 (SQL)
            .first())


def may_write(token):
    """True when the token carries the write scope."""
    return "write" in token.scopes.split()


def count_request(token, limit, at=None):
    """Count a request in the token's current minute; return seconds to wait when over `limit`.

    Each worker takes small blocks of the token's minute from the shared count before spending
    them (rates.RateCounter), so that the limit holds across every worker and server.
    """
    return rates.COUNTER.count(token, limit, at)


def flush_counts():
    """Add this process's request counts to the database when a batch is due (never waits)."""
    if not rates.COUNTER.due():
        return
    # Called after the response, when the request's connection has gone back to the pool.
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        rates.COUNTER.flush()
    finally:
        if opened:
            db.close()
