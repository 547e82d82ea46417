"""The OpenAPI 3.1 document of /api/v1, built from the same declarations the views use."""
import sys
import unicodedata
from functools import lru_cache

from capture.i18n import N_
from capture.models import (BODY_KINDS, BODY_STATUSES, CARRIERS, CHECKIN_MODES, CHECKIN_STATUSES,
                            DOCUMENT_STATUSES, RETENTIONS, ROLES, SECURITY_LEVELS, TIERS)
from capture.records.validation import LENGTHS, MAX_PAGES, MULTILINE

from .problems import MEDIA_TYPE, TYPES
from .queries import DOCUMENT_FILTERS, FOLLOW_UP_FILTERS, PAGE
from .support import IDEMPOTENCY_HEADER, KEY_PATTERN, MAX_KEY

DB_INT = 2**63 - 1
# (slug, status, title, when it happens) — shown on the documentation page, linked from `type`.
PROBLEMS = [
    ("validation", 422, N_("提交的内容未通过校验"),
     N_("字段或查询参数不符合要求。errors 按字段列出每条原因，与网页登记表的提示相同。")),
    ("unauthorized", 401, N_("缺少有效令牌"),
     N_("没有 Authorization: Bearer 令牌，或令牌已撤销，或令牌所属用户已停用。")),
    ("insufficient-scope", 403, N_("令牌权限不足"), N_("只读令牌不能登记或添加文件；请新建读写令牌。")),
    ("idempotency-key-reused", 422, N_("Idempotency-Key 已用于其他请求"),
     N_("同一用户在 24 小时内用同一个键发送了内容不同的请求。重试时请原样重发；新的请求请换新键。")),
    ("idempotency-key-in-use", 409, N_("同一 Idempotency-Key 的请求正在处理"),
     N_("第一次请求还没有处理完。请按 Retry-After 稍后重试，将得到第一次请求的结果。")),
    ("rate-limited", 429, N_("请求过于频繁"),
     N_("每个令牌每分钟的请求数有上限（所有服务进程共同计数）。请按 Retry-After 的秒数等待后重试。")),
    ("package-unavailable", 409, N_("移交包尚不能下载"), N_("移交尚未导出，或导出为文件夹而非 zip。")),
    ("duplicate-content", 409, N_("文件内容与已登记的文件相同"),
     N_("所选文件的内容本机构已经登记过；没有登记，也没有使用档号。duplicates 列出相同的文件。"
        "确属另一件文件的，在请求中加字段 duplicate_ok=true 后重发。")),
    ("busy", 503, N_("数据库正忙"),
     N_("另一项写入（如批量导入的一批）占用数据库的时间超过了等待上限，这次请求没有执行，也没有留下任何改动。请按 Retry-After 的秒数稍后重试。")),
]

ERROR_TEXT = {
    400: N_("请求格式不正确（例如 Idempotency-Key 含非 ASCII 字符，或 multipart 内容损坏）。"),
    401: N_("缺少有效令牌。"), 403: N_("令牌的用户无权执行此操作，或令牌没有 write 权限。"),
    404: N_("资源不存在，或令牌的用户无权查看（不区分这两种情况）。"),
    409: N_("冲突：同一 Idempotency-Key 的请求正在处理，移交包尚不能下载，或文件内容与已登记的文件相同（duplicate-content）。"),
    413: N_("请求超过上传上限。"), 415: N_("请求体不是 multipart/form-data。"),
    416: N_("请求的字节范围无效。"),
    422: N_("内容未通过校验；errors 列出各字段的原因。"), 429: N_("请求过于频繁；见 Retry-After。"),
    500: N_("服务器内部错误（不含调试信息）。"), 503: N_("数据库正忙，请求未执行；见 Retry-After。"),
    507: N_("服务器存储空间不足，文件未保存。"),
}
READ_ERRORS = (401, 404, 429, 500, 503)


def _nullable(schema):
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties, required=None, **extra):
    return {"type": "object", "properties": properties,
            "required": list(required if required is not None else properties), **extra}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}


