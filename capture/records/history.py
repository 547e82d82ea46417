"""The audit trail in people's words: a document's history, and the body's trail with filters."""
import datetime as dt
import json
from dataclasses import dataclass, field

from flask_babel import gettext as _, lazy_gettext as _l

from capture import clock, labels
from capture.i18n import size_text
from capture.models import AuditEvent, Document, User

# What each recorded action means, for the person reading the trail.
ACTIONS = {
    "body.create": _l("临时机构登记"), "body.edit": _l("修改机构信息"),
    "body.dissolve": _l("进入撤销程序"), "body.dissolved": _l("确认撤销"),
    "member.add": _l("成员加入"), "member.remove": _l("移除成员"),
    "category.add": _l("添加分类"), "category.edit": _l("修改分类"),
    "scope.add": _l("添加归档范围条目"), "scope.edit": _l("修改归档范围条目"),
    "scope.remove": _l("删除归档范围条目"),
    "document.register": _l("文件登记"), "document.edit": _l("文件信息修改"),
    "document.file.add": _l("添加电子文件"), "document.file.replace": _l("替换电子文件"),
    "document.withdraw": _l("撤回文件"), "document.import": _l("文件批量导入"),
    "checkin.schedule": _l("指导已安排"), "checkin.outcome": _l("指导结果登记"),
    "checkin.needs_outcome": _l("提醒登记指导结果"),
    "followup.add": _l("新增整改事项"), "followup.done": _l("完成整改事项"),
    "chronicle.add": _l("新增大事记"), "chronicle.edit": _l("大事记修改"),
    "description.edit": _l("修改全宗说明"),
    "commitment.record": _l("作出限时承诺"), "commitment.fulfil": _l("兑现限时承诺"),
    "commitment.overdue": _l("限时承诺逾期"),
    "transfer.check": _l("移交前四性检测"), "transfer.export": _l("移交包导出"),
    "transfer.export_failed": _l("导出移交包失败"), "transfer.receive": _l("档案馆接收"),
    "fixity.damage": _l("发现文件损坏"),
    "fixity.orphans_removed": _l("清除无文件使用的存储内容"), "fixity.check": _l("文件完整性检查"),
    "body.dissolution.correct": _l("更正撤销信息"), "body.dissolution.undo": _l("撤回撤销登记"),
    "phase.record": _l("登记工作阶段"), "checkin.record": _l("登记指导（演示数据）"),
    "transfer.write_again": _l("以另一形式重写移交包"),
    "login": _l("用户登录"), "login.failed": _l("登录失败"), "login.locked": _l("登录暂被限制"),
    "login.throttled": _l("登录因限制被拒绝"), "sessions.end": _l("结束登录会话"), "logout": _l("退出登录"),
    "password.change": _l("密码已修改"), "user.create": _l("创建账号"), "user.edit": _l("修改账号"), "user.language": _l("切换界面语言"), "file.facts": _l("重新读取文件特征"),
    "api_token.create": _l("创建 API 令牌"), "api_token.revoke": _l("吊销 API 令牌"),
    "calendar.issue": _l("生成日历订阅地址"), "calendar.revoke": _l("停用日历订阅地址"),
    "playbook.version": _l("分类指导生成新版本"), "playbook.adopt": _l("采用分类指导新增条目"),
    "playbook.create": _l("新增机构类型"), "playbook.settings": _l("修改分类指导权限"),
}
# Action groups offered by the trail's filter, as stored codes start.
ACTION_GROUPS = {"body": _l("机构"), "member": _l("成员"), "document": _l("文件"),
                 "checkin": _l("指导"), "followup": _l("整改事项"), "commitment": _l("限时承诺"),
                 "transfer": _l("移交"), "chronicle": _l("大事记"), "playbook": _l("分类指导")}
FIELDS = {"category": _l("分类"), "retention": _l("保管期限"), "carrier": _l("载体"),
          "doc_number": _l("文号"), "responsible": _l("责任者"), "title": _l("题名"),
          "title_supplied": _l("自拟题名"), "date": _l("日期"), "pages": _l("页数"),
          "pages_reason": _l("保留所填页数的原因"),
          "security": _l("密级"), "scope_item": _l("归档范围"), "remarks": _l("备注")}
PLAYBOOK_PARTS = {"categories": _l("分类"), "scope": _l("归档范围"), "milestones": _l("工作节点")}
# Events about the whole body that every document registered before them went through.
BODY_STEPS = ("transfer.check", "transfer.export", "transfer.receive")
PAGE_SIZE = 50


