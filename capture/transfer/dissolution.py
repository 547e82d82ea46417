"""Dissolving a body, and the fonds descriptions that go with its records (大事记, 组织沿革, 全宗介绍)."""
from flask_babel import gettext as _

from capture import audit, clock, notify
from capture.db import db
from capture.models import (Body, ChronicleEntry, Document, FondsDescription, Membership,
                            Notification, User)
from capture.people import auth
from capture.records import lifecycle

DESCRIPTION_KINDS = ("introduction", "history")
# A picker offers this many documents at a time: choosing among thousands is a search.
NOTICE_CHOICES = 20


class DissolutionError(Exception):
    """The body is not in a state that allows this step; the message says why."""


def check_date(body, dissolved_on):
    """Refuse a dissolution date in the future or before the body was established."""
    if dissolved_on > clock.today():
        raise DissolutionError(_("撤销日期 %(d)s 晚于今天。请在撤销通知生效后再登记。", d=dissolved_on))
    if dissolved_on < body.established_on:
        raise DissolutionError(_("撤销日期 %(d)s 早于成立日期 %(e)s，请核对。", d=dissolved_on,
                                 e=body.established_on))


def dissolve(body, user, dissolved_on, notice=None):
    """Mark an active body dissolving: record the date and notice, lock categories, prompt the final check-in."""
    if body.status != "active":
        raise DissolutionError(_("该机构已进入撤销程序。"))
    check_date(body, dissolved_on)
    with db.atomic():
        body.status = "dissolving"
        body.dissolved_on = dissolved_on
        body.dissolution_notice = notice
        body.updated_at = clock.utc_now()
        body.save()
        audit.record("body.dissolve", body, {
            "status": ["active", "dissolving"], "dissolved_on": dissolved_on,
            "notice": notice.reference_code if notice else None}, user=user, body=body)
        _prompt_final_checkin(body)
    return body


def _prompt_final_checkin(body):
    liaisons = (User.select().join(Membership)
                .where(Membership.body == body, auth.acting_as("liaison"), User.active))
    for liaison in liaisons:
        with notify.speaking(liaison.language):  # in the reader's language, not the sender's
            message = _("%(name)s 已进入撤销程序，请安排撤销前的最终指导。", name=body.name)
        Notification.get_or_create(key=f"dissolving:{body.id}:{liaison.id}", defaults=dict(
            user=liaison, kind="final_checkin", message=message, link=f"/bodies/{body.id}/transfer"))


def correctable(body):
    """True while the dissolution may still be corrected or undone: until a package is exported."""
    return body.status in ("dissolving", "dissolved") and lifecycle.last_export(body) is None


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise DissolutionError(_("请写明更正的原因，例如“撤销通知载明的日期为 …”。"))
    return reason


def _check_correctable(body):
    if not correctable(body):
        raise DissolutionError(_("移交包已导出，撤销日期和撤销登记不能再更正。") if body.status != "active"
                               else _("该机构尚未登记撤销。"))


def correct(body, user, dissolved_on, notice, reason):
    """Correct the dissolution date and notice (until the first export), with the reason, audited."""
    _check_correctable(body)
    reason = _reason(reason)
    check_date(body, dissolved_on)
    changes = {}
    if body.dissolved_on != dissolved_on:
        changes["dissolved_on"] = [body.dissolved_on, dissolved_on]
    old_notice = body.dissolution_notice.reference_code if body.dissolution_notice_id else None
    new_notice = notice.reference_code if notice else None
    if old_notice != new_notice:
        changes["notice"] = [old_notice, new_notice]
    if not changes:
        return {}
    with db.atomic():
        body.dissolved_on, body.dissolution_notice, body.updated_at = dissolved_on, notice, clock.utc_now()
        body.save()
        audit.record("body.dissolution.correct", body, {**changes, "reason": reason}, user=user,
                     body=body)
    return changes


def undo(body, user, reason):
    """Take back a dissolution registered in error (until the first export): the body is active again."""
    _check_correctable(body)
    reason = _reason(reason)
    with db.atomic():
        old = body.status
        details = {"status": [old, "active"], "dissolved_on": [body.dissolved_on, None],
                   "reason": reason}
        body.status, body.dissolved_on, body.dissolution_notice = "active", None, None
        body.updated_at = clock.utc_now()
        body.save()
        audit.record("body.dissolution.undo", body, details, user=user, body=body)
        _tell_withdrawn(body)
    return body


