"""Guidance pages: the liaison's dashboard, a body's check-ins, outcomes, follow-ups, statistics,
the notification inbox and the private calendar feed."""
import datetime as dt

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, send_file, url_for)
from flask_babel import force_locale, get_locale, gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from capture import clock, labels, notify
from capture.models import Body, User
from capture.people import auth
from capture.records.playbooks import seeding
from capture.forms import InvalidInput, local_path

from exporters import calendar as ics

from . import calendar, checkins, dashboard, fragments, milestones, statistics
from .forms import FollowUpForm, OutcomeForm, PhaseForm, ScheduleForm

bp = Blueprint("guidance", __name__)


def _zone():
    return current_app.config["TIMEZONE"]


@bp.app_template_global()
def link_to(endpoint, fallback, **values):
    """URL of `endpoint` when that page exists yet, else of `fallback`."""
    target = endpoint if endpoint in current_app.view_functions else fallback
    return url_for(target, **values)


@bp.app_template_global()
def home_follow_ups():
    """Open follow-ups for the secretary's home page (called only by that template)."""
    if not current_user.is_authenticated:
        return []
    return checkins.open_follow_ups_for_secretary(current_user)


@bp.app_template_global()
def local_today():
    """Today's date in the archive's time zone."""
    return clock.local_today(_zone())


@bp.route("/guidance", endpoint="dashboard")
@login_required
@auth.require("stats.view")
def show_dashboard():
    """The liaison's dashboard over the bodies they look after."""
    today, board = _board()
    return render_template("guidance/dashboard.html", today=today, board=board)


def _board():
    """(today, the dashboard's lists rendered) for the logged-in user."""
    user, zone, now_utc = auth.user(), _zone(), clock.utc_now()
    today = clock.to_local(now_utc, zone).date()
    # Building the board over all the user's bodies costs more than the rest of the page: it
    # is rendered once per state of the data, day, user and language (see fragments.py).
    key = ("guidance.dashboard", user.id, user.role, str(get_locale()), today, request.script_root)
    return today, fragments.cached(key, lambda: Markup(render_template(
        "guidance/_board.html", board=dashboard.build(user, zone, now_utc))))


@bp.app_template_global()
def liaison_board():
    """The liaison's work for their home page (the dashboard's lists); None for other roles."""
    if not current_user.is_authenticated or current_user.role != "liaison":
        return None
    return _board()[1]


def _schedule_form(body, proposal):
    form = ScheduleForm()
    people = checkins.liaison_choices(body, current_user)
    form.liaison.choices = [(u.id, u.display_name) for u in people]
    if request.method == "GET":
        form.liaison.data = current_user.id
        form.contact_person.data = body.contact_person
        form.time.data = checkins.DEFAULT_TIME
        if proposal is not None:
            form.date.data, form.is_final.data = proposal.date, proposal.is_final
        _from_milestone(form)
    return form


def _from_milestone(form):
    """Arriving from a milestone on the dashboard: its date, on site where it asks, final if due."""
    if request.args.get("mode") in labels.CHECKIN_MODE:
        form.mode.data = request.args["mode"]
    try:
        wanted = dt.date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        wanted = None
    if wanted is not None and wanted >= local_today():
        form.date.data = wanted
    if request.args.get("milestone") == "dissolution":
        form.is_final.data = True


@bp.post("/bodies/<int:body_id>/phases")
@login_required
def record_phase(body_id):
    """Record a phase of the body's work (节点); the liaison or the body's secretary may."""
    body = auth.body_or_404(body_id, "checkin.view")
    if not (auth.can(current_user, "checkin.manage", body)
            or auth.can(current_user, "document.register", body)):
        abort(403)
    form = PhaseForm()
    if form.validate_on_submit():
        try:
            milestones.record_phase(body, auth.user(), form.on.data, form.name.data,
                                    form.calls_for_checkin.data, local_today())
        except InvalidInput as error:
            for name, messages in error.field_errors.items():
                getattr(form, name).errors = list(getattr(form, name).errors) + messages
        else:
            flash(_("已记录工作节点“%(name)s”。", name=form.name.data.strip()), "success")
            return redirect(url_for(".body_checkins", body_id=body.id) + "#phases")
    return _body_checkins_page(body, phase_form=form), 422


