"""The JSON shapes the API answers with (described field by field in openapi.py)."""
from flask import url_for

from capture.i18n import kept_text
from capture.records import filefacts

TRANSFER_DOWNLOADABLE = ("exported", "received")


def timestamp(value):
    """A stored naive-UTC time as RFC 3339, or None."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def day(value):
    """A date as YYYY-MM-DD, or None."""
    return value.isoformat() if value else None


def body(item, role):
    """A body, with the token user's role in it."""
    return {"id": item.id, "code": item.code, "name": item.name, "fonds_code": item.fonds_code,
            "kind": item.kind, "tier": item.tier, "status": item.status,
            "lead_org": item.lead_org, "established_on": day(item.established_on),
            "expected_end": day(item.expected_end), "dissolved_on": day(item.dissolved_on),
            "role": role,
            "documents_url": url_for("api.documents", body_id=item.id)}


def file(item, current, body_id):
    """A file's metadata and where to download it."""
    return {"id": item.id, "original_name": item.original_name, "size": item.size,
            "sha256": item.sha256, "media_type": item.media_type, "puid": item.puid,
            "format_name": item.format_name, "long_term": item.long_term,
            "pages": item.pages, "claimed_format": item.claimed,
            "claim_finding": filefacts.finding_text(item),
            "version": item.version, "replaces": item.replaces_id, "current": current,
            "created_at": timestamp(item.created_at),
            "download_url": url_for("api.file_content", body_id=body_id,
                                    document_id=item.document_id, file_id=item.id)}


def document(item, files=None, file_count=None, warnings=None):
    """A document; with `files` (pairs of file and current-flag) the files are listed too."""
    data = {
        "id": item.id, "reference_code": item.reference_code, "record_class": item.record_class,
        "year": item.year, "retention": item.retention,
        "category": ({"code": item.category.code, "name": item.category.name}
                     if item.category_id else None),
        "item_number": item.item_number, "doc_number": item.doc_number,
        "responsible": item.responsible, "title": item.title,
        "title_supplied": item.title_supplied, "date": day(item.date), "pages": item.pages,
        "security": item.security, "carrier": item.carrier, "remarks": item.remarks,
        "scope_item": item.scope_item_id, "status": item.status,
        "withdrawn_reason": item.withdrawn_reason,
        "created_at": timestamp(item.created_at), "updated_at": timestamp(item.updated_at),
        "url": url_for("api.document", body_id=item.body_id, document_id=item.id),
        "web_url": url_for("records.document_detail", body_id=item.body_id, document_id=item.id),
    }
    if files is not None:
        data["files"] = [file(f, current, item.body_id) for f, current in files]
        data["file_count"] = len(data["files"])
    else:
        data["file_count"] = file_count or 0
    if warnings is not None:
        data["warnings"] = [str(w) for w in warnings]
    return data


def follow_up(item):
    """A follow-up action agreed at a check-in."""
    return {"id": item.id, "checkin_id": item.checkin_id, "action": item.action,
            "owner": item.owner, "due": day(item.due), "done_on": day(item.done_on)}


def checkin(item, follow_ups):
    """A guidance check-in with its follow-ups."""
    return {"id": item.id, "scheduled_for": timestamp(item.scheduled_for), "mode": item.mode,
            "place": item.place, "status": item.status, "is_final": item.is_final,
            "liaison": item.liaison.display_name, "duration_minutes": item.duration_minutes,
            "notes": item.notes, "findings": item.findings,
            "recorded_at": timestamp(item.recorded_at),
            "follow_ups": [follow_up(f) for f in follow_ups]}


def transfer(item):
    """A transfer's status; the package link appears once it is exported."""
    ready = item.status in TRANSFER_DOWNLOADABLE and bool(item.package_path)
    return {"id": item.id, "kind": item.kind, "status": item.status, "progress": item.progress,
            "message": kept_text(item.message), "started_at": timestamp(item.started_at),
            "finished_at": timestamp(item.finished_at), "item_count": item.item_count,
            "file_count": item.file_count, "package_sha256": item.package_sha256 or None,
            "package_size": item.package_size or None,
            "received_at": timestamp(item.received_at),
            "package_url": (url_for("api.transfer_package", body_id=item.body_id,
                                    transfer_id=item.id) if ready else None)}


def page(items, args, has_next, endpoint, **view_args):
    """A page of a list, with the link to the next page (same filters)."""
    following = {k: v for k, v in args.items() if v not in (None, "", False)}
    following["page"] = args["page"] + 1
    return {"items": items, "page": args["page"], "per_page": args["per_page"],
            "has_next": has_next,
            "next": url_for(endpoint, **view_args, **following) if has_next else None}
