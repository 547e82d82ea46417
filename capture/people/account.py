"""Log in, log out, own password and language."""
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from capture import audit
from capture.db import db
from capture.i18n import LANGUAGES
from capture.models import User
from capture.forms import PlainText

from . import auth

bp = Blueprint("account", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[
        PlainText(), DataRequired(_l("请输入用户名")), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码"))])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码"))])
    new = PasswordField(_l("新密码"), validators=[
        DataRequired(_l("请输入新密码")), Length(min=10, max=128, message=_l("新密码至少 10 个字符"))])
    confirm = PasswordField(_l("再次输入新密码"), validators=[
        EqualTo("new", message=_l("两次输入的新密码不一致"))])


def _safe_next(target):
    """Only same-site relative paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("bodies.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("bodies.home"))
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
    audit.record("logout", current_user._get_current_object(), user=current_user._get_current_object())
    language = str(get_locale())
    logout_user()
    session.clear()
    session["language"] = language  # the login page that follows speaks the reader's language
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("account.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's own password; every other session of the user ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.current.data):
            form.current.errors.append(_("当前密码不正确"))
        else:
            with db.atomic():
                user.set_password(form.new.data)
                user.save()
                audit.record("password.change", user, user=user)
            login_user(user)  # this session carries the new version; the others end
            flash(_("密码已修改，您在其他设备上的登录已失效。"), "success")
            return redirect(url_for("bodies.home"))
    return render_template("account/password.html", form=form)


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language (中文 / English)."""
    choice = request.form.get("language", "")
    if choice in LANGUAGES:
        session["language"] = choice
        if current_user.is_authenticated:
            current_user.language = choice
            User.update(language=choice).where(User.id == current_user.id).execute()
    return redirect(_safe_next(request.form.get("next")))
