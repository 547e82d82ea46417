"""The people pages: logging in and out, one's password and language, the administrator's
accounts, and one's API tokens."""
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from capture import audit, labels
from capture.db import db
from capture.forms import InvalidInput, local_path
from capture.i18n import LANGUAGES
from capture.models import User

from . import auth, sessions, throttle, tokens
from .auth import require
from .forms import LoginForm, PasswordForm, RevokeForm, TokenForm, UserForm

bp = Blueprint("people", __name__)


def _safe_next(target):
    """Only paths on this site are followed after login."""
    return local_path(target) or url_for("records.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("records.home"))
    form = LoginForm()
    if form.validate_on_submit():
        username, address = form.username.data.strip(), request.remote_addr or ""
        cfg = current_app.config
        wait = throttle.wait_seconds(username, address, cfg)
        if wait:
            audit.record("login.throttled", details={"username": username, "address": address,
                                                     "seconds": wait})
            flash(_("登录尝试过于频繁，请 %(s)s 秒后再试。", s=wait), "error")
            return render_template("account/login.html", form=form), 429, {"Retry-After": str(wait)}
        user = auth.authenticate(username, form.password.data)
        if user is None:
            with db.atomic():
                delays = throttle.note_failure(username, address, cfg)
                audit.record("login.failed", details={"username": username, "address": address})
                for scope, failures, seconds in delays:
                    audit.record("login.locked", details={
                        "username": username, "address": address, "scope": scope,
                        "failures": failures, "seconds": seconds})
            flash(_("用户名或密码不正确。"), "error")
            return render_template("account/login.html", form=form), 401
        with db.atomic():
            throttle.clear_account(username, address, cfg)
            sessions.start(user, cfg["SESSION_DAYS"], address, request.user_agent.string)
            audit.record("login", user, {"address": address}, user=user)
        login_user(user)
        session["language"] = user.language
        return redirect(_safe_next(request.args.get("next")))
    return render_template("account/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out: the session ends on the server too, so a copy of its cookie opens nothing."""
    user = auth.user()
    with db.atomic():
        sessions.end(user.session_key, "logout")
        audit.record("logout", user, user=user)
    language = str(get_locale())
    logout_user()
    session.clear()
    session["language"] = language  # the login page that follows speaks the reader's language
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("people.login"))


@bp.route("/account/sessions", methods=["GET", "POST"])
@login_required
def own_sessions():
    """The user's live sessions; ending them all logs this browser out as well."""
    user = auth.user()
    if request.method == "POST":
        with db.atomic():
            count = sessions.end_all(user, "all")
            audit.record("sessions.end", user, {"count": count, "by": "self"}, user=user)
        logout_user()
        session.clear()
        flash(_("已结束您的全部 %(n)s 个登录会话，请重新登录。", n=count), "info")
        return redirect(url_for("people.login"))
    return render_template("account/sessions.html", user=user,
                           live=sessions.live(user, current_app.config["SESSION_DAYS"]),
                           is_current=sessions.is_current)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password; every other session of the user ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = auth.user()
        if not user.check_password(form.current.data):
            form.current.errors.append(_("当前密码不正确"))
        else:
            with db.atomic():
                user.set_password(form.new.data)
                user.save()
                ended = sessions.end_all(user, "password", keep=user.session_key)
                audit.record("password.change", user, {"sessions_ended": ended}, user=user)
            flash(_("密码已修改，您在其他设备上的登录已失效。"), "success")
            return redirect(url_for("records.home"))
    return render_template("account/password.html", form=form)


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language (中文 / English)."""
    choice = request.form.get("language", "")
    if choice in LANGUAGES:
        session["language"] = choice
        if current_user.is_authenticated and current_user.language != choice:
            user = auth.user()
            with db.atomic():
                User.update(language=choice).where(User.id == user.id).execute()
                audit.record("user.language", user, {"language": [user.language, choice]}, user=user)
            user.language = choice
    return redirect(_safe_next(request.form.get("next")))


def _save(form, user):
    changes = {}
    for field in ("username", "display_name", "email", "role", "language", "active"):
        value = getattr(form, field).data
        if field in ("username", "display_name", "email"):
            value = (value or "").strip()
        if getattr(user, field, None) != value:
            changes[field] = [getattr(user, field, None), value]
            setattr(user, field, value)
    if form.password.data:
        user.set_password(form.password.data)
        changes["password"] = "changed"
    return changes


@bp.route("/admin/users")
@login_required
@require("users.manage")
def users():
    """List all accounts."""
    return render_template("admin/users.html", users=User.select().order_by(User.role, User.username))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
@require("users.manage")
def create_user():
    """Create an account with a role."""
    form = UserForm()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("新用户需要设置初始密码"))
        elif User.get_or_none(User.username == form.username.data.strip()):
            form.username.errors.append(_("该用户名已被使用"))
        else:
            user = User(password_hash="")
            with db.atomic():
                changes = _save(form, user)
                user.save()
                audit.record("user.create", user, {k: v for k, v in changes.items() if k != "password"},
                             user=auth.user())
            flash(_("已创建用户 %(name)s。", name=user.display_name), "success")
            return redirect(url_for(".users"))
    return render_template("admin/user_form.html", form=form, user=None)


def _beyond_details(user):
    """The memberships a role or status change left without their role, for the audit trail."""
    return [{"body": member.body.code, "role": member.role, "acts_as": acting}
            for member, acting in auth.memberships_beyond(user)]


def _warn_beyond(user, beyond):
    """Tell the administrator which memberships no longer act with their role."""
    if not beyond:
        return
    parts = [_("%(body)s（登记为“%(member)s”，现按“%(acts)s”）", body=item["body"],
               member=labels.MEMBER_ROLE[item["role"]], acts=labels.ROLE[item["acts_as"]])
             if item["acts_as"] else
             _("%(body)s（登记为“%(member)s”，现无任何权限）", body=item["body"],
               member=labels.MEMBER_ROLE[item["role"]])
             for item in beyond]
    flash(_("%(name)s 在以下机构的成员身份已不按原角色生效：%(list)s。如不再需要，请在机构的成员页移除。",
            name=user.display_name, list=_("；").join(parts)), "warning")


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@login_required
@require("users.manage")
def edit_user(user_id):
    """Edit an account: name, role, language, active, password reset."""
    user = User.get_or_none(User.id == user_id) or abort(404)
    form = UserForm(obj=user)
    if form.validate_on_submit():
        clash = User.get_or_none(User.username == form.username.data.strip(), User.id != user.id)
        if clash:
            form.username.errors.append(_("该用户名已被使用"))
        elif user.id == current_user.id and (not form.active.data or form.role.data != "admin"):
            flash(_("不能停用自己或取消自己的管理员角色，请由另一位管理员操作。"), "error")
        else:
            beyond = []
            with db.atomic():
                changes = _save(form, user)
                user.save()
                if "active" in changes or "password" in changes:
                    # A deactivated user, or one whose password was reset, is logged out everywhere.
                    why = "password" if "password" in changes else "deactivated"
                    changes["sessions_ended"] = sessions.end_all(user, why)
                if "role" in changes or "active" in changes:
                    beyond = _beyond_details(user)
                    if beyond:
                        changes["memberships_beyond_role"] = beyond
                audit.record("user.edit", user, changes, user=auth.user())
            flash(_("已保存用户 %(name)s。", name=user.display_name), "success")
            _warn_beyond(user, beyond)
            return redirect(url_for(".users"))
    return _user_page(form, user)


@bp.route("/admin/users/<int:user_id>/sessions", methods=["POST"])
@login_required
@require("users.manage")
def end_sessions(user_id):
    """End every session of a user: each of their browsers gets the login page next."""
    user = User.get_or_none(User.id == user_id) or abort(404)
    admin = auth.user()
    with db.atomic():
        count = sessions.end_all(user, "admin", keep=admin.session_key if user.id == admin.id else None)
        audit.record("sessions.end", user, {"count": count, "by": admin.username}, user=admin)
    flash(_("已结束 %(name)s 的 %(n)s 个登录会话。", name=user.display_name, n=count), "success")
    return redirect(url_for(".edit_user", user_id=user.id))


def _user_page(form, user):
    return render_template("admin/user_form.html", form=form, user=user,
                           memberships=auth.memberships_of(user),
                           live=sessions.live(user, current_app.config["SESSION_DAYS"]))


@bp.route("/account/tokens", methods=["GET", "POST"], endpoint="tokens")
@login_required
def tokens_page():
    """The user's tokens and the form to create one; a new token is shown on this page once."""
    form, created = TokenForm(), None
    status = 200
    if form.validate_on_submit():
        try:
            token, raw = tokens.create(auth.user(), form.label.data, form.scopes.data)
        except InvalidInput as error:
            for name, messages in error.field_errors.items():
                getattr(form, name).errors = list(messages)
            status = 422
        else:
            created = (token, raw)
            form = TokenForm(formdata=None)
    elif form.is_submitted():
        status = 400
    response = render_template("api_tokens/index.html", form=form, created=created,
                               tokens=tokens.tokens_of(auth.user()), revoke_form=RevokeForm())
    # The new token is in this page and nowhere else: no cache may keep it.
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/account/tokens/revoke", methods=["POST"])
@login_required
def revoke_token():
    """Revoke one of the user's tokens; requests with it are refused from now on."""
    form = RevokeForm()
    token_id = request.form.get("token_id", "")
    if not form.validate_on_submit() or not (token_id.isascii() and token_id.isdigit()) \
            or len(token_id) > 18:
        abort(400)
    token = tokens.revoke(auth.user(), int(token_id))
    if token is None:
        abort(404)
    flash(_("已撤销令牌“%(label)s”，使用它的请求将被拒绝。", label=token.label), "success")
    return redirect(url_for(".tokens"))
