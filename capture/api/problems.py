"""Errors of the JSON API as problem details (RFC 9457), never an HTML page or a stack trace."""
import json

from flask import Response, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/"
# Problem types with a meaning of their own; each has a section on the API's documentation page,
# so the `type` URI (relative to the API) leads a developer to the explanation.
TYPES = {
    "validation": "/api/v1/docs#problem-validation",
    "unauthorized": "/api/v1/docs#problem-unauthorized",
    "insufficient-scope": "/api/v1/docs#problem-insufficient-scope",
    "idempotency-key-reused": "/api/v1/docs#problem-idempotency-key-reused",
    "idempotency-key-in-use": "/api/v1/docs#problem-idempotency-key-in-use",
    "rate-limited": "/api/v1/docs#problem-rate-limited",
    "package-unavailable": "/api/v1/docs#problem-package-unavailable",
    "duplicate-content": "/api/v1/docs#problem-duplicate-content",
    "busy": "/api/v1/docs#problem-busy",
}
# Seconds a client is asked to wait before retrying a request that found the database busy.
BUSY_RETRY_AFTER = 5


class Problem(Exception):
    """Raised in an API view to answer with a problem document."""

    def __init__(self, status, detail, kind=None, title=None, errors=None, headers=None,
                 extensions=None):
        super().__init__(detail)
        self.status, self.detail, self.kind = status, detail, kind
        self.title, self.errors, self.headers = title, errors, headers or {}
        self.extensions = extensions or {}


def is_api_request():
    """True for requests under /api/, whose errors are problem documents."""
    return request.path.startswith(API_PREFIX)


def response(status, detail, kind=None, title=None, errors=None, headers=None, extensions=None):
    """A problem document response: type, title, status, detail, errors and extension members."""
    body = {"type": TYPES[kind] if kind else "about:blank",
            "title": title or HTTP_STATUS_CODES.get(status, "Error"),
            "status": status, "detail": str(detail)}
    if errors:
        body["errors"] = {field: [str(m) for m in messages] for field, messages in errors.items()}
    body.update(extensions or {})
    result = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    result.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        result.headers[name] = value
    return result


def from_problem(problem):
    """The response for a raised Problem."""
    return response(problem.status, problem.detail, problem.kind, problem.title, problem.errors,
                    problem.headers, problem.extensions)


def from_http_exception(error):
    """A werkzeug HTTP error (404, 405, 413, 415 …) as a problem document."""
    headers = {k: v for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")}
    return response(error.code, detail_for(error.code, error.description or ""), headers=headers)


def detail_for(status, default=""):
    """What an HTTP error means to an API client, in its words rather than a web page's."""
    details = {
        400: _("请求格式不正确。"),
        403: _("令牌的用户无权执行此操作。"),
        404: _("找不到该资源，或令牌无权查看。"),
        405: _("该地址不支持此请求方法。"),
        415: _("请求的内容类型不受支持。"),
        503: _("数据库正忙（例如正在批量导入），这次请求没有执行。请按 Retry-After 的秒数稍后重试。"),
    }
    return details.get(status, default)


def register(app):
    """Answer every error under /api/ with a problem document; other paths are unchanged."""
    app.register_error_handler(Problem, from_problem)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if is_api_request():
            return from_http_exception(error)
        return error

    @app.errorhandler(InternalServerError)
    def server_error(error):
        if is_api_request():
            # The cause goes to the log (Flask logs it before calling this), never to the client.
            return response(500, _("服务器内部错误，请稍后重试；如果反复出现，请联系管理员。"))
        return error
