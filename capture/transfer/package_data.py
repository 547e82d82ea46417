"""Gather the plain data the exporters need from the database (no writing)."""
from peewee import JOIN, prefetch

from capture import audit, clock
from capture.models import AuditEvent, CheckIn, Commitment, Document, FollowUp, Transfer, User
from exporters import catalogue
from exporters.bag import safe_name
from exporters.records import FileEntry, Fonds, Item

from capture.records import filefacts

from . import checks, dissolution

# The package is read by a Chinese archive whatever the exporting user's language.
CHECKIN_MODES = {"on_site": "现场", "phone": "电话", "video": "视频", "chat": "在线文字"}
CHECKIN_STATUSES = {"scheduled": "已安排", "held": "已开展", "missed": "未开展", "cancelled": "已取消"}


def local(stored):
    """A stored naive-UTC time as an aware time in the configured zone (DA/T 46: times carry
    their zone offset, so a package read anywhere says +08:00, not a bare UTC time)."""
    return clock.to_local(stored, clock.archive_zone()) if stored else None


def local_iso(stored, timespec="seconds"):
    """A stored time as ISO 8601 with its offset, e.g. 2026-07-10T16:30:00+08:00."""
    return local(stored).isoformat(timespec=timespec) if stored else ""


def fonds(body):
    """The body as a fonds."""
    return Fonds(fonds_code=body.fonds_code, body_code=body.code, body_name=body.name,
                 lead_org=body.lead_org, custodian=body.custodian, contact_person=body.contact_person,
                 established_on=body.established_on, dissolved_on=body.dissolved_on)


def _names():
    return {u.id: u.display_name for u in User.select(User.id, User.display_name)}


# Audit actions on an item, as the 业务行为 of DA/T 46 names them.
ITEM_ACTIONS = {"document.register": "登记", "document.edit": "修改", "document.file.add": "修改",
                "document.file.replace": "修改", "document.withdraw": "撤回"}


def item_events(body, documents, names):
    """{document id: [(行为, aware time, who, note)]}: registered, edited, withdrawn, oldest first."""
    logged = {}
    query = (AuditEvent.select(AuditEvent.object_id, AuditEvent.action, AuditEvent.at, AuditEvent.user,
                               AuditEvent.username)
             .where(AuditEvent.body == body, AuditEvent.object_type == "Document",
                    AuditEvent.action.in_(list(ITEM_ACTIONS))).order_by(AuditEvent.id))
    for event in query:
        logged.setdefault(event.object_id, []).append(
            (ITEM_ACTIONS[event.action], local(event.at), names.get(event.user_id, event.username), event.action))
    result = {}
    for doc in documents:
        events = [e for e in logged.get(str(doc.id), []) if e[0] != "登记"]
        events.insert(0, ("登记", local(doc.created_at), names.get(doc.created_by_id, ""), ""))
        if not any(e[0] == "修改" for e in events) and doc.updated_at and doc.created_at \
                and (doc.updated_at - doc.created_at).total_seconds() > 1:
            events.append(("修改", local(doc.updated_at), names.get(doc.updated_by_id, ""), ""))
        if doc.status == "withdrawn" and not any(e[0] == "撤回" for e in events) and doc.withdrawn_at:
            events.append(("撤回", local(doc.withdrawn_at), names.get(doc.withdrawn_by_id, ""),
                           doc.withdrawn_reason))
        result[doc.id] = sorted(events, key=lambda e: e[1])
    return result


def withdrawn_note(doc, names):
    """备注 of a withdrawn item: withdrawn, when, by whom and why."""
    when = clock.local_date(doc.withdrawn_at, clock.archive_zone()) or ""
    who = names.get(doc.withdrawn_by_id, "")
    return f"已撤回（{when} {who}；原因：{doc.withdrawn_reason or '未说明'}）"


