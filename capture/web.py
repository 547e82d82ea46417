"""Wires the blueprints, error pages and template helpers into the app."""
from flask import current_app, g, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from peewee import OperationalError, fn
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter

from . import forms, jobs, labels, prepared
from .api import problems
from .db import is_busy
from .i18n import fill, kept_text, size_text
from .models import Notification
from .people import auth
from .records import filefacts, series
from .records.playbooks.versions import kind_label
from .storage import DiskFull

# Top navigation and body tabs in display order: (endpoint, label, action). An entry whose
# blueprint is not registered is skipped, so a feature appears as soon as its module lands.
NAV = [
    ("guidance.dashboard", _l("指导工作台"), "stats.view"),
    ("transfer.index", _l("移交"), "package.verify"),
    ("guidance.statistics", _l("统计"), "stats.view"),
    ("playbooks.index", _l("分类指导"), "playbook.view"),
    ("guidance.inbox", _l("通知"), None),
    ("people.tokens", _l("接口令牌"), None),
]
BODY_TABS = [
    ("records.body_detail", _l("概况"), "body.view"),
    ("records.documents", _l("文件"), "body.view"),
    ("records.scope", _l("归档范围"), "body.view"),
    ("guidance.body_checkins", _l("指导"), "checkin.view"),
    ("transfer.body", _l("撤销与移交"), "body.view"),
    ("playbooks.body", _l("分类指导"), "body.view"),
    ("records.members", _l("成员"), "body.members"),
    ("records.audit_trail", _l("审计记录"), "body.audit"),
]


def nav_links():
    """The top navigation entries the current user may use."""
    return [(endpoint, label, action) for endpoint, label, action in _translated("nav", NAV)
            if action is None or allowed(action)]


def body_tabs(body):
    """The body's tabs the current user may open, as (label, URL, is the page shown)."""
    user, path = current_user._get_current_object(), request.path
    tabs = [(label, url_for(endpoint, body_id=body.id))
            for endpoint, label, action in _translated("tabs", BODY_TABS) if auth.can(user, action, body)]
    # The tab whose address is the longest start of this page's: a document's page and the
    # register form sit under the 文件 tab's /documents, every tab under the overview's /bodies/N.
    # The bulk import lives at /bodies/N/import but belongs with the documents it brings in.
    path = path.replace(f"/bodies/{body.id}/import", f"/bodies/{body.id}/documents/import", 1)
    within = [url for _label, url in tabs if path == url or path.startswith(url.rstrip("/") + "/")]
    shown = max(within, key=len, default=None)
    return [(label, url, url == shown) for label, url in tabs]


def _translated(name, entries):
    """The registered entries with their labels in the current language, worked out once per
    app and language: every page shows them, and a lazy label translates itself at each use."""
    done = current_app.extensions.setdefault("translated_entries", {})
    key = (name, str(get_locale()))
    found = done.get(key)
    if found is None:
        found = done[key] = [(endpoint, str(label), action) for endpoint, label, action in entries
                             if endpoint in current_app.view_functions]
    return found


def finding_text(finding):
    """A check finding in the reader's language. A report kept before findings had their message
    and values apart (before December 2026) has only the Chinese it was written in: it is shown as
    kept, marked as Chinese (lang="zh-CN") for the browser, screen readers and translators."""
    if finding.get("template"):
        return fill(finding["template"], finding.get("params"))
    return Markup('<span lang="zh-CN">%s</span>') % finding["message"]


def allowed(action, body=None):
    """Template helper: may the current user do `action`? Memoised for the request."""
    cache = g.setdefault("allowed", {})
    key = (action, body.id if body is not None else None)
    if key not in cache:
        cache[key] = auth.can(current_user._get_current_object(), action, body)
    return cache[key]


def compact_date(day):
    """A date as the catalogue writes it, YYYYMMDD (a filter: a method call in a template costs
    several times more, and the document list calls it for every row)."""
    return day.isoformat().replace("-", "")  # a fifth of strftime()'s time


def unread_count():
    """Unread notifications of the current user, for the navigation badge."""
    if not current_user.is_authenticated:
        return 0
    return prepared.scalar("web.unread_count", _unread, user=current_user.id)


def _unread():
    return Notification.select(fn.COUNT(Notification.id)).where(
        Notification.user == prepared.Slot("user"), Notification.read_at.is_null())


def _error(status, title, message):
    if problems.is_api_request():
        return problems.response(status, problems.detail_for(status, message))
    return render_template("error.html", status=status, title=title, message=message), status


def _drain_request():
    """Read and drop the rest of a refused upload: a server that answers and hangs up while the
    browser is still sending gets a connection reset shown instead of its message."""
    stream = request.stream
    while stream.read(1024 * 1024):
        pass


class BoundedIntConverter(IntegerConverter):
    """<int:…> ids that fit a database integer; a larger number is a plain 404, not a crash."""

    def __init__(self, map, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, **kwargs)


