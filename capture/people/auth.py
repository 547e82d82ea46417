"""Logging in, roles, and can(): the one permission function every view calls."""
import datetime as dt
from functools import wraps

from flask import abort, g, has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from peewee import JOIN

from capture import prepared
from capture.models import Body, Document, LoginFailure, Membership, Transfer, User, now
from capture.prepared import Slot

login_manager = LoginManager()
login_manager.login_view = "account.login"
login_manager.session_protection = "basic"
# Flask-Login's own message is English whatever the page's language; ours is translated.
login_manager.login_message = _l("请先登录。")
login_manager.login_message_category = "info"

EVERYONE = {"admin", "liaison", "secretary", "transfer_officer", "viewer"}

# Body actions: which effective role (see role_in) may do what. A new action must be added
# here, so that permissions are decided in one table, not scattered through the views.
BODY_ACTIONS = {
    "body.view": EVERYONE,
    "body.edit": {"admin", "liaison"},
    "body.members": {"admin", "liaison"},
    # Whoever may read the body's documents may read what happened to them.
    "body.audit": EVERYONE,
    "category.edit": {"admin", "liaison"},
    "scope.edit": {"admin", "liaison"},
    "document.register": {"secretary", "liaison"},
    "document.edit": {"secretary", "liaison"},
    "document.withdraw": {"secretary", "liaison"},
    "checkin.view": {"admin", "liaison", "secretary", "transfer_officer"},
    "checkin.manage": {"admin", "liaison"},
    "followup.tick": {"secretary", "liaison"},
    "chronicle.edit": {"secretary", "liaison", "transfer_officer"},
    "body.dissolve": {"admin", "liaison", "transfer_officer"},
    "transfer.run": {"admin", "transfer_officer"},
    "transfer.receive": {"admin", "transfer_officer"},
}
# Actions that concern no single body.
GLOBAL_ACTIONS = {
    "users.manage": {"admin"},
    "body.create": {"admin", "liaison"},
    "stats.view": {"admin", "liaison", "transfer_officer"},
    "calendar.subscribe": {"admin", "liaison"},
    "audit.global": {"admin"},
    "package.verify": {"admin", "transfer_officer"},
    "fixity.run": {"admin"},
}
# Actions still allowed once a body's records are transferred and it is read-only: late items
# are still registered (and corrected until exported) for the supplementary transfer, which the
# transfer officer exports only while such items wait (see _has_untransferred).
READ_ONLY_ALLOWED = {"body.view", "body.audit", "checkin.view", "transfer.receive",
                     "document.register", "document.edit", "document.withdraw", "transfer.run"}
# Actions that end when a body starts dissolving (its classification and scope are then fixed).
ACTIVE_ONLY = {"category.edit", "scope.edit"}


# Body actions that take files; whoever may do none of them (nor verify a package) never gets
# a body larger than a form read (capture/uploads.py).
UPLOAD_ACTIONS = ("document.register", "document.edit")


def may_upload(user):
    """True when `user` may send files: to documents of a body of theirs, or a package to verify."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if can(user, "package.verify"):
        return True
    roles = set().union(*(BODY_ACTIONS[action] for action in UPLOAD_ACTIONS))
    # Both the person's role and their role in the body must allow it (a demoted member no longer may).
    return user.role in roles and (Membership.select()
                                   .where(Membership.user == user.id, Membership.role.in_(roles))
                                   .exists())


def body_sender():
    """(id of the user sending this request or None, a function: may they upload?), for the
    request's body limit; an API request is sent by its token's user."""
    token = g.get("api_token")
    user = token.user if token is not None else current_user
    if user is None or not user.is_authenticated:
        return None, lambda: False
    return user.id, lambda: may_upload(user)


def role_in(user, body):
    """The user's effective role for a body, or None when the body is hidden from them."""
    if user is None or not user.is_authenticated:
        return None
    if user.role in ("admin", "transfer_officer"):
        return user.role
    # A page asks for every tab and button; one membership query per request is enough.
    cache = _roles()
    key = (user.id, body.id)
    if key not in cache:
        member = (Membership.select(Membership.role)
                  .where(Membership.user == user.id, Membership.body == body.id).first())
        cache[key] = member.role if member else None
    return cache[key]