@bp.route("/bodies/<int:body_id>/checkins", methods=["GET", "POST"])
@login_required
def body_checkins(body_id):
    """The body's check-ins and, for its liaison, a form with the next one proposed."""
    body = auth.body_or_404(body_id, "checkin.view")
    proposal = checkins.proposal_for(body, _zone())
    form = _schedule_form(body, proposal) if auth.can(current_user, "checkin.manage", body) else None
    if request.method == "POST":
        if form is None:
            abort(403)
        if form.validate_on_submit():
            when = dt.datetime.combine(form.date.data, form.time.data)
            try:
                checkin = checkins.schedule(body, auth.user(), User.get_by_id(form.liaison.data), when,
                                            _zone(), form.mode.data, form.place.data,
                                            form.contact_person.data, form.is_final.data)
            except checkins.AlreadyScheduled as clash:
                form.time.errors = list(form.time.errors) + [
                    _("该指导员在这个时间已安排了对本机构的指导，不能重复安排。")]
                return _body_checkins_page(body, form, proposal, clash=clash.existing), 409
            flash(_("已安排 %(when)s 的指导。", when=when.strftime("%Y-%m-%d %H:%M")), "success")
            return redirect(url_for(".checkin", body_id=body.id, checkin_id=checkin.id))
    return _body_checkins_page(body, form, proposal)


def _body_checkins_page(body, form=None, proposal=None, phase_form=None, clash=None):
    may_record = (auth.can(current_user, "checkin.manage", body)
                  or auth.can(current_user, "document.register", body))
    if phase_form is None and may_record:
        phase_form = PhaseForm()
    today = local_today()
    return render_template(
        "guidance/body_checkins.html", body=body, form=form, proposal=proposal,
        checkins=checkins.for_body(body), phase_form=phase_form, phases=milestones.phases_of(body),
        milestones=milestones.gather(Body.select().where(Body.id == body.id), _zone(), today),
        today=today, clash=clash, planned=seeding.milestones_of(seeding.started_from(body)))


def _outcome_form(body, item):
    """The outcome form while the check-in awaits its outcome and the user may record it."""
    if item.status != "scheduled" or not auth.can(current_user, "checkin.manage", body):
        return None
    form = OutcomeForm(checkin_date=clock.local_date(item.scheduled_for, _zone()),
                       starts=clock.to_local(item.scheduled_for, _zone()).replace(tzinfo=None),
                       now=clock.to_local(clock.utc_now(), _zone()).replace(tzinfo=None))
    if not form.is_submitted():
        form.mode.data = item.mode
    return form


def _show_checkin(body, item, form, follow_up_form=None):
    if follow_up_form is None and item.status == "held" and auth.can(current_user, "checkin.manage", body):
        follow_up_form = FollowUpForm(formdata=None)
    return render_template("guidance/checkin.html", body=body, checkin=item, form=form,
                           follow_up_form=follow_up_form, follow_ups=checkins.follow_ups_of(item))


@bp.route("/bodies/<int:body_id>/checkins/<int:checkin_id>", methods=["GET", "POST"])
@login_required
def checkin(body_id, checkin_id):
    """One check-in; its liaison records the outcome here while it is still scheduled."""
    body = auth.body_or_404(body_id, "checkin.view")
    item = checkins.get_for_body(body, checkin_id) or abort(404)
    form = _outcome_form(body, item)
    if request.method == "POST":
        if form is None:
            auth.body_or_404(body_id, "checkin.manage")  # 403 for those who may only look
            flash(_("该次指导的结果已经登记过。"), "info")
            return redirect(url_for(".checkin", body_id=body.id, checkin_id=item.id))
        if form.validate_on_submit():
            checkins.record_outcome(body, item, auth.user(), form.status.data, form.mode.data,
                                    form.duration.data, form.notes.data, form.findings.data,
                                    form.reason.data, form.follow_up_rows(),
                                    held_at=clock.to_utc(form.held_at.data, _zone()) if form.held_at.data else None)
            flash(_("已登记指导结果。"), "success")
            return redirect(url_for(".checkin", body_id=body.id, checkin_id=item.id))
    return _show_checkin(body, item, form)