def _no_such_address(error):
    """True when a 405 hides a 404: werkzeug notes a path's methods before its converters check
    the values, so POST to /bodies/<an id beyond 64 bits>/… reported 405 while GET gave 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in getattr(error, "valid_methods", None) or ():
        try:
            adapter.match(method=method)
        except NotFound:
            continue
        except HTTPException:
            return False
        return False
    return bool(getattr(error, "valid_methods", None))


def healthz():
    """Liveness probe for a load balancer (and the benchmarks' trivial endpoint): no login, no query."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def register(app):
    """Register every blueprint, the error pages and the template helpers."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.extensions["body_sender"] = auth.body_sender  # who may send an upload-sized body
    app.add_url_rule("/healthz", "healthz", healthz)
    from .api import views as api
    from .ops import views as ops
    from .guidance import views as guidance
    from .people import views as people
    from .records import views as records
    from .records.imports import views as imports
    from .records.playbooks import views as playbooks
    from .transfer import views as transfer
    for module in (people, records, guidance, transfer, api, imports, ops, playbooks):
        app.register_blueprint(module.bp)
    problems.register(app)
    app.jinja_env.globals.update(allowed=allowed, unread_count=unread_count,
                                 nav_links=nav_links, body_tabs=body_tabs,
                                 get_locale=get_locale, no_worker=jobs.no_worker,
                                 acts_as=auth.acts_as)
    app.jinja_env.filters["compact_date"] = compact_date
    app.jinja_env.globals["kind_label"] = kind_label
    app.jinja_env.globals["series_label"] = lambda period: series.label(period, get_locale())
    app.jinja_env.globals["claim_finding"] = filefacts.finding_text
    app.jinja_env.filters["size"] = size_text
    app.jinja_env.filters["finding_text"] = finding_text
    # A stored message marked with N_ shown in the reader's language; anything else as it is.
    app.jinja_env.filters["translated"] = lambda text: _(text) if text else text
    app.jinja_env.filters["kept_text"] = kept_text
    labels.register(app)
    forms.init_app(app)

    @app.after_request
    def private_and_secure(response):
        # A page behind login is the user's own: no shared or back-button cache keeps it after
        # logout. Answers that chose their caching (file downloads revalidate) keep theirs.
        if request.endpoint != "static" and (g.get("api_token") or current_user.is_authenticated):
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config["COOKIE_SECURE"]:  # served over HTTPS only: browsers must not try plain HTTP
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.errorhandler(403)
    def forbidden(e):
        return _error(403, _("无权操作"), _("您的角色不能执行此操作。如需权限，请联系管理员。"))

    @app.errorhandler(404)
    def not_found(e):
        return _error(404, _("页面不存在"), _("找不到该页面，或您无权查看。"))

    @app.errorhandler(413)
    def too_large(e):
        limit = app.config["MAX_UPLOAD_MB"]
        if (request.max_content_length or 0) < app.config["MAX_CONTENT_LENGTH"]:
            return _error(413, _("提交的内容过大"),
                          _("这次提交超过了 %(kb)s KB 的上限。只有登录后有权上传文件的用户才能提交文件；"
                            "如需上传，请先登录，或请管理员为您分配上传权限。",
                            kb=request.max_content_length // 1024))
        return _error(413, _("文件过大"),
                      _("上传内容超过 %(mb)s MB 的上限。请压缩或分开上传，或联系管理员调整上限。",
                        mb=limit))

    @app.errorhandler(DiskFull)
    def disk_full(e):
        _drain_request()
        return _error(507, _("存储空间不足"),
                      _("服务器存储空间不足，文件未保存；已保存的文件不受影响。请联系管理员清理磁盘后重试。"))

    @app.errorhandler(405)
    def wrong_method(e):
        if _no_such_address(e):
            return not_found(e)
        if problems.is_api_request():
            return problems.from_http_exception(e)  # keeps the Allow header
        return _error(405, _("无法这样打开"), _("这个地址不能直接打开，请从页面上的按钮操作。"))

    @app.errorhandler(500)
    def server_error(e):
        # The traceback goes to the log (Flask logs it); the user gets a plain way forward.
        return _error(500, _("服务器出错"),
                      _("服务器处理时出错，您的操作可能没有完成。请稍后重试；如反复出现，请把出错时间告诉管理员。"))

    @app.errorhandler(OperationalError)
    def database_busy(e):
        if not is_busy(e):
            raise e  # a real fault: logged and answered as any other server error
        # Nothing was written: the transaction that could not get its lock was rolled back.
        app.logger.warning("database busy: %s %s", request.method, request.path)
        headers = {"Retry-After": str(problems.BUSY_RETRY_AFTER)}
        if problems.is_api_request():
            return problems.response(503, problems.detail_for(503), "busy", headers=headers)
        return render_template("error.html", status=503, title=_("系统正忙，请稍后再试"),
                               message=_("另一项较大的操作（例如批量导入）正在写入数据库，您这次的操作没有保存，也没有留下任何改动。"
                                         "请等几秒钟，返回上一页再提交一次；浏览器通常会保留您已填写的内容。")), 503, headers

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return _error(400, _("表单已过期"),
                      _("表单安全校验失败（可能页面停留太久或已退出登录）。请返回、刷新页面后重新提交。"))
