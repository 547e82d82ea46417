"""The JSON API under /api/v1: bearer tokens acting with their user's permissions, never more.

Bearer tokens, not cookies, authenticate here, so the blueprint is exempt from CSRF checks
(a cross-site page cannot make a browser send a token it does not have).
"""
import base64
import re

from flask import Blueprint, current_app, g, jsonify, make_response, render_template, send_file, url_for
from flask_babel import gettext as _

from capture.extensions import csrf
from capture.models import Document
from capture.people import auth
from capture.records import files, listing, registry
from capture.records.validation import ALL_FIELDS
from capture.forms import InvalidInput

from . import idempotency, openapi, queries, shapes
from .problems import Problem
from .queries import DOCUMENT_FILTERS, FOLLOW_UP_FILTERS, PAGE
from .support import (api_user, body_for, form_fields, idempotency_key, parse_query,
                      request_fingerprint, require_multipart, token_required, uploads)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

REPLACES = "replaces"


def _document(body, document_id):
    document = Document.get_or_none(Document.id == document_id, Document.body == body)
    if document is None:
        raise Problem(404, _("本机构没有这件文件，或令牌无权查看。"))
    return document


def _store_args():
    return {"store": current_app.extensions["store"],
            "max_bytes": current_app.config["MAX_CONTENT_LENGTH"]}


def _invalid(error):
    return Problem(422, _("未登记：请按 errors 中的说明修改后重新提交。"), "validation",
                   errors=error.field_errors)


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi.document())


@bp.get("/docs")
def docs():
    """The API described for people: endpoints, parameters, errors."""
    return render_template("api/docs.html", spec=openapi.document(), problem_types=openapi.PROBLEMS)


@bp.get("/token")
@token_required()
def token():
    """Who the token acts for and what it may do."""
    current = g.api_token
    return jsonify(label=current.label, scopes=current.scopes.split(),
                   user={"username": current.user.username,
                         "display_name": current.user.display_name, "role": current.user.role})


@bp.get("/bodies")
@token_required()
def bodies():
    """The bodies the token's user may see, with their role in each."""
    return jsonify(items=[shapes.body(b, role)
                          for b, role in queries.bodies_with_roles(api_user())])


@bp.get("/bodies/<int:body_id>")
@token_required()
def body(body_id):
    """One body."""
    found = body_for(body_id)
    return jsonify(shapes.body(found, auth.role_in(api_user(), found)))


@bp.get("/bodies/<int:body_id>/documents")
@token_required()
def documents(body_id):
    """The body's documents: search, filter, sort, page."""
    found = body_for(body_id)
    args = parse_query(DOCUMENT_FILTERS)
    filters = listing.Filters(
        q=args["q"] or "", category=args["category"] or "", year=args["year"],
        retention=args["retention"] or "", carrier=args["carrier"] or "",
        status=args["status"] or "", no_file=bool(args["no_file"]), sort=args["sort"],
        page=args["page"])
    rows, has_next = listing.search(found, filters, args["per_page"])
    items = [shapes.document(d, file_count=d.file_count) for d in listing.as_models(rows)]
    return jsonify(shapes.page(items, args, has_next, "api.documents", body_id=found.id))


@bp.post("/bodies/<int:body_id>/documents")
@token_required("write")
def register(body_id):
    """Register a document with its files in one multipart request; the server gives the 档号."""
    found = body_for(body_id, "document.register")
    require_multipart()
    return idempotency.run(api_user(), idempotency_key(), request_fingerprint(),
                           lambda: _register(found))


def _register(found):
    fields = form_fields(ALL_FIELDS + ("duplicate_ok",))
    knowingly = fields.pop("duplicate_ok", "").strip().lower() in ("1", "true")  # form_fields refused other words
    try:
        document = registry.register_document(found, api_user(), fields, uploads(),
                                              duplicates_ok=knowingly, **_store_args())
    except registry.DuplicateContent as error:
        raise Problem(409, error.field_errors["files"][0], "duplicate-content",
                      title=_("文件内容与已登记的文件相同"), extensions={"duplicates": [
                          {"file": name, "document_id": d.id, "reference_code": d.reference_code,
                           "title": d.title,
                           "url": url_for("api.document", body_id=found.id, document_id=d.id)}
                          for name, d in error.matches]}) from None
    except InvalidInput as error:
        raise _invalid(error) from None
    return _created(shapes.document(document, files.files_of(document), warnings=document.warnings))


@bp.get("/bodies/<int:body_id>/documents/<int:document_id>")
@token_required()
def document(body_id, document_id):
    """One document with its files and their download links."""
    found = _document(body_for(body_id), document_id)
    return jsonify(shapes.document(found, files.files_of(found)))