@dataclass
class Entry:
    """One event as a person reads it: when, who, what, the lines that say how, and the record."""
    event: AuditEvent
    who: str
    what: str
    lines: list = field(default_factory=list)
    subject: str = ""

    @property
    def raw(self):
        """The stored details, pretty-printed for the disclosure."""
        try:
            return json.dumps(json.loads(self.event.details or "{}"), ensure_ascii=False, indent=1)
        except ValueError:
            return self.event.details


def value_text(name, value):
    """A stored field value in words: labels for codes, names for scope items, — for nothing."""
    if value in (None, "") and name != "security":
        return "—"
    if name == "retention":
        return labels.RETENTION.get(value, value)
    if name == "carrier":
        return labels.CARRIER.get(value, value)
    if name == "security":
        return labels.SECURITY.get(value or "", value)
    if name == "title_supplied":
        return _("是") if value else _("否")
    if isinstance(value, dict):
        return value.get("name") or str(value.get("id", ""))
    return str(value)


def _files_lines(details, kind):
    """A line per file of an event: registered with the document, added later, or a new version."""
    texts = {"register": _l("电子文件：%(name)s（%(size)s）"), "add": _l("添加：%(name)s（%(size)s）"),
             "replace": _l("新版本：%(name)s（%(size)s）")}
    return [str(texts[kind]) % {"name": f.get("name", ""), "size": size_text(f.get("size"))}
            for f in details.get("files", [])]


def _lines(event, details):
    """The sentences that say what an event changed."""
    action = event.action
    if action == "document.register":
        title = details.get("title") or details.get("fields", {}).get("title", "")
        reason = [_("%(field)s：%(value)s", field=FIELDS["pages_reason"], value=details["pages_reason"])] \
            if details.get("pages_reason") else []
        return [_("%(field)s：%(value)s", field=FIELDS["title"], value=title)] + reason + \
            _files_lines(details, "register")
    if action == "document.edit":
        return [_("%(field)s：%(old)s → %(new)s", field=FIELDS.get(name, name),
                  old=value_text(name, old), new=value_text(name, new))
                for name, (old, new) in details.get("changes", {}).items()]
    if action == "document.file.add":
        return _files_lines(details, "add")
    if action == "document.file.replace":
        return _files_lines(details, "replace")
    if action == "document.withdraw":
        return [_("原因：%(reason)s", reason=details.get("reason", ""))]
    if action == "checkin.outcome":
        return _outcome_lines(details)
    if action == "phase.record" and details.get("name"):
        return [_("%(field)s：%(value)s", field=_("工作阶段"), value=details["name"])]
    if action == "transfer.check":
        return [_("通过 %(p)s 项，警告 %(w)s 项，不通过 %(f)s 项", p=details.get("pass", 0),
                  w=details.get("warning", 0), f=details.get("fail", 0))]
    if action in ("transfer.export", "transfer.receive") and details.get("package"):
        return [_("移交包 %(name)s", name=details["package"])]
    if action == "member.add" or action == "member.remove":
        role = labels.MEMBER_ROLE.get(details.get("role", ""), details.get("role", ""))
        return [f"{details.get('user', '')} · {role}"]
    if action == "playbook.adopt":
        item = details.get("item", {})
        return [_("%(field)s：%(value)s", field=PLAYBOOK_PARTS.get(details.get("part"), ""),
                  value=item.get("name") or item.get("code", ""))]
    if action == "body.create" and details.get("playbook"):
        return [_("分类指导：%(version)s", version=details["playbook"][1])]
    if details.get("reason"):
        return [_("原因：%(reason)s", reason=details["reason"])]
    return []


def _outcome_lines(details):
    """A check-in outcome in words: the result, when it took place if not as scheduled, the
    findings and each follow-up agreed."""
    status = details.get("status", "")
    lines = [_("%(field)s：%(value)s", field=_("结果"), value=labels.CHECKIN_STATUS.get(status, status))]
    if details.get("held_at"):
        held = clock.to_local(dt.datetime.fromisoformat(details["held_at"]), clock.archive_zone())
        lines.append(_("%(field)s：%(value)s", field=_("实际开展时间"), value=f"{held:%Y-%m-%d %H:%M}"))
    if details.get("findings"):
        lines.append(_("%(field)s：%(value)s", field=_("发现的问题"), value=details["findings"]))
    if details.get("reason"):
        lines.append(_("原因：%(reason)s", reason=details["reason"]))
    for action, owner, due in details.get("follow_ups", []):
        lines.append(_("整改事项：%(action)s（%(owner)s，%(due)s 前）", action=action, owner=owner or "—", due=due))
    return lines


