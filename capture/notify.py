"""Notifications: in-app rows with idempotent keys; e-mail, sent only by the scheduler."""
import datetime as dt
import json
import logging
import smtplib
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from flask_babel import force_locale, gettext as _

from .db import db, is_postgres
from .models import Notification, User
from .clock import utc_now

log = logging.getLogger(__name__)

# All rows travel as one JSON parameter, so a pass writes its notifications in ONE statement
# however many there are (no parameter limit, no statement per chunk). Keys already present
# are skipped: that is what makes every job safe to run twice.
_INSERT_SQLITE = (
    "INSERT INTO notification (user_id, kind, key, message, link, created_at) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), "
    "json_extract(value, '$[3]'), json_extract(value, '$[4]'), ? FROM json_each(?) "
    "WHERE true ON CONFLICT (key) DO NOTHING")
_INSERT_POSTGRES = (
    "INSERT INTO notification (user_id, kind, key, message, link, created_at) "
    "SELECT r.user_id, r.kind, r.key, r.message, r.link, %s "
    "FROM json_to_recordset(%s::json) AS r(user_id integer, kind text, key text, message text, link text) "
    "ON CONFLICT (key) DO NOTHING")
# Notifications older than this are not e-mailed: turning SMTP on must not flood inboxes.
EMAIL_MAX_AGE = dt.timedelta(days=2)
EMAIL_BATCH = 500


@contextmanager
def speaking(language):
    """Translate messages built inside the block into the recipient's language."""
    with force_locale(language or "zh_Hans"):
        yield


def path_for(endpoint, **values):
    """The URL path of a page, built outside any request (scheduler, command line)."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config["APPLICATION_ROOT"])
    return adapter.build(endpoint, values)


def phrases(factory):
    """Per-language cache of the message templates `factory()` returns, translated once."""
    cache = {}

    def templates(language):
        if language not in cache:
            with speaking(language):
                cache[language] = factory()
        return cache[language]
    return templates


def row(user_id, kind, key, message, link=""):
    """One notification for add_many()."""
    return {"user_id": user_id, "kind": kind, "key": key[:200], "message": message,
            "link": link[:300]}


def add_many(rows):
    """Insert notifications in one statement; a key already present is skipped."""
    if not rows:
        return
    if is_postgres():
        db.execute_sql(_INSERT_POSTGRES, (utc_now(), json.dumps(rows, ensure_ascii=False)))
    else:
        payload = json.dumps([[r["user_id"], r["kind"], r["key"], r["message"], r["link"]]
                              for r in rows], ensure_ascii=False)
        db.execute_sql(_INSERT_SQLITE, (Notification.created_at.db_value(utc_now()).isoformat(" "),
                                        payload))


def inbox(user, page, per_page):
    """A page of the user's notifications, newest first."""
    return list(Notification.select().where(Notification.user == user.id)
                .order_by(Notification.created_at.desc(), Notification.id.desc())
                .paginate(page, per_page + 1))


def mark_read(user, notification_id):
    """Mark one of the user's notifications read; return it (None if not theirs)."""
    notification = Notification.get_or_none(Notification.id == notification_id,
                                            Notification.user == user.id)
    # Reading is the user's own state, not a change to the records: no audit event.
    if notification is not None and notification.read_at is None:
        notification.read_at = utc_now()
        notification.save()
    return notification


def mark_all_read(user):
    """Mark every unread notification of the user read; return how many."""
    return (Notification.update(read_at=utc_now())
            .where(Notification.user == user.id, Notification.read_at.is_null()).execute())


def _email(notification, config):
    message = EmailMessage()
    with speaking(notification.user.language):
        subject = _("[临时机构档案] %(text)s", text=notification.message.splitlines()[0][:80])
        footer = _("此邮件由临时机构档案系统自动发送，请勿直接回复。")
    message["Subject"] = subject
    message["From"] = formataddr(("capture", config["SMTP_SENDER"]))
    message["To"] = formataddr((notification.user.display_name, notification.user.email))
    message["Message-ID"] = make_msgid(idstring=f"n{notification.id}")
    link = (config.get("BASE_URL") or "").rstrip("/") + notification.link if notification.link else ""
    message.set_content("\n\n".join(part for part in (notification.message, link, footer) if part))
    return message


def send_pending_email(config):
    """E-mail notifications not yet sent, when SMTP is configured; return how many were sent."""
    if not config.get("SMTP_HOST"):
        return 0
    pending = list(Notification.select(Notification, User).join(User)
                   .where(Notification.emailed_at.is_null(), User.email != "", User.active,
                          Notification.created_at >= utc_now() - EMAIL_MAX_AGE)
                   .order_by(Notification.id).limit(EMAIL_BATCH))
    if not pending:
        return 0
    sent = []
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            for notification in pending:
                try:
                    smtp.send_message(_email(notification, config))
                except smtplib.SMTPRecipientsRefused:
                    log.warning("Mail server refused %s; notification %s is not e-mailed",
                                notification.user.email, notification.id)
                sent.append(notification.id)
    finally:
        # Marked even when a later message failed, so nothing that left is sent twice.
        if sent:
            Notification.update(emailed_at=utc_now()).where(Notification.id.in_(sent)).execute()
    return len(sent)
