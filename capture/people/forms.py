"""The forms of the people pages: logging in, one's password, accounts, API tokens."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from capture import labels
from capture.forms import PlainText


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


class TokenForm(FlaskForm):
    """Name a new token and choose what it may do."""
    label = StringField(_l("令牌名称"), description=_l("写明由哪个系统使用，例如“行政审批系统归档接口”"))
    scopes = SelectField(_l("权限范围"), default="read", validate_choice=False,
                         choices=[("read", _l("只读：查询文件、指导记录和移交状态")),
                                  ("read write", _l("读写：还能登记文件、添加电子文件"))])


class RevokeForm(FlaskForm):
    """Revoke a token (its id is a hidden field)."""