def _schemas():
    problem = _object({
        "type": {"type": "string", "format": "uri-reference",
                 "description": N_("问题类型；about:blank 表示仅由状态码说明。")},
        "title": STRING, "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": STRING,
        "errors": {"type": "object", "description": N_("出错的字段（或查询参数）及其原因。"),
                   "additionalProperties": {"type": "array", "items": STRING}},
        "duplicates": {"type": "array", "description": "duplicate-content：所选文件与本机构哪些已登记文件内容相同。",
                       "items": _object({"file": STRING, "document_id": INTEGER,
                                         "reference_code": STRING, "title": STRING,
                                         "url": STRING})},
    }, required=["type", "title", "status", "detail"])
    body = _object({
        "id": INTEGER, "code": STRING, "name": STRING, "fonds_code": STRING,
        # The built-in kinds, or one an archive added with its playbook (records/playbooks).
        "kind": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,19}$", "examples": list(BODY_KINDS)},
        "tier": {"type": "string", "enum": list(TIERS)},
        "status": {"type": "string", "enum": list(BODY_STATUSES)},
        "lead_org": STRING, "established_on": DATE, "expected_end": _nullable(DATE),
        "dissolved_on": _nullable(DATE),
        "role": {"type": ["string", "null"], "enum": list(ROLES) + [None],
                 "description": N_("令牌用户在本机构中的有效角色。")},
        "documents_url": STRING})
    file = _object({
        "id": INTEGER, "original_name": STRING, "size": INTEGER,
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "media_type": STRING,
        "puid": {"type": "string", "description": N_("PRONOM 格式标识，如 fmt/95（PDF/A-1a）。")},
        "format_name": STRING,
        "long_term": {"type": "boolean", "description": N_("是否为可长期保存的格式。")},
        "pages": {"type": ["integer", "null"], "description": N_("从文件读出的页数（PDF、OFD、多页 TIFF）；null：无页可数。")},
        "claimed_format": {"type": "string", "description": N_("文件声明的格式（如 PDF/A-1b）；空：无声明。")},
        "claim_finding": {"type": "string", "description": N_("声明的格式未通过核验的原因；空：核验通过或无声明。")},
        "version": INTEGER, "replaces": _nullable(INTEGER),
        "current": {"type": "boolean", "description": N_("false：已被新版本替换。")},
        "created_at": DATETIME, "download_url": STRING})
    document_props = {
        "id": INTEGER,
        "reference_code": {"type": "string", "description": N_("档号，由服务器给出，如 J001-WS·2026-Y-ZH-0001。")},
        "record_class": {"type": "string", "enum": ["WS", "ZP", "LX"]}, "year": INTEGER,
        "retention": {"type": "string", "enum": list(RETENTIONS)},
        "category": {"type": ["object", "null"], "properties": {"code": STRING, "name": STRING},
                     "required": ["code", "name"]},
        "item_number": INTEGER, "doc_number": STRING, "responsible": STRING, "title": STRING,
        "title_supplied": BOOLEAN, "date": DATE, "pages": INTEGER,
        "security": {"type": "string", "enum": list(SECURITY_LEVELS)},
        "carrier": {"type": "string", "enum": list(CARRIERS)}, "remarks": STRING,
        "scope_item": _nullable(INTEGER),
        "status": {"type": "string", "enum": list(DOCUMENT_STATUSES)},
        "withdrawn_reason": STRING, "created_at": DATETIME, "updated_at": DATETIME,
        "url": STRING, "web_url": STRING, "file_count": INTEGER}
    document = _object(document_props)
    detail = _object({**document_props, "files": {"type": "array", "items": _ref("File")},
                      "warnings": {"type": "array", "items": STRING,
                                   "description": N_("登记时的提醒（如日期不在机构存续期间），仅在登记的响应中出现。")}},
                     required=list(document_props) + ["files"])
    follow_up = _object({"id": INTEGER, "checkin_id": INTEGER, "action": STRING, "owner": STRING,
                         "due": DATE, "done_on": _nullable(DATE)})
    checkin = _object({
        "id": INTEGER, "scheduled_for": DATETIME,
        "mode": {"type": "string", "enum": list(CHECKIN_MODES)}, "place": STRING,
        "status": {"type": "string", "enum": list(CHECKIN_STATUSES)}, "is_final": BOOLEAN,
        "liaison": STRING, "duration_minutes": _nullable(INTEGER), "notes": STRING,
        "findings": STRING, "recorded_at": _nullable(DATETIME),
        "follow_ups": {"type": "array", "items": _ref("FollowUp")}})
    transfer = _object({
        "id": INTEGER, "kind": STRING,
        "status": {"type": "string", "description": "checking → exported → received"},
        "progress": INTEGER, "message": STRING, "started_at": DATETIME,
        "finished_at": _nullable(DATETIME), "item_count": INTEGER, "file_count": INTEGER,
        "package_sha256": _nullable(STRING), "package_size": _nullable(INTEGER),
        "received_at": _nullable(DATETIME),
        "package_url": {"type": ["string", "null"], "description": N_("已导出为 zip 时可下载。")}})
    token = _object({"label": STRING, "scopes": {"type": "array", "items": {"enum": ["read", "write"]}},
                     "user": _object({"username": STRING, "display_name": STRING,
                                      "role": {"type": "string", "enum": list(ROLES)}})})
    return {"Problem": problem, "Body": body, "File": file, "Document": document,
            "DocumentDetail": detail, "FollowUp": follow_up, "CheckIn": checkin,
            "Transfer": transfer, "Token": token,
            "BodyList": _object({"items": {"type": "array", "items": _ref("Body")}}),
            "TransferList": _object({"items": {"type": "array", "items": _ref("Transfer")}}),
            "DocumentPage": _page("Document"), "CheckInPage": _page("CheckIn"),
            "FollowUpPage": _page("FollowUp"),
            "DocumentForm": _document_form(), "FilesForm": _files_form()}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _page(item):
    return _object({"items": {"type": "array", "items": _ref(item)}, "page": INTEGER,
                    "per_page": INTEGER, "has_next": BOOLEAN,
                    "next": {"type": ["string", "null"], "description": N_("下一页的地址（带相同条件）。")}})