def _tell_withdrawn(body):
    """Everyone told of the dissolution hears, in their own language, that it was withdrawn; their
    earlier notices are retired, so that a later dissolution tells them again."""
    told = list(Notification.select(Notification, User).join(User)
                .where(Notification.key.startswith(f"dissolving:{body.id}:")))
    stamp = clock.utc_now().strftime("%Y%m%d%H%M%S%f")
    rows = []
    for notice in told:
        with notify.speaking(notice.user.language):
            message = _("%(name)s 的撤销登记已撤回，机构恢复为运行中；此前关于撤销的提醒作废。", name=body.name)
        rows.append(notify.row(notice.user_id, "dissolution_withdrawn",
                               f"dissolution-withdrawn:{body.id}:{notice.user_id}:{stamp}", message,
                               f"/bodies/{body.id}/transfer"))
        Notification.update(key=f"{notice.key}:withdrawn:{stamp}").where(Notification.id == notice.id).execute()
    notify.add_many(rows)


def confirm_dissolved(body, user):
    """Record that the body has ended and its records are complete: transfer may begin."""
    if body.status != "dissolving":
        raise DissolutionError(_("只有撤销中的机构可以确认撤销。"))
    with db.atomic():
        body.status = "dissolved"
        body.updated_at = clock.utc_now()
        body.save()
        audit.record("body.dissolved", body, {"status": ["dissolving", "dissolved"]},
                     user=user, body=body)
    return body


def notice_choices(body, query="", keep=None, limit=NOTICE_CHOICES):
    """At most `limit` registered items to choose a dissolution notice from: those whose 档号 or 题名
    holds `query`, else those naming 撤销 and then the newest; the item `keep` (an id) always."""
    registered = Document.select().where(Document.body == body, Document.status == "registered")
    newest = (Document.date.desc(), Document.id.desc())
    query = (query or "").strip()
    if query:
        found = list(registered.where(Document.reference_code.contains(query) | Document.title.contains(query))
                     .order_by(*newest).limit(limit))
    else:
        found = list(registered.where(Document.title.contains("撤销")).order_by(*newest).limit(limit))
        found += list(registered.where(Document.id.not_in([d.id for d in found] or [0]))
                      .order_by(*newest).limit(limit - len(found)))
    if keep and keep not in {d.id for d in found}:
        found[:0] = list(registered.where(Document.id == keep))
    return found


def chronicle(body):
    """The chronicle of the body, oldest event first."""
    return list(ChronicleEntry.select().where(ChronicleEntry.body == body)
                .order_by(ChronicleEntry.date, ChronicleEntry.id))


def add_event(body, user, date, event):
    """Add a dated event to the chronicle."""
    with db.atomic():
        entry = ChronicleEntry.create(body=body, date=date, event=event.strip(), created_by=user)
        audit.record("chronicle.add", entry, {"date": date, "event": entry.event}, user=user, body=body)
    return entry


def edit_event(entry, user, date, event):
    """Change a chronicle entry, keeping the old text in the audit trail."""
    changes = {}
    for name, value in (("date", date), ("event", event.strip())):
        if getattr(entry, name) != value:
            changes[name] = [getattr(entry, name), value]
            setattr(entry, name, value)
    if changes:
        with db.atomic():
            entry.save()
            audit.record("chronicle.edit", entry, changes, user=user, body=entry.body)
    return entry


def descriptions(body):
    """{kind: text} of the body's introduction and history, drafted from its facts when unwritten."""
    saved = {d.kind: d.text for d in FondsDescription.select().where(FondsDescription.body == body)}
    return {"introduction": saved.get("introduction") or draft_introduction(body),
            "history": saved.get("history") or draft_history(body)}


def save_description(body, user, kind, text):
    """Save the introduction or the history; the previous text goes to the audit trail."""
    with db.atomic():
        description, _created = FondsDescription.get_or_create(body=body, kind=kind)
        old = description.text
        description.text, description.updated_by, description.updated_at = text.strip(), user, clock.utc_now()
        description.save()
        audit.record("description.edit", description, {"kind": kind, "text": [old, description.text]},
                     user=user, body=body)
    return description


# The drafts are archival text handed to a Chinese archive, so they are not translated.
def draft_history(body):
    """A first draft of 组织沿革 from what the app knows: founding, members, dissolution."""
    lines = [f"{body.established_on}，{body.lead_org or ''}牵头成立{body.name}。"]
    members = (User.select(User.display_name).join(Membership).where(Membership.body == body)
               .order_by(User.display_name))
    names = "、".join(u.display_name for u in members)
    if names:
        lines.append(f"参与档案工作的人员：{names}。")
    if body.dissolved_on:
        lines.append(f"{body.dissolved_on}撤销，档案由{body.custodian or '上级机关'}保管。")
    return "\n".join(lines)


def draft_introduction(body):
    """A first draft of 全宗介绍."""
    end = f"{body.dissolved_on}撤销" if body.dissolved_on else "尚在运行"
    return (f"{body.name}（全宗号 {body.fonds_code}）为临时机构，{body.established_on}成立，{end}。"
            "本全宗收录其履职过程中形成的文件。")


def visible_transfers_bodies():
    """Bodies in or past dissolution, for the transfer officer's list."""
    return list(Body.select().where(Body.status != "active").order_by(Body.status, Body.code))