@bp.route("/bodies/<int:body_id>/checkins/<int:checkin_id>/follow-ups", methods=["POST"])
@login_required
def add_follow_up(body_id, checkin_id):
    """Add a follow-up action to a held check-in."""
    body = auth.body_or_404(body_id, "checkin.manage")
    item = checkins.get_for_body(body, checkin_id) or abort(404)
    if item.status != "held":
        abort(409)
    form = FollowUpForm()
    if form.validate_on_submit():
        checkins.add_follow_up(body, item, auth.user(), form.action.data, form.owner.data, form.due.data)
        flash(_("已添加整改事项。"), "success")
        return redirect(url_for(".checkin", body_id=body.id, checkin_id=item.id))
    return _show_checkin(body, item, None, follow_up_form=form)


@bp.route("/bodies/<int:body_id>/follow-ups/<int:follow_up_id>/done", methods=["POST"])
@login_required
def tick_follow_up(body_id, follow_up_id):
    """Tick a follow-up off as done today."""
    body = auth.body_or_404(body_id, "followup.tick")
    follow_up = checkins.follow_up_for_body(body, follow_up_id) or abort(404)
    if checkins.tick(body, follow_up, auth.user(), clock.local_today(_zone())):
        flash(_("已完成：%(action)s", action=follow_up.action), "success")
    target = local_path(request.form.get("next"))
    return redirect(target or url_for(".body_checkins", body_id=body.id))


@bp.route("/statistics", endpoint="statistics")
@login_required
@auth.require("stats.view")
def show_statistics():
    """Check-ins, follow-ups, documents and commitments, drawn as charts."""
    figures = statistics.compute(current_user, _zone())
    return render_template("guidance/statistics.html", figures=figures)


@bp.route("/statistics.xlsx")
@login_required
@auth.require("stats.view")
def statistics_xlsx():
    """The statistics page's figures as an Excel workbook."""
    figures = statistics.compute(current_user, _zone())
    return send_file(statistics.workbook(figures), as_attachment=True,
                     download_name=f"guidance-statistics-{figures.today}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/notifications")
@login_required
def inbox():
    """The user's notifications, newest first."""
    page = max(request.args.get("page", 1, type=int), 1)
    per_page = current_app.config["PAGE_SIZE"]
    rows = notify.inbox(current_user, page, per_page)
    return render_template("notifications/inbox.html", notifications=rows[:per_page],
                           page=page, has_next=len(rows) > per_page)


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@login_required
def open_notification(notification_id):
    """Mark a notification read and go where it points."""
    notification = notify.mark_read(current_user, notification_id)
    target = local_path(notification.link) if notification else None
    return redirect(target or url_for(".inbox"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark every notification read."""
    count = notify.mark_all_read(current_user)
    flash(_("已将 %(n)s 条通知标为已读。", n=count), "success")
    return redirect(url_for(".inbox"))


@bp.route("/calendar", methods=["GET"])
@login_required
@auth.require("calendar.subscribe")
def calendar_settings():
    """Where a liaison gets (or revokes) the private URL of their check-in calendar."""
    return render_template("guidance/calendar.html", token=calendar.active_token(current_user),
                           feed_url=None)


@bp.route("/calendar/new", methods=["POST"])
@login_required
@auth.require("calendar.subscribe")
def new_calendar_url():
    """Issue a new feed URL and show it once (only its hash is kept)."""
    token = calendar.issue(auth.user())
    feed_url = url_for(".calendar_feed", token=token, _external=True)
    return render_template("guidance/calendar.html", token=calendar.active_token(current_user),
                           feed_url=feed_url)


@bp.route("/calendar/revoke", methods=["POST"])
@login_required
@auth.require("calendar.subscribe")
def revoke_calendar_url():
    """Revoke the feed URL."""
    calendar.revoke(auth.user())
    flash(_("订阅地址已作废，日历软件将无法再更新。"), "success")
    return redirect(url_for(".calendar_settings"))


@bp.route("/calendar/<token>.ics")
def calendar_feed(token):
    """The calendar itself: no login, the token in the URL is the key."""
    user = calendar.owner_of(token)
    # The feed follows its owner's current powers: it ends when they may no longer subscribe.
    if user is None or not auth.can(user, "calendar.subscribe"):
        abort(404)
    zone = _zone()
    base_url = current_app.config.get("BASE_URL") or url_for("records.home", _external=True)
    with force_locale(user.language):
        body = ics.write(calendar.events_for(user, zone, base_url),
                         _("%(name)s 的档案指导", name=user.display_name), zone)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": "inline; filename=checkins.ics",
                             "Cache-Control": "private, max-age=300"})
