"""Time-limited commitments (限时承诺、容缺受理): recorded for failures, fulfilled by a registered item."""
from flask_babel import gettext as _
from peewee import JOIN

from capture import audit, clock
from capture.db import db
from capture.models import Commitment, Document

from .checks import NOT_COMMITTABLE


class CommitmentError(Exception):
    """A commitment cannot be recorded or fulfilled; the message says why."""


def for_body(body):
    """The body's commitments, open ones first, with their documents."""
    return list(Commitment.select(Commitment, Document)
                .join(Document, join_type=JOIN.LEFT_OUTER, on=(Commitment.document == Document.id))
                .where(Commitment.body == body)
                .order_by(Commitment.status != "open", Commitment.due, Commitment.id))


def open_keys(body):
    """The finding keys that open commitments cover."""
    return {c.check_code for c in Commitment.select(Commitment.check_code)
            .where(Commitment.body == body, Commitment.status.in_(["open", "overdue"]))}


def is_overdue(commitment, today=None):
    """True when an unfulfilled commitment is past its due date."""
    return commitment.status != "fulfilled" and commitment.due < (today or clock.today())


def record(body, user, finding, what, promised_by, due):
    """Record a commitment for a failing finding (a dict of the latest report) of the body."""
    if finding is None or finding["severity"] != "fail":
        raise CommitmentError(_("该检测项已不再是不通过项，请重新检测。"))
    if finding["code"] in NOT_COMMITTABLE:
        raise CommitmentError(_("文件内容损坏、缺失或有安全问题的，必须修复，不能以承诺代替。"))
    key = finding["key"]
    if due <= clock.today():
        raise CommitmentError(_("承诺期限应晚于今天。"))
    with db.atomic():
        if Commitment.select().where(Commitment.body == body, Commitment.check_code == key,
                                     Commitment.status.in_(["open", "overdue"])).exists():
            raise CommitmentError(_("该项已有未兑现的承诺。"))
        commitment = Commitment.create(body=body, check_code=key, what=what.strip(),
                                       promised_by=promised_by.strip(), due=due, created_by=user)
        audit.record("commitment.record", commitment, {"key": key, "what": commitment.what,
                                                       "promised_by": commitment.promised_by,
                                                       "due": due}, user=user, body=body)
    return commitment


def fulfil(commitment, user, document):
    """Mark a commitment fulfilled by the registered item `document` of the same body."""
    if commitment.status == "fulfilled":
        raise CommitmentError(_("该承诺已兑现。"))
    if document.body_id != commitment.body_id or document.status != "registered":
        raise CommitmentError(_("请选择本机构已登记的文件。"))
    with db.atomic():
        old = commitment.status
        commitment.status, commitment.fulfilled_on = "fulfilled", clock.today()
        commitment.document = document
        commitment.save()
        audit.record("commitment.fulfil", commitment, {"status": [old, "fulfilled"],
                                                       "document": document.reference_code},
                     user=user, body=commitment.body)
    return commitment


def fulfil_choices(body, query="", limit=20):
    """At most `limit` registered items a commitment may be fulfilled with: those whose 档号 or 题名
    holds `query`, else the newest registered (choosing among thousands is a search)."""
    found = Document.select().where(Document.body == body, Document.status == "registered")
    query = (query or "").strip()
    if query:
        found = found.where(Document.reference_code.contains(query) | Document.title.contains(query))
    return list(found.order_by(Document.created_at.desc(), Document.id.desc()).limit(limit))