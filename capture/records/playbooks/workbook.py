"""A playbook as a workbook an archivist edits in Excel or WPS, and reading one back row by row.

Sheets 分类 (代码, 名称), 归档范围 (名称, 必须归档, 保管期限, 形成规律), 工作节点 (名称, 需要指导) and
指导 (项目, 内容). Headers and values are written in Chinese whatever the reader's language, so
that one archive's workbook reads the same in another's; the codes (Y, daily…) are accepted too.
"""
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from capture.records.series import RECURRENCES
from exporters import statistics as sheets

from . import content as contents, versions

CATEGORIES, SCOPE, MILESTONES, GUIDANCE = "分类", "归档范围", "工作节点", "指导"
HEADERS = {CATEGORIES: ["代码", "名称"], SCOPE: ["名称", "必须归档", "保管期限", "形成规律"],
           MILESTONES: ["名称", "需要指导"], GUIDANCE: ["项目", "内容"]}
YES, NO = "是", "否"
YES_WORDS = {"是": True, "y": True, "yes": True, "true": True, "1": True, "√": True, "必须": True,
             "否": False, "n": False, "no": False, "false": False, "0": False, "": False, "可选": False}
RETENTION_OUT = {"Y": "永久", "D30": "30年", "D10": "10年", "": ""}
RETENTION_IN = {"永久": "Y", "30年": "D30", "10年": "D10", "y": "Y", "d30": "D30", "d10": "D10", "": ""}
RECURRENCE_OUT = {"": "不定期", "once": "一次", "daily": "每天", "weekly": "每周", "monthly": "每月",
                  "per_meeting": "每次会议", "per_phase": "每个阶段"}
RECURRENCE_IN = {**{word: code for code, word in RECURRENCE_OUT.items()}, **{c: c for c in RECURRENCES},
                 "每天一期": "daily", "每日": "daily", "每周一期": "weekly", "每月一期": "monthly",
                 "每次会议一期": "per_meeting", "每阶段": "per_phase", "每个工作阶段一期": "per_phase"}
TIER_OUT = {"key": "重点", "general": "一般"}
TIER_IN = {"重点": "key", "一般": "general", "key": "key", "general": "general"}
GUIDANCE_ROWS = {"kind": "机构类型代码", "name": "类型名称", "name_en": "英文名称", "tier": "指导级别",
                 "cadence_days": "指导周期（天）", "version": "版本"}
MAX_ROWS = 500


@dataclass
class Problem:
    """One thing wrong in the workbook: where (sheet, row as Excel numbers it, column) and why."""
    sheet: str
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Reading:
    """What a workbook says: the kind and its names, the content, and every problem found."""
    kind: str = ""
    name: str = ""
    name_en: str = ""
    content: dict = field(default_factory=contents.empty)
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        """True when nothing is wrong."""
        return not self.problems


def write(playbook, version, content):
    """The version as workbook bytes (openpyxl, through the plain sheet writer)."""
    tables = _tables(playbook, content)
    tables[GUIDANCE].append([GUIDANCE_ROWS["version"], version.number])
    return sheets.write([(name, HEADERS[name], rows) for name, rows in tables.items()],
                        title=f"分类指导 {playbook.name} 第 {version.number} 版")


def _text(value):
    """A cell as text: whole numbers without ".0", nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _sheet_rows(book, name, reading):
    """[(row number, {header: text})] of a workbook's sheet, or None after noting a missing sheet or column."""
    if name not in book.sheetnames:
        reading.problems.append(Problem(name, 0, "", "", _(
            "缺少工作表“%(sheet)s”。请用导出的工作簿修改，不要删除或改名工作表。", sheet=name)))
        return None
    rows = []
    for row in book[name].iter_rows(values_only=True):  # read no further than the limit
        rows.append([_text(v) for v in row])
        if len(rows) > MAX_ROWS + 1:
            break
    header = rows[0] if rows else []
    missing = [h for h in HEADERS[name] if h not in header]
    if missing:
        reading.problems.append(Problem(name, 1, "", "", _("第 1 行应为表头，缺少列：%(columns)s。",
                                                           columns="、".join(missing))))
        return None
    if len(rows) > MAX_ROWS + 1:
        reading.problems.append(Problem(name, MAX_ROWS + 2, "", "", _("每张工作表最多 %(n)s 行。", n=MAX_ROWS)))
        return None
    index = {h: header.index(h) for h in HEADERS[name]}
    return [(number, {h: (row[i] if i < len(row) else "") for h, i in index.items()})
            for number, row in enumerate(rows[1:], start=2)]