FILES = {"type": "array", "items": {"type": "string", "contentMediaType": "application/octet-stream"},
         "description": N_("文件本身（可多个），以原文件名上传；格式由内容识别，可执行程序和含宏文档会被拒绝。")}


def _refused_characters(multiline=False):
    """A regex class body of the characters text.has_control_characters refuses (Unicode Cc, Cf,
    Co), so the document states the same rule the code applies. Surrogates (Cs) are left out:
    UTF-8 cannot carry them, and a pattern naming them is one many regex engines reject."""
    allowed = {"\n", "\r", "\t"} if multiline else set()
    ranges, start, last = [], None, None
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) in ("Cc", "Cf", "Co") and char not in allowed:
            if start is None:
                start = code
            last = code
        elif start is not None:
            ranges.append((start, last))
            start = None
    if start is not None:
        ranges.append((start, last))

    def escape(code):
        # A \u escape of four hex digits reads the same in ECMA-262 and Python regexes;
        # beyond the BMP, the character itself.
        return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)
    return "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in ranges)


@lru_cache(maxsize=None)
def text_pattern(required=False, multiline=False):
    """The pattern of a free-text form field: no control characters; if required, not blank."""
    refused = _refused_characters(multiline)
    if required:  # the value is trimmed before it is checked, so blanks alone count as empty
        return f"^[^{refused}]*[^{refused}\\s][^{refused}]*$"
    return f"^[^{refused}]*$"


# A year from 1900: an earlier one is refused as a typo (0026 for 2026).
DATE_PATTERN = "^(19[0-9]{2}|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$"


def _document_form():
    text = {name: {"type": "string", "maxLength": size,
                   "pattern": text_pattern(name in ("responsible", "title"), name in MULTILINE)}
            for name, size in LENGTHS.items()}
    return {"type": "object", "additionalProperties": False,
            "required": ["retention", "responsible", "title", "date"],
            "properties": {
                "category": {"type": "string", "maxLength": 10, "pattern": text_pattern(),
                             "description": N_("本机构的分类代码，留空表示不分类。")},
                "retention": {"type": "string", "enum": list(RETENTIONS), "description": N_("保管期限：Y 永久，D30 30 年，D10 10 年。")},
                "carrier": {"type": "string", "enum": list(CARRIERS), "default": "electronic"},
                "doc_number": {**text["doc_number"], "description": N_("文号，没有则留空。")},
                "responsible": {**text["responsible"], "minLength": 1, "description": N_("责任者全称（不写“本局”）。")},
                "title": {**text["title"], "minLength": 1},
                "title_supplied": {"type": "boolean", "default": False, "description": N_("自拟题名。")},
                "date": {"type": "string", "format": "date", "pattern": DATE_PATTERN,
                         "description": N_("成文日期，YYYY-MM-DD，1900 年以后，不能晚于今天。")},
                "pages": {"type": "integer", "minimum": 0, "maximum": MAX_PAGES, "default": 0},
                "security": {"type": "string", "enum": list(SECURITY_LEVELS), "default": ""},
                "scope_item": {"type": "integer", "minimum": 1, "maximum": DB_INT,
                               "description": N_("归入的归档范围条目编号。")},
                "remarks": text["remarks"],
                "duplicate_ok": {"type": "boolean", "default": False,
                                 "description": N_("明知文件内容与本机构已登记的文件相同，仍要登记；"
                                                   "不带此字段时这种情况答 409 duplicate-content，不登记。")},
                "files": FILES}}