def _roles():
    """{(user id, body id): role in body} known in this request."""
    return g.setdefault("roles", {}) if has_request_context() else {}


def can(user, action, body=None):
    """True when `user` may do `action` (on `body`, for body actions)."""
    if action in GLOBAL_ACTIONS:
        return bool(user and user.is_authenticated and user.role in GLOBAL_ACTIONS[action])
    allowed = BODY_ACTIONS[action]  # KeyError: an action nobody decided on
    if body is None:
        return False
    if body.is_read_only and action not in READ_ONLY_ALLOWED:
        return False
    if body.is_read_only and action == "transfer.run" and not _has_untransferred(body):
        return False
    if body.status != "active" and action in ACTIVE_ONLY:
        return False
    return role_in(user, body) in allowed


def _has_untransferred(body):
    """True when items of a transferred body wait for the supplementary transfer."""
    cache = g.setdefault("untransferred", {}) if has_request_context() else {}
    if body.id not in cache:
        exported = Transfer.select().where(Transfer.body == body.id,
                                           Transfer.status.in_(("exported", "received")))
        cache[body.id] = exported.exists() and Document.select().where(
            Document.body == body.id, Document.transferred_in.is_null()).exists()
    return cache[body.id]


def visible_bodies(user):
    """A query of the bodies the user may see."""
    query = Body.select().order_by(Body.status != "active", Body.code)
    if user.role in ("admin", "transfer_officer"):
        return query
    return query.join(Membership).where(Membership.user == user.id)


def body_or_404(body_id, action="body.view", user=None):
    """The body, if the user (default: the logged-in one) may see it (404) and do `action` (403)."""
    user = user if user is not None else current_user
    if user is None or not user.is_authenticated:
        abort(404)
    # Every body page starts here: the body and the user's membership come in one prepared query.
    body = prepared.first(Body, "auth.body_with_membership", _body_with_membership,
                          body=body_id, user=user.id)
    if body is not None:
        _roles()[(user.id, body.id)] = body.member_role
    if body is None or role_in(user, body) is None:
        abort(404)
    if not can(user, action, body):
        abort(403)
    return body


def _body_with_membership():
    return (Body.select(Body, Membership.role.alias("member_role"))
            .join(Membership, JOIN.LEFT_OUTER,
                  on=((Membership.body == Body.id) & (Membership.user == Slot("user"))))
            .where(Body.id == Slot("body")))


def _user_by_id():
    return User.select().where(User.id == Slot("id"))


def require(action):
    """Decorator for global actions: 403 unless the current user may do `action`."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


@login_manager.user_loader
def load_user(session_id):
    """Load the user named in the session, if the session is still current."""
    user_id, _, version = session_id.partition(":")
    user = (prepared.first(User, "auth.user_by_id", _user_by_id, id=int(user_id))
            if user_id.isdigit() else None)
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


def is_locked_out(username, max_failures, lock_minutes):
    """True while a username has failed too often within the lock period."""
    failure = LoginFailure.get_or_none(LoginFailure.username == username)
    if failure is None or failure.count < max_failures:
        return False
    return now() - failure.last_at < dt.timedelta(minutes=lock_minutes)


def note_failure(username, lock_minutes):
    """Count one failed login for `username` (a stale count starts again)."""
    failure, _ = LoginFailure.get_or_create(username=username)
    if now() - failure.last_at >= dt.timedelta(minutes=lock_minutes):
        failure.count = 0
    failure.count += 1
    failure.last_at = now()
    failure.save()


def clear_failures(username):
    """Forget failed logins after a successful one."""
    LoginFailure.delete().where(LoginFailure.username == username).execute()


def authenticate(username, password):
    """The active user with these credentials, or None."""
    user = User.get_or_none(User.username == username)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
