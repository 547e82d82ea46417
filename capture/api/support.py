"""What every API view needs: the bearer token, its user, the body, strict parameters, uploads.

Query parameters are declared once (Param) and used both to parse requests and to describe
them in the OpenAPI document, so the two cannot disagree.
"""
import hashlib
import re
from dataclasses import dataclass, field
from functools import wraps

from flask import after_this_request, current_app, g, request
from flask_babel import gettext as _

from capture.people import auth, tokens

from .problems import Problem

BEARER = 'Bearer realm="capture"'
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY = 255
# Visible ASCII only, as the OpenAPI document says: a space inside a key ("a b") is refused.
KEY_PATTERN = "^[\\x21-\\x7e]+$"
# Text parameters may not hold control characters (PostgreSQL refuses NUL, and none belongs in
# a search); the same expression is published in the OpenAPI document.
NO_CONTROL = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"


@dataclass(frozen=True)
class Param:
    """A query parameter: its JSON Schema type and limits, its default and description."""
    name: str
    type: str
    description: str
    enum: tuple = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    default: object = None
    example: object = None
    extra: dict = field(default_factory=dict)

    def schema(self):
        """The parameter's JSON Schema (OpenAPI 3.1)."""
        schema = {"type": self.type}
        if self.type == "string" and not self.enum:
            schema["pattern"] = NO_CONTROL
        for key, value in (("enum", list(self.enum) or None), ("minimum", self.minimum),
                           ("maximum", self.maximum), ("maxLength", self.max_length),
                           ("default", self.default)):
            if value is not None:
                schema[key] = value
        return schema

    def parse(self, raw):
        """The typed value of `raw`, or raise ValueError with the reason."""
        if self.type == "boolean":
            if raw.lower() in ("true", "1"):
                return True
            if raw.lower() in ("false", "0"):
                return False
            raise ValueError(_("应为 true 或 false。"))
        if self.type == "integer":
            if not re.fullmatch(r"-?[0-9]{1,12}", raw):
                raise ValueError(_("应为整数。"))
            value = int(raw)
            if (self.minimum is not None and value < self.minimum) or \
                    (self.maximum is not None and value > self.maximum):
                raise ValueError(_("应在 %(a)s 到 %(b)s 之间。", a=self.minimum, b=self.maximum))
            return value
        if not re.fullmatch(NO_CONTROL, raw):
            raise ValueError(_("含有控制字符。"))
        if self.enum and raw not in self.enum:
            raise ValueError(_("应为以下之一：%(values)s。", values=_("、").join(self.enum)))
        if self.max_length is not None and len(raw) > self.max_length:
            raise ValueError(_("最多 %(n)s 个字符。", n=self.max_length))
        return raw


def parse_query(params):
    """The declared query parameters of this request, typed; 422 naming each invalid one."""
    values, errors = {}, {}
    for param in params:
        given = request.args.getlist(param.name)
        if not given:
            values[param.name] = param.default
            continue
        raw = given[0]
        if len(given) > 1:
            errors[param.name] = [_("该参数只能给一次。")]
            continue
        if raw == "":
            errors[param.name] = [_("该参数为空。请给出一个值，或不带这个参数。")]
            continue
        try:
            values[param.name] = param.parse(raw)
        except ValueError as reason:
            errors[param.name] = [str(reason)]
    if errors:
        raise Problem(422, _("查询参数有误，请按 errors 中的说明修改。"), "validation", errors=errors)
    return values


