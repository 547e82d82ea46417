"""The day before a pre-transfer visit (节点指导 at dissolution), run the four-properties check.

So the liaison arrives with its findings rather than running it on site. It runs in the
scheduler, for the few bodies whose final check-in is tomorrow: a check reads every file of a
body, work no request should wait for. The check is run in the liaison's name and audited.
"""
from flask_babel import gettext as _

from capture import notify
from capture.models import AuditEvent, Body, CheckIn, User
from capture.transfer import packaging

CHECKED_STATUSES = ("active", "dissolving")


def check_before_visits(ctx):
    """Check each body whose pre-transfer visit is tomorrow; tell its liaison what was found."""
    visits = (CheckIn.select(CheckIn, Body, User).join(Body).switch(CheckIn).join(User)
              .where(CheckIn.status == "scheduled", CheckIn.is_final == True,  # noqa: E712
                     CheckIn.scheduled_for >= ctx.day_start(1), CheckIn.scheduled_for < ctx.day_start(2),
                     Body.status.in_(CHECKED_STATUSES)))
    say = notify.phrases(lambda: _("明天与“%(body)s”的移交前指导：四性检测已运行，不通过 %(fail)s 项、警告 %(warning)s 项。"))
    rows, done = [], set()
    for visit in visits:
        if visit.body_id in done or _checked_today(ctx, visit.body_id):
            continue  # a second run the same day (or a check run by hand today) is enough
        done.add(visit.body_id)
        _transfer, report = packaging.run_check(visit.body, visit.liaison, ctx.store)
        counts = report.summary
        message = say(visit.liaison.language) % {"body": visit.body.name, "fail": counts["fail"],
                                                 "warning": counts["warning"]}
        rows.append(notify.row(visit.liaison_id, "checkin.prepared", f"previsit:{visit.id}", message,
                               ctx.link("transfer.report", body_id=visit.body_id)))
    notify.add_many(rows)
    return len(rows)


def _checked_today(ctx, body_id):
    return AuditEvent.select().where(AuditEvent.body == body_id, AuditEvent.action == "transfer.check",
                                     AuditEvent.at >= ctx.day_start(0)).exists()
