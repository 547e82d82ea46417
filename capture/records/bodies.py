"""Temporary bodies' pages: the list, creating and editing, members, and the body's audit trail
(the changes themselves are made by body_registry)."""
import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from capture import clock, labels
from capture.models import Body, Membership, User
from capture.people import auth
from capture.forms import PlainText

from . import body_registry, coverage, history, lifecycle

bp = Blueprint("bodies", __name__)

class BodyForm(FlaskForm):
    name = StringField(_l("机构名称"), validators=[
        PlainText(), DataRequired(_l("请输入机构名称")), Length(max=200)])
    code = StringField(_l("机构代码"), description=_l("2–10 位大写字母或数字，用于档号，如 YQFK"),
                       validators=[DataRequired(_l("请输入机构代码")),
                                   Regexp(r"^[A-Z0-9]{2,10}$", message=_l("机构代码应为 2–10 位大写字母或数字"))])
    fonds_code = StringField(_l("全宗号"), description=_l("4 位，一般使用上级机关的全宗号，如 J001"),
                             validators=[DataRequired(_l("请输入全宗号")),
                                         Regexp(r"^[A-Z0-9]{4}$", message=_l("全宗号应为 4 位大写字母或数字"))])
    lead_org = StringField(_l("牵头单位"), validators=[PlainText(), Length(max=200)])
    # No default: the kind seeds the categories, so it is chosen, not inherited from the first option.
    kind = SelectField(_l("机构类型"), validators=[DataRequired(_l("请选择机构类型，它决定默认的分类"))],
                       choices=[("", _l("请选择机构类型……"))] + labels.choices(labels.KIND))
    tier = SelectField(_l("指导级别"), choices=labels.choices(labels.TIER))
    cadence_days = IntegerField(_l("指导周期（天）"), validators=[
        Optional(), NumberRange(1, 365, message=_l("指导周期应在 1–365 天之间"))],
        description=_l("留空则按级别：重点 7 天，一般 30 天"))
    established_on = DateField(_l("成立日期"), validators=[DataRequired(_l("请输入有效的成立日期"))])
    expected_end = DateField(_l("预计撤销日期"), validators=[Optional()])
    custodian = StringField(_l("撤销后档案保管单位"), validators=[PlainText(), Length(max=200)])
    contact_person = StringField(_l("联系人"), validators=[PlainText(), Length(max=100)])
    default_responsible = StringField(_l("常用责任者"), validators=[PlainText(), Length(max=200)],
                                      description=_l("登记文件时默认填入的责任者"))

    def validate_expected_end(self, field):
        if field.data and self.established_on.data and field.data < self.established_on.data:
            raise ValidationError(_l("预计撤销日期不能早于成立日期"))


# A role in a body never exceeds the user's account role; admins and transfer officers
# see every body already and need no membership.
MEMBER_ROLES_FOR = {"secretary": ("secretary", "viewer"), "liaison": ("liaison", "viewer"),
                    "viewer": ("viewer",)}


class MemberForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[PlainText(), DataRequired(_l("请输入用户名"))])
    role = SelectField(_l("在本机构中的角色"), choices=labels.choices(labels.MEMBER_ROLE))


def _values(form):
    """The body's facts as the form gives them."""
    return {field: getattr(form, field).data for field in body_registry.FIELDS}


def _clashes(form, body=None):
    """Put an error on the code or fonds code another body already uses; True if any."""
    others = Body.select()
    if body is not None:
        others = others.where(Body.id != body.id)
    clash = False
    if others.where(Body.code == form.code.data.strip()).exists():
        form.code.errors.append(_("该机构代码已被使用，请换一个"))
        clash = True
    holder = others.where(Body.fonds_code == form.fonds_code.data.strip()).first()
    if holder:
        form.fonds_code.errors.append(_(
            "全宗号 %(code)s 已用于“%(name)s”。两个机构共用全宗号会产生重复的档号，请与档案馆商定另一个全宗号。",
            code=holder.fonds_code, name=holder.name))
        clash = True
    return clash


def _members(body):
    return list(Membership.select(Membership, User).join(User)
                .where(Membership.body == body).order_by(Membership.role, User.display_name))


@bp.route("/")
@login_required
def home():
    """The start page: the bodies the user works with."""
    bodies = list(auth.visible_bodies(current_user))
    filing = [b.id for b in bodies if auth.can(current_user, "document.register", b)]
    gaps = coverage.series_gaps(Body.select().where(Body.id.in_(filing)), clock.today()) if filing else {}
    return render_template("bodies/home.html", bodies=bodies, series_gaps=gaps,
                           yesterday=clock.today() - dt.timedelta(days=1),
                           untransferred=lifecycle.pending_counts([b.id for b in bodies]))