@bp.post("/bodies/<int:body_id>/documents/<int:document_id>/files")
@token_required("write")
def add_files(body_id, document_id):
    """Add files to a document, or (with `replaces`) a new version of one of its files."""
    found = _document(body_for(body_id, "document.edit"), document_id)
    require_multipart()
    return idempotency.run(api_user(), idempotency_key(), request_fingerprint(),
                           lambda: _add_files(found))


def _add_files(found):
    fields = form_fields((REPLACES,))
    replaces = None
    if fields.get(REPLACES):
        raw = fields[REPLACES].strip()
        replaces = registry.file_of(found, int(raw)) if raw.isdigit() and len(raw) < 19 else None
        if replaces is None:
            raise Problem(422, _("要替换的文件不属于这件文件。"), "validation",
                          errors={REPLACES: [_("请填写这件文件中某个文件的编号。")]})
    try:
        registry.add_file(found, api_user(), uploads(), replaces=replaces, **_store_args())
    except InvalidInput as error:
        raise _invalid(error) from None
    return _created(shapes.document(found, files.files_of(found)))


def _created(data):
    """201 Created with the document's JSON, its address in Location."""
    return make_response(jsonify(data), 201, {"Location": data["url"]})


@bp.get("/bodies/<int:body_id>/documents/<int:document_id>/files/<int:file_id>/content")
@token_required()
def file_content(body_id, document_id, file_id):
    """A file's content, under its original name."""
    found = _document(body_for(body_id), document_id)
    stored = registry.file_of(found, file_id)
    store = current_app.extensions["store"]
    if stored is None:
        raise Problem(404, _("这件文件中没有该文件。"))
    if not store.exists(stored.sha256):
        raise Problem(404, _("文件内容在存储中缺失，请联系管理员检查存储。"))
    response = send_file(store.path(stored.sha256), mimetype=stored.media_type, as_attachment=True,
                         download_name=stored.original_name, etag=stored.sha256,
                         conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/bodies/<int:body_id>/checkins")
@token_required()
def checkins(body_id):
    """The body's check-ins, newest first, each with its follow-ups."""
    found = body_for(body_id, "checkin.view")
    args = parse_query(PAGE)
    rows, has_next = queries.checkins(found, args["page"], args["per_page"])
    items = [shapes.checkin(c, c.follow_ups) for c in rows]
    return jsonify(shapes.page(items, args, has_next, "api.checkins", body_id=found.id))


@bp.get("/bodies/<int:body_id>/follow-ups")
@token_required()
def follow_ups(body_id):
    """The follow-up actions of the body's check-ins, by due date."""
    found = body_for(body_id, "checkin.view")
    args = parse_query(FOLLOW_UP_FILTERS)
    rows, has_next = queries.follow_ups(found, args["open"], args["page"], args["per_page"])
    items = [shapes.follow_up(f) for f in rows]
    return jsonify(shapes.page(items, args, has_next, "api.follow_ups", body_id=found.id))


@bp.get("/bodies/<int:body_id>/transfers")
@token_required()
def transfers(body_id):
    """The body's transfers and their status."""
    found = body_for(body_id)
    return jsonify(items=[shapes.transfer(t) for t in queries.transfers(found)])


@bp.get("/bodies/<int:body_id>/transfers/<int:transfer_id>")
@token_required()
def transfer(body_id, transfer_id):
    """One transfer's status."""
    found = queries.transfer(body_for(body_id), transfer_id)
    if found is None:
        raise Problem(404, _("本机构没有该移交记录。"))
    return jsonify(shapes.transfer(found))


@bp.get("/bodies/<int:body_id>/transfers/<int:transfer_id>/package")
@token_required()
def transfer_package(body_id, transfer_id):
    """The exported transfer package (zip), for the receiving archive."""
    found = queries.transfer(body_for(body_id, "transfer.receive"), transfer_id)
    if found is None:
        raise Problem(404, _("本机构没有该移交记录。"))
    path = queries.package_file(found)
    if path is None:
        raise Problem(409, _("移交包尚未导出为 zip 文件（当前状态：%(s)s）。请在导出完成后再下载。", s=found.status),
                      "package-unavailable")
    response = send_file(path, mimetype="application/zip", as_attachment=True,
                         download_name=path.name, etag=found.package_sha256 or True,
                         conditional=True, max_age=0)
    if re.fullmatch(r"[0-9a-f]{64}", found.package_sha256 or ""):
        # RFC 9530: the receiving archive can check the download against the register's digest.
        digest = base64.b64encode(bytes.fromhex(found.package_sha256)).decode()
        response.headers["Repr-Digest"] = f"sha-256=:{digest}:"
    return response
