"""The people pages: logging in and out, one's password and language, the administrator's
accounts, and one's API tokens."""
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from capture import audit
from capture.db import db
from capture.forms import InvalidInput
from capture.i18n import LANGUAGES
from capture.models import User

from . import auth, tokens
from .auth import require
from .forms import LoginForm, PasswordForm, RevokeForm, TokenForm, UserForm

bp = Blueprint("people", __name__)


def _safe_next(target):
    """Only same-site relative paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("records.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("records.home"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        cfg = current_app.config
        if auth.is_locked_out(username, cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_LOCK_MINUTES"]):
            flash(_("登录失败次数过多，请 %(m)s 分钟后再试，或请管理员协助。",
                    m=cfg["LOGIN_LOCK_MINUTES"]), "error")
            return render_template("account/login.html", form=form), 429
        user = auth.authenticate(username, form.password.data)
        if user is None:
            with db.atomic():
                auth.note_failure(username, cfg["LOGIN_LOCK_MINUTES"])
                audit.record("login.failed", details={"username": username})
            flash(_("用户名或密码不正确。"), "error")
            return render_template("account/login.html", form=form), 401
        auth.clear_failures(username)
        login_user(user)
        session["language"] = user.language
        audit.record("login", user, user=user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("account/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out and forget the session."""
    audit.record("logout", auth.user(), user=auth.user())
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("people.login"))


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
                audit.record("password.change", user, user=user)
            login_user(user)  # this session carries the new version; the others end
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
            with db.atomic():
                changes = _save(form, user)
                if "active" in changes:
                    user.session_version += 1  # a deactivated user is logged out everywhere
                user.save()
                audit.record("user.edit", user, changes, user=auth.user())
            flash(_("已保存用户 %(name)s。", name=user.display_name), "success")
            return redirect(url_for(".users"))
    return render_template("admin/user_form.html", form=form, user=user)


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
