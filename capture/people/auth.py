"""Logging in, roles, and can(): the one permission function every view calls."""
from functools import wraps

from flask import abort, current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from peewee import JOIN
from werkzeug.security import check_password_hash, generate_password_hash

from capture import models, prepared
from capture.db import adapter
from capture.models import Body, Document, Membership, Transfer, User, UserSession
from capture.prepared import Slot

from . import sessions

login_manager = LoginManager()
login_manager.login_view = "people.login"
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
    # Taking what the body's playbook gained since into the body; proposing what the body
    # learned (once its life has ended) into a new version of the playbook.
    "playbook.adopt": {"admin", "liaison"},
    "playbook.learn": {"admin", "liaison"},
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
    "playbook.view": {"admin", "liaison", "transfer_officer"},
    # New versions: administrators, and liaisons where an administrator allows (versions.may_edit).
    "playbook.edit": {"admin", "liaison"},
    # New kinds of body, and which playbooks liaisons may edit.
    "playbook.manage": {"admin"},
}
# Actions still allowed once a body's records are transferred and it is read-only: late items
# are still registered (and corrected until exported) for the supplementary transfer, which the
# transfer officer exports only while such items wait (see _has_untransferred).
READ_ONLY_ALLOWED = {"body.view", "body.audit", "checkin.view", "transfer.receive",
                     "document.register", "document.edit", "document.withdraw", "transfer.run",
                     "playbook.learn"}
# Actions that end when a body starts dissolving (its classification and scope are then fixed).
ACTIVE_ONLY = {"category.edit", "scope.edit", "playbook.adopt"}


# Roles that see every body by their account role alone, whatever memberships they hold.
ALL_BODIES = ("admin", "transfer_officer")
# In a body the member roles form a chain: a liaison may do all a secretary may, a secretary all
# a viewer may (test_member_roles_form_a_chain holds BODY_ACTIONS to it), so "the lesser of two
# roles" is well defined.
MEMBER_RANK = {"viewer": 0, "secretary": 1, "liaison": 2}


def effective_role(account_role, member_role):
    """The role a member acts with in a body: the lesser of the membership and the account role.

    The account role is read afresh at every request, so a demotion takes effect on the next one.
    """
    if account_role in ALL_BODIES:
        return account_role
    if member_role is None or account_role not in MEMBER_RANK:
        return None
    return member_role if MEMBER_RANK[member_role] <= MEMBER_RANK[account_role] else account_role


def acting_as(*roles):
    """A condition on Membership joined to User: the member acts in the body as one of `roles`."""
    condition = None
    for role in roles:
        above = [r for r, rank in MEMBER_RANK.items() if rank > MEMBER_RANK[role]]
        match = (((Membership.role == role) & User.role.in_([role] + above))
                 | (Membership.role.in_(above) & (User.role == role)))
        condition = match if condition is None else condition | match
    return condition


def acts_as(member):
    """The role a membership (its user joined) acts with now; None while the account is off."""
    return effective_role(member.user.role, member.role) if member.user.active else None


def memberships_of(user):
    """The user's memberships, each with its body, by body code."""
    found = list(Membership.select(Membership, Body).join(Body)
                 .where(Membership.user == user.id).order_by(Body.code))
    for member in found:
        member.user = user
    return found


def memberships_beyond(user):
    """[(membership, the role it acts with)] of the user's memberships not acting as their role."""
    return [(member, acts_as(member)) for member in memberships_of(user)
            if acts_as(member) != member.role]


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
    if user.role in ALL_BODIES:
        return user.role
    # A page asks for every tab and button; one membership query per request is enough.
    cache = _roles()
    key = (user.id, body.id)
    if key not in cache:
        member = (Membership.select(Membership.role)
                  .where(Membership.user == user.id, Membership.body == body.id).first())
        cache[key] = member.role if member else None
    return effective_role(user.role, cache[key])


def _roles():
    """{(user id, body id): membership role in body} known in this request."""
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
    if user.role in ALL_BODIES:
        return query
    return query.join(Membership).where(Membership.user == user.id)


def user():
    """The logged-in user as its User row (not Flask-Login's proxy), to store or pass on."""
    return current_user._get_current_object()


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
    """Load the user named in the session, while the session is live and the user active."""
    user_id, _, key = session_id.partition(":")
    if not user_id.isdigit() or not key:
        return None
    user = prepared.first(User, "auth.user_by_session", _user_by_session, id=int(user_id),
                          digest=sessions.digest(key),
                          since=adapter()(sessions.since(current_app.config["SESSION_DAYS"])))
    if user is None or not user.active:
        return None
    user.session_key = key
    return user


def _user_by_session():
    return (User.select(User).join(UserSession, on=(UserSession.user == User.id))
            .where(User.id == Slot("id"), UserSession.key_hash == Slot("digest"),
                   UserSession.ended_at.is_null(), UserSession.created_at >= Slot("since")))


# Hashed once per method, so that an unknown username costs what a known one does.
_dummy_hashes = {}


def _dummy_hash():
    method = models.PASSWORD_METHOD
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("no such user", method=method)
    return _dummy_hashes[method]


def authenticate(username, password):
    """The active user with these credentials, or None.

    The password is hashed whether or not the username exists (against a dummy hash made the
    same way), so that neither the work nor the time of the answer tells which usernames exist.
    """
    user = User.get_or_none(User.username == username)
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is None or not matches or not user.active:
        return None
    return user
