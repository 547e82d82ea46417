"""Browser sessions kept on the server: started at login, ended at logout, by the user or an admin.

The signed session cookie names a random key; the server keeps only its SHA-256. A session is
live while its row has no end, so ending it here ends it on the very next request, in every
worker, even for a copy of the cookie taken before.
"""
import datetime as dt
import hashlib
import secrets

from capture.clock import utc_now
from capture.models import UserSession


def digest(key):
    """The stored form of a session key."""
    return hashlib.sha256(key.encode()).hexdigest()


def since(days, at=None):
    """The earliest start of a session still live when sessions last `days` days."""
    return (at or utc_now()) - dt.timedelta(days=days)


def start(user, days, address="", agent=""):
    """Open a session for `user`; return its key (set on the user for the cookie)."""
    # The user's ended and expired sessions are of no more use (the audit trail keeps the logins).
    UserSession.delete().where(UserSession.user == user.id, UserSession.ended_at.is_null(False)
                               | (UserSession.created_at < since(days))).execute()
    key = secrets.token_urlsafe(32)
    UserSession.create(user=user, key_hash=digest(key), address=(address or "")[:64],
                       agent=(agent or "")[:200])
    user.session_key = key
    return key


def end(key, why="logout"):
    """End the session named by `key`; True when it was live."""
    return bool(UserSession.update(ended_at=utc_now(), ended_why=why)
                .where(UserSession.key_hash == digest(key), UserSession.ended_at.is_null())
                .execute())


def end_all(user, why, keep=None):
    """End every live session of `user` (but the one whose key is `keep`); return how many."""
    query = UserSession.update(ended_at=utc_now(), ended_why=why).where(
        UserSession.user == user.id, UserSession.ended_at.is_null())
    if keep:
        query = query.where(UserSession.key_hash != digest(keep))
    return query.execute()


def live(user, days):
    """The user's live sessions, newest first."""
    return list(UserSession.select()
                .where(UserSession.user == user.id, UserSession.ended_at.is_null(),
                       UserSession.created_at >= since(days))
                .order_by(UserSession.id.desc()))


def is_current(session, user):
    """True when `session` is the one `user` was loaded with in this request."""
    return bool(user.session_key) and session.key_hash == digest(user.session_key)