def _names(events):
    """{user id: display name} for the events, in one query."""
    ids = {e.user_id for e in events if e.user_id}
    return dict(User.select(User.id, User.display_name).where(User.id.in_(ids)).tuples()) if ids else {}


def _subjects(events):
    """{(object type, id): words} naming each event's object: a document by its 档号."""
    wanted = {e.object_id for e in events if e.object_type == "Document" and e.object_id.isdigit()}
    codes = dict(Document.select(Document.id, Document.reference_code)
                 .where(Document.id.in_([int(i) for i in wanted])).tuples()) if wanted else {}
    return {("Document", str(k)): v for k, v in codes.items()}


def entries(events):
    """The events in people's words, names and 档号 looked up once for all of them."""
    events = list(events)
    names, subjects = _names(events), _subjects(events)
    found = []
    for event in events:
        try:
            details = json.loads(event.details or "{}")
        except ValueError:
            details = {}
        who = names.get(event.user_id) or event.username or _("系统")
        what = str(ACTIONS.get(event.action, event.action))
        subject = subjects.get((event.object_type, event.object_id), "")
        found.append(Entry(event, who, what, _lines(event, details) if isinstance(details, dict) else [],
                           subject))
    return found


def document_history(document):
    """Everything that happened to a document, oldest first: its own events, and the body's
    checks, exports and receipt that came after it was registered."""
    own = (AuditEvent.object_type == "Document") & (AuditEvent.object_id == str(document.id))
    body_steps = AuditEvent.action.in_(BODY_STEPS) & (AuditEvent.at >= document.created_at)
    events = (AuditEvent.select().where(AuditEvent.body == document.body_id, own | body_steps)
              .order_by(AuditEvent.id))
    return entries(events)


@dataclass
class TrailFilters:
    """The audit page's filters, read from the query string."""
    document: str = ""
    person: str = ""
    action: str = ""
    start: dt.date = None
    end: dt.date = None
    page: int = 1

    @classmethod
    def from_args(cls, args):
        """Filters from request.args; a date that does not parse is ignored."""
        def day(name):
            try:
                return dt.date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None
        return cls(document=args.get("document", "").strip(), person=args.get("person", ""),
                   action=args.get("action", ""), start=day("start"), end=day("end"),
                   page=max(args.get("page", 1, type=int) or 1, 1))

    def args(self):
        """The filters as query arguments (for the pager)."""
        values = {"document": self.document, "person": self.person, "action": self.action,
                  "start": self.start.isoformat() if self.start else "",
                  "end": self.end.isoformat() if self.end else ""}
        return {k: v for k, v in values.items() if v}


def body_trail(body, filters, zone):
    """(entries, has next page) of the body's trail, newest first, filtered (dates in `zone`)."""
    query = AuditEvent.select().where(AuditEvent.body == body)
    if filters.document:
        ids = [str(i) for i, in Document.select(Document.id).where(
            Document.body == body, Document.reference_code.contains(filters.document)).tuples()]
        query = query.where(AuditEvent.object_type == "Document", AuditEvent.object_id.in_(ids or [""]))
    if filters.person.isdigit():
        query = query.where(AuditEvent.user == int(filters.person))
    if filters.action in ACTION_GROUPS:
        query = query.where(AuditEvent.action.startswith(filters.action + "."))
    elif filters.action in ACTIONS:
        query = query.where(AuditEvent.action == filters.action)
    if filters.start:
        query = query.where(AuditEvent.at >= clock.day_start_utc(filters.start, zone))
    if filters.end:
        query = query.where(AuditEvent.at < clock.day_start_utc(filters.end + dt.timedelta(days=1), zone))
    events = list(query.order_by(AuditEvent.id.desc()).paginate(filters.page, PAGE_SIZE + 1))
    return entries(events[:PAGE_SIZE]), len(events) > PAGE_SIZE


def people_of(body):
    """[(user id, name)] of everyone who appears in the body's trail, for the person filter."""
    ids = AuditEvent.select(AuditEvent.user).where(AuditEvent.body == body, AuditEvent.user.is_null(False))
    return list(User.select(User.id, User.display_name).where(User.id.in_(ids))
                .order_by(User.display_name).tuples())

