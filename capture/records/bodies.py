"""Temporary bodies: the list, creating and editing, members, and the body's audit trail."""
import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from capture import audit, clock, labels
from capture.db import db
from capture.models import DEFAULT_CADENCE, Body, Membership, User, now
from capture.people import auth
from capture.forms import PlainText

from . import coverage, history, lifecycle, scope
from .playbooks import content as playbook_content, seeding, versions

bp = Blueprint("bodies", __name__)

BODY_FIELDS = ("name", "code", "fonds_code", "lead_org", "kind", "tier", "cadence_days",
               "established_on", "expected_end", "custodian", "contact_person",
               "default_responsible")


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The kinds are the playbooks': an archive may add its own (records/playbooks).
        self.kind.choices = [("", _("请选择机构类型……"))] + versions.kind_choices()
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


def _apply(form, body):
    """Copy the form onto the body; return {field: [old, new]} of what changed."""
    changes = {}
    for field in BODY_FIELDS:
        value = getattr(form, field).data
        if isinstance(value, str):
            value = value.strip()
        if field == "cadence_days" and not value:
            value = DEFAULT_CADENCE[form.tier.data]
        if getattr(body, field, None) != value:
            changes[field] = [getattr(body, field, None), value]
            setattr(body, field, value)
    return changes


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


# The checkbox names of the playbook's items on the form, by part.
KEEP = {"categories": "keep_category", "scope": "keep_scope", "milestones": "keep_milestone"}


def _offered_version(kind):
    """The playbook version the form showed (posted back), if it is the kind's; else the current one."""
    current = seeding.version_for(kind)
    shown = request.form.get("playbook_version", type=int)
    if current is None or shown is None:
        return current, False
    version = next((v for v in versions.history(current.playbook) if v.id == shown), None)
    return (version, True) if version else (current, False)


def _left_out(version):
    """{part: keys the creator unticked} of the version the form showed."""
    content = versions.content_of(version)
    return {part: set(playbook_content.keys(content, part)) - set(request.form.getlist(name))
            for part, name in KEEP.items()}


@bp.route("/bodies/new", methods=["GET", "POST"])
@login_required
@auth.require("body.create")
def create():
    """Register a new temporary body: its kind first, then what its playbook gives it, items left out as chosen."""
    form = BodyForm()
    kind = request.values.get("kind", "")
    if kind not in dict(form.kind.choices) or not kind:
        if request.method == "GET":
            return render_template("bodies/choose_kind.html", kinds=versions.all_playbooks())
        form.validate()
        return render_template("bodies/form.html", form=form, body=None, version=None)
    version, shown = _offered_version(kind)
    if request.method == "GET":
        form.kind.data = kind
        if version is not None:
            guidance = versions.content_of(version)["guidance"]
            form.tier.data, form.cadence_days.data = guidance["tier"], guidance["cadence_days"]
    elif version is not None and not shown and "playbook_version" in request.form:
        # The kind was changed on the form: show the new kind's playbook before saving anything.
        flash(_("已按所选类型显示分类指导，请核对后再保存。"), "info")
        return _create_page(form, version, {})
    elif form.validate_on_submit() and not _clashes(form):
        left_out = _left_out(version) if shown else {}
        body = Body()
        user = current_user._get_current_object()
        with db.atomic():
            changes = _apply(form, body)
            body.save()
            scope.seed(body, version, left_out)
            if user.role == "liaison":
                Membership.create(user=user, body=body, role="liaison")
            if version is not None:
                changes["playbook"] = [None, f"{version.playbook.kind} v{version.number}"]
                changes["left_out"] = {part: sorted(keys) for part, keys in left_out.items() if keys}
            audit.record("body.create", body, changes, user=user, body=body)
        flash(_("已登记临时机构“%(name)s”。", name=body.name), "success")
        return redirect(url_for(".detail", body_id=body.id))
    return _create_page(form, version, _left_out(version) if shown and version else {})


def _create_page(form, version, left_out):
    return render_template("bodies/form.html", form=form, body=None, version=version, left_out=left_out,
                           content=versions.content_of(version) if version else None, keep=KEEP)


@bp.route("/bodies/<int:body_id>")
@login_required
def detail(body_id):
    """The body's page: facts, members and what it has filed."""
    body = auth.body_or_404(body_id)
    link = seeding.started_from(body)
    newest, gained = seeding.gained(body, link)
    return render_template("bodies/detail.html", body=body, members=_members(body),
                           coverage=coverage.coverage(body, clock.today()), state=lifecycle.state(body),
                           playbook=link, playbook_gained=sum(len(items) for items in gained.values()),
                           playbook_newest=newest)


@bp.route("/bodies/<int:body_id>/edit", methods=["GET", "POST"])
@login_required
def edit(body_id):
    """Edit the body's facts; the previous values go to the audit trail."""
    body = auth.body_or_404(body_id, "body.edit")
    form = BodyForm(obj=body)
    if form.validate_on_submit():
        if not _clashes(form, body):
            with db.atomic():
                changes = _apply(form, body)
                body.updated_at = now()
                body.save()
                audit.record("body.edit", body, changes, user=current_user._get_current_object(),
                             body=body)
            flash(_("已保存。"), "success")
            return redirect(url_for(".detail", body_id=body.id))
    return render_template("bodies/form.html", form=form, body=body, version=None)


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
            with db.atomic():
                member = Membership.create(user=user, body=body, role=form.role.data)
                audit.record("member.add", member, {"user": user.username, "role": member.role},
                             user=current_user._get_current_object(), body=body)
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
        with db.atomic():
            audit.record("member.remove", member, {"user": member.user.username, "role": member.role},
                         user=current_user._get_current_object(), body=body)
            member.delete_instance()
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