def token_required(scope="read"):
    """Decorator: a live bearer token of an active user, within its rate, with `scope`."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            kind, _sep, raw = header.partition(" ")
            token = tokens.authenticate(raw.strip()) if kind.lower() == "bearer" else None
            if token is None:
                raise Problem(401, _("缺少有效的接口令牌。请在 Authorization 头中发送 “Bearer 令牌”；令牌可能已撤销，或其用户已停用。"),
                              "unauthorized", headers={"WWW-Authenticate": BEARER})
            wait = tokens.count_request(token, current_app.config["API_RATE_PER_MINUTE"])
            # The counts reach the database after the answer has gone out, not before it.
            after_this_request(_flush_counts_when_closed)
            if wait:
                raise Problem(429, _("请求过于频繁：每个令牌每分钟最多 %(n)s 次。请在 %(s)s 秒后重试。",
                                     n=current_app.config["API_RATE_PER_MINUTE"], s=wait),
                              "rate-limited", headers={"Retry-After": str(wait)})
            if scope == "write" and not tokens.may_write(token):
                raise Problem(403, _("该令牌只有只读权限，不能写入。请新建一个读写令牌。"),
                              "insufficient-scope",
                              headers={"WWW-Authenticate": BEARER + ', error="insufficient_scope", scope="write"'})
            g.api_token = token
            return view(*args, **kwargs)
        return wrapped
    return decorator


def _flush_counts_when_closed(response):
    response.call_on_close(tokens.flush_counts)
    return response


def api_user():
    """The user the request's token acts for."""
    return g.api_token.user


def body_for(body_id, action="body.view"):
    """The body if the token's user may see it (404) and do `action` (403), as on the web."""
    return auth.body_or_404(body_id, action, user=api_user())


def require_multipart():
    """415 unless the request body is multipart/form-data."""
    if request.mimetype != "multipart/form-data":
        raise Problem(415, _("请以 multipart/form-data 提交（字段与网页登记表相同，文件放在 files 中）。"))


# Form fields the OpenAPI document calls boolean, and the only words taken for one.
BOOLEAN_FIELDS = ("title_supplied", "duplicate_ok")
BOOLEANS = ("true", "false", "1", "0")


def form_fields(allowed):
    """The submitted form fields, each given once; 422 for unknown or repeated ones."""
    errors = {}
    for name in request.form:
        if name == "files":
            errors[name] = [_("文件应作为 multipart 的文件部分上传，并带上文件名。")]
        elif name not in allowed:
            errors[name] = [_("未知字段。可用字段：%(names)s。", names=_("、").join(allowed))]
        elif len(request.form.getlist(name)) > 1:
            errors[name] = [_("该字段只能提交一次。")]
        elif name in BOOLEAN_FIELDS and request.form[name].strip().lower() not in BOOLEANS:
            errors[name] = [_("应为 true 或 false。")]
    if errors:
        raise Problem(422, _("提交的字段有误，请按 errors 中的说明修改。"), "validation", errors=errors)
    return {name: request.form.get(name) for name in allowed if name in request.form}


def uploads():
    """The files sent as `files` parts, as (name, stream, length) for the registry; 422 for a
    part without a file name (it would be dropped, and the document registered without it)."""
    parts = request.files.getlist("files")
    if any(not part.filename for part in parts):
        raise Problem(422, _("提交的字段有误，请按 errors 中的说明修改。"), "validation",
                      errors={"files": [_("每个文件部分都要带上文件名（Content-Disposition 中的 filename）。")]})
    return [(f.filename, f.stream, f.content_length or None) for f in parts]


def idempotency_key():
    """The request's Idempotency-Key, or None; 400 when it is malformed."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    key = key.strip().strip('"')
    if not re.fullmatch(KEY_PATTERN, key) or len(key) > MAX_KEY:
        raise Problem(400, _("Idempotency-Key 应为 1–255 个可见 ASCII 字符（不含空格），建议使用 UUID。"))
    return key


def _file_digest(stream):
    digest = getattr(stream, "digest", None)  # files received into the store were hashed on arrival
    if digest is not None:
        return digest.hexdigest()
    stream.seek(0)
    result = hashlib.file_digest(stream, "sha256").hexdigest()
    stream.seek(0)
    return result


def request_fingerprint():
    """A digest of what this request asks for: method, path, form fields and file contents."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(f"field {name}={value}\n".encode("utf-8", "surrogatepass"))
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        digest.update(f"file {name} {upload.filename} {_file_digest(upload.stream)}\n"
                      .encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