@bp.route("/bodies")
@login_required
def index():
    """All bodies the user may see, optionally filtered by status or tier."""
    query = auth.visible_bodies(current_user)
    status, tier = request.args.get("status"), request.args.get("tier")
    if status in labels.BODY_STATUS:
        query = query.where(Body.status == status)
    if tier in labels.TIER:
        query = query.where(Body.tier == tier)
    bodies = list(query)
    return render_template("bodies/index.html", bodies=bodies, status=status, tier=tier,
                           untransferred=lifecycle.pending_counts([b.id for b in bodies]))


@bp.route("/bodies/new", methods=["GET", "POST"])
@login_required
@auth.require("body.create")
def create():
    """Register a new temporary body; its creator, if a liaison, looks after it."""
    form = BodyForm()
    if form.validate_on_submit():
        if not _clashes(form):
            body = body_registry.create(_values(form), auth.user())
            flash(_("已登记临时机构“%(name)s”。", name=body.name), "success")
            return redirect(url_for(".detail", body_id=body.id))
    return render_template("bodies/form.html", form=form, body=None)


@bp.route("/bodies/<int:body_id>")
@login_required
def detail(body_id):
    """The body's page: facts, members and what it has filed."""
    body = auth.body_or_404(body_id)
    return render_template("bodies/detail.html", body=body, members=_members(body),
                           coverage=coverage.coverage(body, clock.today()), state=lifecycle.state(body))


@bp.route("/bodies/<int:body_id>/edit", methods=["GET", "POST"])
@login_required
def edit(body_id):
    """Edit the body's facts; the previous values go to the audit trail."""
    body = auth.body_or_404(body_id, "body.edit")
    form = BodyForm(obj=body)
    if form.validate_on_submit():
        if not _clashes(form, body):
            body_registry.edit(body, _values(form), auth.user())
            flash(_("已保存。"), "success")
            return redirect(url_for(".detail", body_id=body.id))
    return render_template("bodies/form.html", form=form, body=body)


@bp.route("/bodies/<int:body_id>/members", methods=["GET", "POST"])
@login_required
def members(body_id):
    """Add a member with a role in the body."""
    body = auth.body_or_404(body_id, "body.members")
    form = MemberForm()
    if form.validate_on_submit():
        user = User.get_or_none(User.username == form.username.data.strip())
        if user is None or not user.active:
            form.username.errors.append(_("没有这个启用中的用户，请检查用户名"))
        elif Membership.get_or_none(Membership.user == user, Membership.body == body):
            form.username.errors.append(_("该用户已是本机构成员"))
        elif form.role.data not in MEMBER_ROLES_FOR.get(user.role, ()):
            form.role.errors.append(_("%(name)s 的账号角色是“%(role)s”，不能在机构中担任“%(member)s”。",
                                      name=user.display_name, role=labels.ROLE[user.role],
                                      member=labels.MEMBER_ROLE[form.role.data]))
        else:
            body_registry.add_member(body, user, form.role.data, auth.user())
            flash(_("已添加成员 %(name)s。", name=user.display_name), "success")
            return redirect(url_for(".members", body_id=body.id))
    return render_template("bodies/members.html", body=body, form=form, members=_members(body))


@bp.route("/bodies/<int:body_id>/members/<int:member_id>/remove", methods=["POST"])
@login_required
def remove_member(body_id, member_id):
    """Remove a member from the body (the audit trail keeps who it was)."""
    body = auth.body_or_404(body_id, "body.members")
    member = Membership.get_or_none(Membership.id == member_id, Membership.body == body)
    if member:
        body_registry.remove_member(member, auth.user())
        flash(_("已移除成员。"), "success")
    return redirect(url_for(".members", body_id=body.id))


@bp.route("/bodies/<int:body_id>/audit")
@login_required
def audit_trail(body_id):
    """The body's audit events, newest first."""
    body = auth.body_or_404(body_id, "body.audit")
    filters = history.TrailFilters.from_args(request.args)
    entries, has_next = history.body_trail(body, filters, current_app.config["TIMEZONE"])
    return render_template("bodies/audit.html", body=body, entries=entries, has_next=has_next,
                           filters=filters, people=history.people_of(body), groups=history.ACTION_GROUPS)
