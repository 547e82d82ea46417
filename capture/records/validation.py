"""Checking a document's metadata: one place for the web form, the JSON API and bulk import."""
import datetime as dt
import re
import unicodedata

from flask_babel import gettext as _

from capture import clock
from capture.models import CARRIERS, RETENTIONS, SECURITY_LEVELS, Category, ScopeItem
from capture.forms import InvalidInput, has_control_characters

# (field, maximum length); lengths follow the model columns.
LENGTHS = {"doc_number": 100, "responsible": 200, "title": 500, "remarks": 2000}
MULTILINE = {"remarks"}
MAX_PAGES = 100000
# Editable after registration; the rest make up the 档号 and are fixed once it is given.
EDITABLE = ("doc_number", "responsible", "title", "title_supplied", "date", "pages", "security",
            "carrier", "remarks", "scope_item")
ALL_FIELDS = ("category", "retention") + EDITABLE


def record_class(carrier):
    """门类代码: photos (ZP) and audio-video (LX) have their own classes, the rest are WS."""
    return {"photo": "ZP", "audio-video": "LX"}.get(carrier, "WS")


def _text(raw):
    if raw is None:
        return ""
    return unicodedata.normalize("NFC", str(raw)).strip()


def _bool(raw):
    if isinstance(raw, bool):
        return raw
    return str(raw or "").strip().lower() in {"1", "true", "yes", "on", "y"}


EARLIEST_YEAR = 1900


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(raw):
    if isinstance(raw, dt.date):
        return raw
    text = _text(raw)
    # Only YYYY-MM-DD, as the API's `format: date` promises: fromisoformat() also takes
    # 20260301 and 2026-W10-1, forms no client is told about.
    if not ISO_DATE.fullmatch(text):
        raise ValueError(text)
    return dt.date.fromisoformat(text)


class _Checker:
    """Collects messages per field while cleaning values."""

    def __init__(self, body, lookups=None):
        self.body = body
        self.lookups = {} if lookups is None else lookups
        self.errors = {}
        self.warnings = []
        self.clean = {}

    def error(self, field, message):
        """Note a message for a field (given as text, or as a function that returns it)."""
        self.errors.setdefault(field, []).append(message() if callable(message) else message)

    def text(self, fields, name, required=False, message=None):
        """A free-text field: NFC, trimmed, within its length, no control characters."""
        value = _text(fields.get(name))
        if required and not value:
            self.error(name, message)
        elif len(value) > LENGTHS[name]:
            self.error(name, _("最多 %(n)s 个字，现在是 %(m)s 个字，请精简。", n=LENGTHS[name], m=len(value)))
        elif has_control_characters(value, name in MULTILINE):
            self.error(name, _("含有不可见的控制字符（常见于从其他系统复制的文字），请删去后重新输入。"))
        self.clean[name] = value

    def choice(self, fields, name, allowed, message, default=None):
        """A field whose value must be one of `allowed`."""
        value = _text(fields.get(name)) or default
        if value not in allowed:
            self.error(name, message)
        self.clean[name] = value

    def category(self, fields):
        """The category code, one of the body's (blank: no category level)."""
        code = _text(fields.get("category"))
        self.clean["category"] = None
        if code:
            # Checked before the query: PostgreSQL refuses NUL and an overlong code matches nothing.
            key = ("category", code)
            if key not in self.lookups:
                self.lookups[key] = (Category.get_or_none(Category.body == self.body, Category.code == code)
                                     if len(code) <= 10 and not has_control_characters(code) else None)
            found = self.lookups[key]
            if found is None:
                self.error("category", _("本机构没有分类代码“%(code)s”，请从列表中选择。", code=code))
            self.clean["category"] = found

    def scope_item(self, fields):
        """The scope item id, one of the body's (blank: not linked)."""
        raw = _text(fields.get("scope_item"))
        self.clean["scope_item"] = None
        if raw:
            # ASCII digits within a database integer: "²" is a digit to Python but not to int().
            key = ("scope_item", raw)
            if key not in self.lookups:
                self.lookups[key] = (ScopeItem.get_or_none(ScopeItem.body == self.body, ScopeItem.id == int(raw))
                                     if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None)
            found = self.lookups[key]
            if found is None:
                self.error("scope_item", _("归档范围中没有这一项，请从列表中选择。"))
            self.clean["scope_item"] = found

    def date(self, fields):
        """A real date, not in the future; outside the body's life only warns."""
        raw = fields.get("date")
        try:
            value = _date(raw)
        except (TypeError, ValueError):
            self.error("date", _("请填写有效的成文日期，格式如 2026-03-15。"))
            return
        if value.year < EARLIEST_YEAR:
            # A typo (0026 for 2026) would otherwise become the year inside a 档号 for good.
            self.error("date", _("成文日期 %(d)s 早于 %(y)s 年，请核对年份。", d=value, y=EARLIEST_YEAR))
            return
        self.clean["date"] = value
        body = self.body
        end = body.dissolved_on or body.expected_end
        if value < body.established_on or (end and value > end):
            self.warnings.append(_("成文日期 %(d)s 不在本机构存续期间（%(a)s 至 %(b)s），已照常登记，请核对日期是否有误。",
                                   d=value, a=body.established_on, b=end or _("今")))
        if value > clock.today():
            self.error("date", _("成文日期不能晚于今天，请核对。"))

    def pages(self, fields):
        """Pages: a whole number from 0 (blank counts as 0)."""
        raw = fields.get("pages")
        text = _text(raw) if not isinstance(raw, int) else str(raw)
        if text == "":
            self.clean["pages"] = 0
            return
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_PAGES:
            self.error("pages", _("页数应为 0 到 %(n)s 之间的整数（无页码的照片、录音录像填 0）。", n=MAX_PAGES))
            return
        self.clean["pages"] = int(text)


def check(body, fields, only=ALL_FIELDS, lookups=None):
    """Clean `fields` (strings or typed values); return (clean dict, warnings) or raise.

    `lookups`, a dict kept across calls, remembers the body's categories and scope items found,
    so that checking 10,000 imported rows does not ask the database 10,000 times. Messages are
    translated only when they are shown (a lambda each): a clean row costs no translation."""
    checker = _Checker(body, lookups)
    steps = {
        "category": lambda: checker.category(fields),
        "retention": lambda: checker.choice(fields, "retention", RETENTIONS,
                                            lambda: _("请选择保管期限：永久、30 年或 10 年。")),
        "doc_number": lambda: checker.text(fields, "doc_number"),
        "responsible": lambda: checker.text(fields, "responsible", True,
                                            lambda: _("请填写责任者，即发文机关或个人的全称（不要写“本局”）。")),
        "title": lambda: checker.text(fields, "title", True, lambda: _("请填写题名；没有标题的文件，请拟写题名并勾选“自拟题名”。")),
        "title_supplied": lambda: checker.clean.__setitem__("title_supplied",
                                                            _bool(fields.get("title_supplied"))),
        "date": lambda: checker.date(fields),
        "pages": lambda: checker.pages(fields),
        "security": lambda: checker.choice(fields, "security", SECURITY_LEVELS,
                                           lambda: _("密级只能是：不标、内部、秘密或机密。"), default=""),
        "carrier": lambda: checker.choice(fields, "carrier", CARRIERS,
                                          lambda: _("请选择载体：电子、纸质、照片或录音录像。"), default="electronic"),
        "remarks": lambda: checker.text(fields, "remarks"),
        "scope_item": lambda: checker.scope_item(fields),
    }
    for name in only:
        steps[name]()
    if checker.errors:
        raise InvalidInput(checker.errors)
    return checker.clean, checker.warnings