def _files_form():
    return {"type": "object", "additionalProperties": False, "required": ["files"],
            # A new version replaces one file with one file.
            "dependentSchemas": {"replaces": {"properties": {"files": {"maxItems": 1}}}},
            "properties": {"files": {**FILES, "minItems": 1},
                           "replaces": {"type": "integer", "minimum": 1, "maximum": DB_INT,
                                        "description": N_("被替换文件的编号；此时只能上传一个文件，作为它的新版本。")}}}


def _errors(*statuses):
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in statuses}


def _json(schema_name, description, headers=None):
    response = {"description": description,
                "content": {"application/json": {"schema": _ref(schema_name)}}}
    if headers:
        response["headers"] = headers
    return response


def _id(name, description):
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "integer", "minimum": 1, "maximum": DB_INT}, "example": 1}


BODY_ID = _id("body_id", N_("机构编号（见 GET /bodies）。"))
DOCUMENT_ID = _id("document_id", N_("文件编号。"))
FILE_ID = _id("file_id", N_("文件中电子文件的编号。"))
TRANSFER_ID = _id("transfer_id", N_("移交编号。"))
IDEMPOTENCY = {"name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
               "description": N_("重试安全：同一用户 24 小时内用同一个键重发同样的请求，得到第一次的结果而不会重复登记。"),
               "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY,
                          "pattern": KEY_PATTERN}}


def _query(params):
    return [{"name": p.name, "in": "query", "required": False, "description": p.description,
             "schema": p.schema()} for p in params]


def _get(operation, summary, response, params=(), extra_errors=(), tag="documents"):
    return {"get": {"operationId": operation, "summary": summary, "tags": [tag],
                    "parameters": list(params),
                    "responses": {"200": response, **_errors(*READ_ERRORS, *extra_errors)}}}


def _binary(description):
    return {"200": {"description": description, "content": {"*/*": {"schema": {
        "type": "string", "contentMediaType": "application/octet-stream"}}},
        "headers": {"Content-Disposition": {"schema": STRING, "description": N_("原文件名（RFC 6266）。")},
                    "ETag": {"schema": STRING}}},
            "206": {"description": N_("所请求的字节范围（Range）。"), "content": {"*/*": {"schema": {
                "type": "string", "contentMediaType": "application/octet-stream"}}}},
            "304": {"description": N_("未改变（If-None-Match 与 ETag 相同）。")}}


def _post(operation, summary, params, form, created, tag="documents"):
    return {"operationId": operation, "summary": summary, "tags": [tag],
            "parameters": list(params) + [{"$ref": "#/components/parameters/IdempotencyKey"}],
            "requestBody": {"required": True, "content": {"multipart/form-data": {
                "schema": _ref(form),
                "encoding": {"files": {"contentType": "application/octet-stream"}}}}},
            "responses": {"201": _json("DocumentDetail", created, {
                "Location": {"schema": STRING, "description": N_("该文件（件）的地址。")},
                "Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]},
                                        "description": N_("重试时出现：这是第一次请求的结果。")}}),
                **_errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503, 507)},
            "security": [{"bearerAuth": ["write"]}]}