def _name(sheet, number, column, value, limit, seen, reading):
    """A checked name (or code), unique within its sheet; None after noting what is wrong."""
    if not value:
        reading.problems.append(Problem(sheet, number, column, value, _("请填写%(column)s。", column=column)))
    elif len(value) > limit or any(ord(c) < 32 for c in value):
        reading.problems.append(Problem(sheet, number, column, value,
                                        _("最多 %(n)s 个字，且不能含控制字符。", n=limit)))
    elif value in seen:
        reading.problems.append(Problem(sheet, number, column, value, _("与第 %(row)s 行重复。", row=seen[value])))
    else:
        seen[value] = number
        return value
    return None


def _word(sheet, number, column, value, words, reading, hint):
    """A cell looked up in `words` (case and spaces ignored); None after noting what is wrong."""
    found = words.get(value.replace(" ", "").lower(), words.get(value.replace(" ", "")))
    if found is None:
        reading.problems.append(Problem(sheet, number, column, value, hint))
    return found


def _categories(rows, reading):
    seen = {}
    for number, cells in rows:
        code = cells["代码"].upper()
        if code and not contents.CATEGORY_CODE.match(code):
            reading.problems.append(Problem(CATEGORIES, number, "代码", cells["代码"],
                                            _("分类代码为 1–6 位大写字母或数字，如 BGS、ZH。")))
            code = None
        else:
            code = _name(CATEGORIES, number, "代码", code, 6, seen, reading)
        name = _name(CATEGORIES, number, "名称", cells["名称"], 100, {}, reading)
        if code and name:
            reading.content["categories"].append({"code": code, "name": name})


def _scope(rows, reading):
    seen = {}
    for number, cells in rows:
        name = _name(SCOPE, number, "名称", cells["名称"], 200, seen, reading)
        required = _word(SCOPE, number, "必须归档", cells["必须归档"], YES_WORDS, reading,
                         _("请填“是”或“否”。"))
        retention = _word(SCOPE, number, "保管期限", cells["保管期限"], RETENTION_IN, reading,
                          _("请填“永久”“30年”“10年”，或留空。"))
        recurrence = _word(SCOPE, number, "形成规律", cells["形成规律"], RECURRENCE_IN, reading,
                           _("请填：%(words)s，或留空（不定期）。", words="、".join(RECURRENCE_OUT.values())))
        if name and None not in (required, retention, recurrence):
            reading.content["scope"].append({"name": name, "required": required, "retention": retention,
                                             "recurrence": recurrence})


def _milestones(rows, reading):
    seen = {}
    for number, cells in rows:
        name = _name(MILESTONES, number, "名称", cells["名称"], 200, seen, reading)
        calls = _word(MILESTONES, number, "需要指导", cells["需要指导"], YES_WORDS, reading,
                      _("请填“是”或“否”。"))
        if name and calls is not None:
            reading.content["milestones"].append({"name": name, "calls_for_checkin": calls})


def _guidance(rows, reading):
    values = {}
    names = {label: key for key, label in GUIDANCE_ROWS.items()}
    for number, cells in rows:
        key = names.get(cells["项目"])
        if key is None:
            reading.problems.append(Problem(GUIDANCE, number, "项目", cells["项目"], _(
                "不认识的项目。可填：%(names)s。", names="、".join(GUIDANCE_ROWS.values()))))
        else:
            values[key] = (number, cells["内容"])
    number, kind = values.get("kind", (0, ""))
    if not contents.KIND_CODE.match(kind):
        reading.problems.append(Problem(GUIDANCE, number, "内容", kind,
                                        _("“机构类型代码”应为 2–20 位小写英文字母、数字或下划线，如 epidemic。")))
    reading.kind = kind
    reading.name = values.get("name", (0, ""))[1][:100]
    reading.name_en = values.get("name_en", (0, ""))[1][:100]
    number, tier = values.get("tier", (0, ""))
    tier = _word(GUIDANCE, number, "内容", tier, TIER_IN, reading, _("“指导级别”请填“重点”或“一般”。"))
    number, days = values.get("cadence_days", (0, ""))
    if not days.isdigit() or not 1 <= int(days) <= 365:
        reading.problems.append(Problem(GUIDANCE, number, "内容", days, _("“指导周期（天）”应为 1–365 的整数。")))
    elif tier:
        reading.content["guidance"] = {"tier": tier, "cadence_days": int(days)}


def read(data):
    """A Reading of workbook bytes: the playbook it holds and every problem, by sheet, row and column."""
    from openpyxl import load_workbook
    reading = Reading()
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        reading.problems.append(Problem("", 0, "", "", _("无法打开该 Excel 文件（%(reason)s）。请确认是 .xlsx 格式。",
                                                        reason=exc.__class__.__name__)))
        return reading
    sheets = {name: _sheet_rows(book, name, reading) for name in HEADERS}
    book.close()
    return check(sheets, reading)


