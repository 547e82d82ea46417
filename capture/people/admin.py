"""Administrators manage user accounts."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from capture import audit, labels
from capture.db import db
from capture.models import User
from capture.forms import PlainText

from . import auth, sessions
from .auth import require

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[
        PlainText(), DataRequired(_l("请输入用户名")), Length(max=64),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("用户名只能包含字母、数字、点、下划线和连字符"))])
    display_name = StringField(_l("姓名"), validators=[
        PlainText(), DataRequired(_l("请输入姓名")), Length(max=100)])
    email = EmailField(_l("电子邮箱"), validators=[
        PlainText(), Optional(), Email(_l("电子邮箱格式不正确")), Length(max=200)])
    # No default: a new account's role is chosen, never 管理员 by accident.
    role = SelectField(_l("角色"), validators=[DataRequired(_l("请选择角色"))],
                       choices=[("", _l("请选择角色……"))] + labels.choices(labels.ROLE))
    language = SelectField(_l("界面语言"), choices=[("zh_Hans", "中文"), ("en", "English")])
    active = BooleanField(_l("启用"), default=True)
    password = PasswordField(_l("密码"), validators=[
        Optional(), Length(min=10, max=128, message=_l("密码至少 10 个字符"))])


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


@bp.route("/users")
@login_required
@require("users.manage")
def users():
    """List all accounts."""
    return render_template("admin/users.html", users=User.select().order_by(User.role, User.username))


@bp.route("/users/new", methods=["GET", "POST"])
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


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
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


@bp.route("/users/<int:user_id>/sessions", methods=["POST"])
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