def _paths():
    body, doc = "/bodies/{body_id}", "/bodies/{body_id}/documents/{document_id}"
    documents = _get("listDocuments", N_("列出、查找本机构的文件"), _json("DocumentPage", N_("一页文件。")),
                     [BODY_ID] + _query(DOCUMENT_FILTERS), extra_errors=(422,))
    documents["post"] = _post("registerDocument", N_("登记一件文件及其电子文件（一次 multipart 请求）"),
                              [BODY_ID], "DocumentForm", N_("已登记；正文为该文件，含服务器给出的档号。"))
    public = {"security": [], "tags": ["docs"]}
    return {
        "/openapi.json": {"get": {**public, "operationId": "getOpenApi", "summary": N_("本文档（OpenAPI 3.1）"),
                                  "responses": {"200": {"description": N_("OpenAPI 文档。"), "content": {
                                      "application/json": {"schema": {"type": "object"}}}}}}},
        "/docs": {"get": {**public, "operationId": "getDocs", "summary": N_("供人阅读的接口说明页"),
                          "responses": {"200": {"description": N_("HTML 页面。"), "content": {
                              "text/html": {"schema": {"type": "string"}}}}}}},
        "/token": _get("getToken", N_("当前令牌及其用户"), _json("Token", N_("令牌信息。")), tag="tokens"),
        "/bodies": _get("listBodies", N_("令牌用户可见的临时机构"), _json("BodyList", N_("机构列表。")),
                        tag="bodies"),
        body: _get("getBody", N_("一个临时机构"), _json("Body", N_("机构。")), [BODY_ID], tag="bodies"),
        body + "/documents": documents,
        doc: _get("getDocument", N_("一件文件及其电子文件"),
                  _json("DocumentDetail", N_("文件，含电子文件及下载地址。")), [BODY_ID, DOCUMENT_ID]),
        doc + "/files": {"post": _post("addFiles", N_("为文件添加电子文件（或替换为新版本）"),
                                       [BODY_ID, DOCUMENT_ID], "FilesForm", N_("已添加；正文为更新后的文件。"))},
        doc + "/files/{file_id}/content": {"get": {
            "operationId": "downloadFile", "summary": N_("下载电子文件（原文件名）"), "tags": ["documents"],
            "parameters": [BODY_ID, DOCUMENT_ID, FILE_ID],
            "responses": {**_binary(N_("文件内容。")), **_errors(*READ_ERRORS, 416)}}},
        body + "/checkins": _get("listCheckIns", N_("本机构的指导记录（含跟进事项）"),
                                 _json("CheckInPage", N_("一页指导记录。")), [BODY_ID] + _query(PAGE),
                                 extra_errors=(403, 422), tag="guidance"),
        body + "/follow-ups": _get("listFollowUps", N_("本机构的跟进事项"),
                                   _json("FollowUpPage", N_("一页跟进事项。")),
                                   [BODY_ID] + _query(FOLLOW_UP_FILTERS), extra_errors=(403, 422),
                                   tag="guidance"),
        body + "/transfers": _get("listTransfers", N_("本机构的移交及其状态"),
                                  _json("TransferList", N_("移交列表。")), [BODY_ID], tag="transfers"),
        body + "/transfers/{transfer_id}": _get("getTransfer", N_("一次移交的状态"),
                                                _json("Transfer", N_("移交状态。")),
                                                [BODY_ID, TRANSFER_ID], tag="transfers"),
        body + "/transfers/{transfer_id}/package": {"get": {
            "operationId": "downloadTransferPackage", "summary": N_("下载已导出的移交包（zip）"),
            "tags": ["transfers"], "parameters": [BODY_ID, TRANSFER_ID],
            "responses": {**_binary(N_("移交包（BagIt，zip）。Repr-Digest 头给出其 SHA-256。")),
                          **_errors(*READ_ERRORS, 403, 409, 416)}}},
    }


def _responses():
    responses = {}
    for status, text in ERROR_TEXT.items():
        response = {"description": text, "content": {MEDIA_TYPE: {"schema": _ref("Problem")}}}
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {"schema": STRING}}
        if status in (409, 429, 503):
            response["headers"] = {"Retry-After": {"schema": STRING, "description": N_("等待的秒数。")}}
        responses[f"E{status}"] = response
    return responses


@lru_cache(maxsize=1)
def document():
    """The OpenAPI document as a dict (built once; it depends only on the code)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": N_("临时机构档案 API"), "version": "1.0.0",
                 "description": N_("供业务系统在办结时即时归档（“办结即归档”）。以 Bearer 令牌认证，令牌按其用户的权限行事；"
                                   "错误以 RFC 9457 problem+json 返回。令牌在网页“接口令牌”中创建，只显示一次。")},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": ["read"]}],
        "tags": [{"name": n} for n in ("docs", "tokens", "bodies", "documents", "guidance", "transfers")],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": N_("Authorization: Bearer cap_…；read 令牌只能读取，read write 令牌还能登记和添加文件。")}},
            "schemas": _schemas(),
            "parameters": {"IdempotencyKey": IDEMPOTENCY},
            "responses": _responses(),
        },
        "x-problem-types": {slug: TYPES[slug] for slug, *_rest in PROBLEMS},
    }
