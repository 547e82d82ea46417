"""The notification inbox: read, open (follow the link) and mark all read."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from capture import notify

bp = Blueprint("notifications", __name__)


def safe_target(link):
    """A local path to redirect to, or None (never another site)."""
    return link if link and link.startswith("/") and not link.startswith("//") else None


@bp.route("/notifications")
@login_required
def inbox():
    """The user's notifications, newest first."""
    page = max(request.args.get("page", 1, type=int), 1)
    per_page = current_app.config["PAGE_SIZE"]
    rows = notify.inbox(current_user, page, per_page)
    return render_template("notifications/inbox.html", notifications=rows[:per_page],
                           page=page, has_next=len(rows) > per_page)


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"], endpoint="open")
@login_required
def open_notification(notification_id):
    """Mark a notification read and go where it points."""
    notification = notify.mark_read(current_user, notification_id)
    target = safe_target(notification.link) if notification else None
    return redirect(target or url_for(".inbox"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark every notification read."""
    count = notify.mark_all_read(current_user)
    flash(_("已将 %(n)s 条通知标为已读。", n=count), "success")
    return redirect(url_for(".inbox"))