def items(body, store, document_ids=None, documents=None):
    """The items in catalogue order, each with its files' package paths and store paths.

    `documents` are the body's checks.load_documents() when the caller has them already.
    """
    names = _names()
    if documents is None:
        documents = checks.load_documents(body, document_ids)
    elif document_ids is not None:
        wanted = set(document_ids)
        documents = [d for d in documents if d.id in wanted]
    events = item_events(body, documents, names)
    result = []
    for seq, doc in enumerate(documents, 1):
        withdrawn = doc.status == "withdrawn"
        pages_note = f"页数说明：{doc.pages_reason}" if doc.pages_reason else ""
        remarks = "；".join(x for x in (doc.remarks, pages_note, withdrawn_note(doc, names) if withdrawn else "")
                           if x)
        item = Item(seq=seq, reference_code=doc.reference_code, fonds_code=body.fonds_code,
                    body_name=body.name, record_class=doc.record_class, year=doc.year,
                    retention=doc.retention,
                    category_code=doc.category.code if doc.category_id else "",
                    category_name=doc.category.name if doc.category_id else "",
                    category_sort=doc.category.sort if doc.category_id else 0,
                    item_number=doc.item_number, doc_number=doc.doc_number,
                    responsible=doc.responsible, title=doc.title, title_supplied=doc.title_supplied,
                    date=doc.date, pages=doc.pages, security=doc.security, carrier=doc.carrier,
                    status=doc.status, remarks=remarks,
                    created_by=names.get(doc.created_by_id, ""), created_at=local(doc.created_at),
                    updated_by=names.get(doc.updated_by_id, ""), updated_at=local(doc.updated_at),
                    withdrawn_by=names.get(doc.withdrawn_by_id, ""), withdrawn_at=local(doc.withdrawn_at),
                    withdrawn_reason=doc.withdrawn_reason, events=events[doc.id])
        mark = "withdrawn-" if withdrawn else ""
        for n, f in enumerate(checks.current_files(doc.file_list), 1):
            item.files.append(FileEntry(
                original_name=f.original_name,
                bag_path=f"data/files/{doc.reference_code}/{n:02d}-{mark}{safe_name(f.original_name)}",
                size=f.size, sha256=f.sha256, source=str(store.path(f.sha256)),
                media_type=f.media_type, puid=f.puid, format_name=f.format_name, long_term=f.long_term,
                pages=f.pages, claimed=f.claimed, claim_finding=filefacts.finding_text(f, archival=True)))
        result.append(item)
    return catalogue.arrange(result)


def checkins(body):
    """The guidance history: every check-in with its follow-ups, oldest first."""
    query = (CheckIn.select(CheckIn, User).join(User).where(CheckIn.body == body)
             .order_by(CheckIn.scheduled_for))
    rows = []
    for c in prefetch(query, FollowUp.select().order_by(FollowUp.due)):
        rows.append({"scheduled_for": local_iso(c.scheduled_for, "minutes"),
                     "mode": CHECKIN_MODES.get(c.mode, c.mode),
                     "status": CHECKIN_STATUSES.get(c.status, c.status),
                     "liaison": c.liaison.display_name, "contact_person": c.contact_person,
                     "place": c.place, "is_final": "是" if c.is_final else "",
                     "duration_minutes": c.duration_minutes or "", "notes": c.notes,
                     "findings": c.findings,
                     "follow_ups": "；".join(f"{f.action}（{f.owner}，{f.due}"
                                            + (f"，{f.done_on}完成）" if f.done_on else "）")
                                            for f in c.follow_ups)})
    return rows


def audit_events(body):
    """The body's audit events, each with what is needed to re-check its hash, its time with the
    zone offset, and the 档号 (or transfer identifier) of what it is about beside the row id."""
    codes = {str(d.id): d.reference_code
             for d in Document.select(Document.id, Document.reference_code).where(Document.body == body)}
    promised = {str(c.id): codes.get(str(c.document_id), "")
                for c in Commitment.select(Commitment.id, Commitment.document).where(Commitment.body == body)}
    transfers = {str(t.id): t.identifier
                 for t in Transfer.select(Transfer.id, Transfer.identifier).where(Transfer.body == body)}
    names = {"Document": codes, "Commitment": promised, "Transfer": transfers}
    events = []
    for event in audit.body_events(body):
        data = audit.as_export_dict(event)
        data["at"] = local_iso(event.at, "microseconds")
        subject = names.get(event.object_type, {}).get(event.object_id, "")
        if subject:
            data["transfer_identifier" if event.object_type == "Transfer" else "reference_code"] = subject
        events.append(data)
    return events


def commitments(body):
    """The body's commitments as plain dicts."""
    query = (Commitment.select(Commitment, Document)
             .join(Document, join_type=JOIN.LEFT_OUTER, on=(Commitment.document == Document.id))
             .where(Commitment.body == body).order_by(Commitment.id))
    status = {"open": "未兑现", "overdue": "已逾期", "fulfilled": "已兑现"}
    return [{"what": c.what, "check_code": c.check_code, "promised_by": c.promised_by,
             "due": c.due.isoformat(), "status": status.get(c.status, c.status),
             "document": c.document.reference_code if c.document_id else ""} for c in query]


def descriptions(body):
    """(introduction, history, chronicle as dicts) of the fonds."""
    texts = dissolution.descriptions(body)
    events = [{"date": e.date.strftime("%Y-%m-%d"), "event": e.event} for e in dissolution.chronicle(body)]
    return texts["introduction"], texts["history"], events

