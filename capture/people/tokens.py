"""API tokens: made, shown once, kept only as a digest, revoked; and the per-token rate limit."""
import datetime as dt
import hashlib
import secrets

from flask_babel import gettext as _

from capture import audit
from capture.db import db
from capture.models import ApiToken, ApiUsage, User, now
from capture.text import RegistrationError, has_control_characters

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
        raise RegistrationError(errors)
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
            token.revoked_at = now()
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

    The count lives in the database, so the limit holds across every gunicorn worker and app
    server. The first request of a minute also notes the token's last use and drops its old
    counts, so a busy token costs one small write per request and nothing more.
    """
    at = at or now()
    window = at.replace(second=0, microsecond=0)
    with db.atomic():
        (ApiUsage.insert(token=token, window=window, count=1)
         .on_conflict(conflict_target=[ApiUsage.token, ApiUsage.window],
                      update={ApiUsage.count: ApiUsage.count + 1})
         .execute())
        count = (ApiUsage.select(ApiUsage.count)
                 .where(ApiUsage.token == token, ApiUsage.window == window).scalar())
        if count == 1:
            ApiUsage.delete().where(ApiUsage.token == token, ApiUsage.window < window).execute()
            ApiToken.update(last_used_at=at).where(ApiToken.id == token.id).execute()
    if count <= limit:
        return 0
    return max(1, int((window + dt.timedelta(minutes=1) - at).total_seconds() + 0.999))
