"""Log in, log out, own password and language."""
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from capture import audit
from capture.db import db
from capture.i18n import LANGUAGES
from capture.models import User
from capture.forms import PlainText

from . import auth, sessions, throttle

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
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("account.login"))


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
        return redirect(url_for("account.login"))
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
            return redirect(url_for("bodies.home"))
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