def check(sheets, reading=None):
    """A Reading of rows {sheet: [(row number, {header: text})]} (None: a sheet already refused),
    every row checked as the bulk import checks its rows; blank rows are skipped."""
    reading = reading or Reading()
    for name, part in ((CATEGORIES, _categories), (SCOPE, _scope), (MILESTONES, _milestones),
                       (GUIDANCE, _guidance)):
        if sheets.get(name) is not None:
            part([(n, cells) for n, cells in sheets[name] if any(cells.values())], reading)
    return reading


def _tables(playbook, content):
    """{sheet: rows of text} of a playbook's content, as the workbook and the edit form show it."""
    guidance = content["guidance"]
    return {
        CATEGORIES: [[c["code"], c["name"]] for c in content["categories"]],
        SCOPE: [[s["name"], YES if s["required"] else NO, RETENTION_OUT[s.get("retention", "")],
                 RECURRENCE_OUT[s.get("recurrence", "")]] for s in content["scope"]],
        MILESTONES: [[m["name"], YES if m["calls_for_checkin"] else NO] for m in content["milestones"]],
        GUIDANCE: [[GUIDANCE_ROWS[k], v] for k, v in (
            ("kind", playbook.kind), ("name", playbook.name), ("name_en", playbook.name_en),
            ("tier", TIER_OUT[guidance["tier"]]), ("cadence_days", guidance["cadence_days"]))],
    }


def as_rows(playbook, content):
    """The content as the rows check() reads: {sheet: [(row number, {header: text})]}."""
    return {name: [(n, dict(zip(HEADERS[name], (str(v) for v in row)))) for n, row in enumerate(rows, start=2)]
            for name, rows in _tables(playbook, content).items()}


def save(reading, user, reason, kind=None):
    """Make a checked workbook a new version (of a new kind, if it names one); None if nothing changed.

    `kind` is the playbook the page imports into: a workbook of another kind is refused.
    """
    if kind is not None and reading.kind and reading.kind != kind:
        reading.problems.append(Problem(GUIDANCE, 0, "内容", reading.kind, _(
            "这是“%(other)s”类型的分类指导，不能导入到“%(kind)s”。", other=reading.kind, kind=kind)))
    if not reading.ok:
        return None
    versions.checked_reason(reason)  # before anything is written
    playbook = versions.get(reading.kind)
    if playbook is None:  # another archive's kind: it arrives with this content as its first version
        playbook = versions.add_kind(reading.kind, reading.name or reading.kind, reading.name_en, user,
                                     content=reading.content, reason=reason)
        return versions.current(playbook)
    renamed = versions.rename(playbook, reading.name, reading.name_en, user)
    if contents.dumps(versions.content_of(versions.current(playbook))) == contents.dumps(reading.content):
        return None if not renamed else versions.current(playbook)
    return versions.new_version(playbook, reading.content, user, reason, details={"source": "workbook"})


# The edit page's inputs, by sheet: (header, input name), so that it is checked as a workbook is.
FORM_FIELDS = {CATEGORIES: [("代码", "category_code"), ("名称", "category_name")],
               SCOPE: [("名称", "scope_name"), ("必须归档", "scope_required"), ("保管期限", "scope_retention"),
                       ("形成规律", "scope_recurrence")],
               MILESTONES: [("名称", "milestone_name"), ("需要指导", "milestone_calls")]}


# The edit page's typed columns: a row with none of them filled is blank (its lists keep their
# choices), and clearing them removes the item.
TYPED = ("代码", "名称")


def from_form(form, playbook):
    """The rows of the edit page's form ({sheet: [(row number, {header: text})]}), numbered from 1."""
    sheets = {}
    for name, fields in FORM_FIELDS.items():
        columns = [form.getlist(field) for _header, field in fields]
        count = max(len(column) for column in columns)
        rows = [(n + 1, {header: _text(column[n]) if n < len(column) else ""
                         for (header, _field), column in zip(fields, columns)}) for n in range(count)]
        sheets[name] = [(n, cells) for n, cells in rows if any(cells.get(h) for h in TYPED)]
    sheets[GUIDANCE] = [(n, {"项目": GUIDANCE_ROWS[key], "内容": _text(value)}) for n, (key, value) in enumerate((
        ("kind", playbook.kind), ("name", form.get("name", "")), ("name_en", form.get("name_en", "")),
        ("tier", form.get("tier", "")), ("cadence_days", form.get("cadence_days", ""))), start=1)]
    return sheets
