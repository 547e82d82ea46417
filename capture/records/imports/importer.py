"""Bulk import: rows of a filing-catalogue spreadsheet become documents, all of them or none.

Each row goes through the same checks and the same 档号 assignment as the web form
(validation.check, registry.register_document). A check (dry run) reports every problem with
its row, column, value and reason and changes nothing. A real run checks the same way first and
stops if anything is wrong; then it stores the files (outside the transaction, so the web stays
writable meanwhile) and registers every row in one transaction, all prepared beforehand (bulk.py). If that transaction fails, the
stored files are left without a document: the store is content-addressed, so they cost only
space, and the retried import reuses them instead of storing them again.
"""
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from capture import audit
from capture.db import db
from capture.models import Document, File, next_item_number
from capture.records import files, formats, registry, validation
from capture.forms import InvalidInput

from . import bulk
from .sources import SourceError

# Column headers of the filing catalogue (DA/T 22) and the extra ones import needs, with the
# English field names also accepted.
COLUMNS = {
    "序号": "seq", "档号": "reference_code", "文号": "doc_number", "责任者": "responsible",
    "题名": "title", "日期": "date", "成文日期": "date", "密级": "security", "页数": "pages",
    "备注": "remarks", "分类": "category", "分类代码": "category", "机构(问题)": "category",
    "机构(问题)代码": "category", "保管期限": "retention", "载体": "carrier",
    "文件名": "files", "电子文件名": "files", "电子档案名称": "files", "自拟题名": "title_supplied",
}
FIELD_NAMES = ("seq", "reference_code", "doc_number", "responsible", "title", "date", "security",
               "pages", "remarks", "category", "retention", "carrier", "files", "title_supplied")
REQUIRED = ("retention", "responsible", "title", "date")
HEADER_OF = {"category": "分类", "retention": "保管期限", "carrier": "载体", "doc_number": "文号",
             "responsible": "责任者", "title": "题名", "title_supplied": "自拟题名", "date": "日期",
             "pages": "页数", "security": "密级", "scope_item": "归档范围", "remarks": "备注",
             "files": "文件名", "reference_code": "档号"}
RETENTION_WORDS = {"永久": "Y", "30年": "D30", "10年": "D10", "y": "Y", "d30": "D30", "d10": "D10"}
CARRIER_WORDS = {"电子": "electronic", "纸质": "paper", "照片": "photo", "录音录像": "audio-video",
                 "音视频": "audio-video"}
SECURITY_WORDS = {"不标": "", "无": "", "公开": ""}
FILE_SEPARATORS = re.compile(r"[;；|\n]+")
# 档号 as DA/T 22 writes it: fonds-class·year-retention[-category]-item; the dot may be typed
# as any of the middle dots Chinese input methods give.
REFERENCE_CODE = re.compile(r"(?P<fonds>[^-]+)-(?P<record_class>[A-Z]{2})[·•・.．](?P<year>\d{4})"
                            r"-(?P<retention>Y|D30|D10)(?:-(?P<category>[^-]+))?-(?P<item>\d{1,6})")


class ImpossibleDate(ValueError):
    """A date written in a form we read but naming a day that does not exist (2026-02-30)."""


@dataclass
class ImportProblem:
    """One thing wrong (or worth a look) in the spreadsheet."""
    row: int  # as numbered in Excel: the header is row 1
    column: str
    value: str
    reason: str
    severity: str = "error"  # error | warning
    kind: str = ""  # what warnings of one kind share, so the check page can group them


@dataclass
class Row:
    """A spreadsheet row turned into form fields, with the files it names."""
    number: int
    fields: dict
    file_names: list
    key: str
    claimed_code: str = ""
    existing: str = ""  # the 档号 of the document this row already became
    clean: dict = None
    file_paths: list = field(default_factory=list)
    file_digests: list = field(default_factory=list)  # SHA-256 of each, in the same order
    file_formats: list = field(default_factory=list)  # formats.Identification of each, in that order


@dataclass
class ImportReport:
    """What an import found and did."""
    dry_run: bool
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    planned: dict = field(default_factory=dict)  # row number -> the 档号 it gets
    imported: list = field(default_factory=list)  # 档号 of the documents created

    @property
    def errors(self):
        """The problems that stop the import."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def skipped(self):
        """Rows imported before (same 文号, 责任者, 题名 and 日期): left as they are."""
        return [r for r in self.rows if r.existing]

    @property
    def ok(self):
        """True when nothing stops the import."""
        return not self.errors

    @property
    def warning_groups(self):
        """[(kind, warnings)]: warnings of one kind together (those without a kind, by their reason)."""
        groups = {}
        for p in self.problems:
            if p.severity == "warning":
                groups.setdefault(p.kind or str(p.reason), []).append(p)
        return sorted(groups.items(), key=lambda group: -len(group[1]))


def unreadable(error):
    """A report of one problem: the upload could not be read (or imported) at all."""
    report = ImportReport(dry_run=True)
    report.problems.append(ImportProblem(1, "", "", str(error)))
    return report


def report_to_dict(report, table_name=""):
    """The report as JSON-ready data, kept as a job's result."""
    return {"dry_run": report.dry_run, "table_name": table_name,
            "problems": [[p.row, p.column, p.value, str(p.reason), p.severity, p.kind] for p in report.problems],
            "rows": [[r.number, r.fields.get("title", ""), r.existing] for r in report.rows],
            "planned": {str(k): v for k, v in report.planned.items()},
            "imported": report.imported}


def report_from_dict(data):
    """An ImportReport back from report_to_dict(), enough to show it again."""
    report = ImportReport(dry_run=data["dry_run"], imported=data["imported"],
                          planned={int(k): v for k, v in data["planned"].items()})
    report.problems = [ImportProblem(*p) for p in data["problems"]]
    report.rows = [Row(number, {"title": title}, [], "", existing=existing)
                   for number, title, existing in data["rows"]]
    return report


def _header_key(text):
    text = re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")")
    return COLUMNS.get(text) or (text.lower() if text.lower() in FIELD_NAMES else None)


def map_columns(header, report):
    """{field: column index}; unknown columns are reported as warnings and ignored."""
    columns = {}
    for index, title in enumerate(header):
        name = _header_key(title)
        if name is None:
            if title:
                report.problems.append(ImportProblem(1, title, "", _("无法识别的列，已忽略。可用列名：序号 档号 文号 责任者 题名 日期 密级 页数 备注 分类 保管期限 载体 文件名。"), "warning"))
        elif name in columns:
            report.problems.append(ImportProblem(1, title, "", _("与前面的列重复，只使用第一列。"), "warning"))
        else:
            columns[name] = index
    for name in REQUIRED:
        # A 档号 column carries the retention period (and the category): see _from_code.
        if name not in columns and not (name == "retention" and "reference_code" in columns):
            report.problems.append(ImportProblem(1, HEADER_OF[name], "",
                                                 _("缺少这一列，表格的第一行应为列名。")))
    return columns


def parse_date(text):
    """20260315 (as the catalogue writes it), 2026-03-15, 2026/3/15 or 2026.3.15 → date."""
    if re.fullmatch(r"\d{8}", text):
        parts = (text[:4], text[4:6], text[6:])
    else:
        match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
        if not match:
            raise ValueError(text)
        parts = match.groups()
    try:
        return dt.date(*map(int, parts))
    except ValueError:
        raise ImpossibleDate(text) from None


def row_key(fields):
    """The row's fingerprint within a body: 文号, 责任者, 题名 and 日期."""
    parts = [fields.get(n, "") for n in ("doc_number", "responsible", "title")] + [str(fields.get("date", ""))]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _fields(number, values, columns, column_of, report):
    """The form fields of a row (translating the catalogue's words), problems noted."""
    def cell(name):
        index = columns.get(name)
        return values[index] if index is not None and index < len(values) else ""

    fields = {name: cell(name) for name in validation.ALL_FIELDS if name in columns}
    fields["scope_item"] = ""
    title = fields.get("title", "")
    if re.fullmatch(r"[\[［].*[\]］]", title):  # the catalogue marks a supplied title with [ ]
        fields["title"], fields["title_supplied"] = title[1:-1].strip(), True
    for name, words in (("retention", RETENTION_WORDS), ("carrier", CARRIER_WORDS),
                        ("security", SECURITY_WORDS)):
        raw = re.sub(r"\s+", "", fields.get(name, ""))
        fields[name] = words.get(raw.lower(), words.get(raw, raw))
    fields.setdefault("retention", "")
    _from_code(number, fields, cell("reference_code"), columns, column_of, report)
    pages = fields.get("pages", "")
    if re.fullmatch(r"\d+\.0+", pages):
        fields["pages"] = pages.split(".")[0]
    if fields.get("date"):
        try:
            fields["date"] = parse_date(fields["date"])
        except ImpossibleDate:
            report.problems.append(ImportProblem(number, column_of["date"], cell("date"),
                                                 _("没有这一天：%(value)s 不是日历上存在的日期，请核对月和日。", value=cell("date"))))
            fields["date"] = None
        except ValueError:
            report.problems.append(ImportProblem(number, column_of["date"], cell("date"),
                                                 _("日期应写成 8 位数字如 20260315，或 2026-03-15。")))
            fields["date"] = None
    return fields, [n.strip() for n in FILE_SEPARATORS.split(cell("files")) if n.strip()], cell("reference_code")


def _from_code(number, fields, code, columns, column_of, report):
    """Fill in the retention period and category a catalogue leaves to its 档号 column."""
    if "retention" in columns and "category" in columns or "reference_code" not in columns:
        return
    match = REFERENCE_CODE.fullmatch(re.sub(r"\s+", "", code))
    if "category" not in columns and match:
        fields["category"] = match["category"] or ""
    if "retention" not in columns:
        if match:
            fields["retention"] = match["retention"]
        else:
            report.problems.append(ImportProblem(number, column_of["reference_code"], code, _(
                "表中没有“保管期限”列，也无法从档号读出保管期限（档号应形如 J001-WS·2026-Y-BGS-0001）。"
                "请填写档号，或加一列“保管期限”。")))
            fields["retention"] = None  # reported here; not again by the form's check


def _check_files(row, column, source, report):
    """Find, identify and hash each file the row names; return [(path in the source, sha256,
    identification)]."""
    found = []
    for wanted in row.file_names:
        if source is None:
            report.problems.append(ImportProblem(row.number, column, wanted, _("表中列出了文件，但没有附上文件（文件夹或 zip 压缩包）。")))
            continue
        path, reason = source.find(wanted)
        if path is None:
            report.problems.append(ImportProblem(row.number, column, wanted, reason))
            continue
        try:
            with source.open(path) as stream:
                identification = formats.identify(stream)
                stream.seek(0)
                digest = hashlib.file_digest(stream, "sha256").hexdigest()
        except (formats.FormatRefused, SourceError) as refused:
            report.problems.append(ImportProblem(row.number, column, wanted, str(refused)))
            continue
        found.append((path, digest, identification))
    return found


def _warn_duplicate_content(body, report, column):
    """Warn of each new row's file whose content the body already holds, or that an earlier row
    brings too (the usual case: a file registered on a phone, then again in the catalogue). A
    warning, as the web form's question is: the user may confirm knowingly."""
    new = [row for row in report.rows if not row.existing and row.file_digests]
    digests = sorted({sha for row in new for sha in row.file_digests})
    held = {}
    for start in range(0, len(digests), bulk.PAGE):
        query = (File.select(File.sha256, Document.reference_code).join(Document)
                 .where(Document.body == body, File.sha256.in_(digests[start:start + bulk.PAGE]))
                 .order_by(Document.reference_code).tuples())
        for sha, code in query:
            if code not in held.setdefault(sha, []):
                held[sha].append(code)
    first = {}
    for row in new:
        for path, sha in zip(row.file_paths, row.file_digests):
            name = path.rsplit("/", 1)[-1]
            if sha in held:
                message = _("文件内容与已登记的 %(codes)s 相同，是否重复登记？", codes=_("、").join(held[sha][:5]))
            elif first.setdefault(sha, row.number) != row.number:
                message = _("文件内容与第 %(n)s 行的文件相同，是否重复登记？", n=first[sha])
            else:
                continue
            report.problems.append(ImportProblem(row.number, column, name, message, "warning", "same-file"))


def check(body, header, rows, source=None, dry_run=True, progress=None):
    """Read and check every row; return the ImportReport (nothing is written).

    `progress(done, total)` is told how many rows have been checked as it goes."""
    report = ImportReport(dry_run=dry_run)
    columns = map_columns(header, report)
    if report.errors:
        return report
    column_of = {name: header[index] for name, index in columns.items()}
    seen, lookups = {}, {}
    for offset, values in enumerate(rows):
        if any(values):
            row = _check_row(body, offset + 2, values, columns, column_of, report, lookups)
            if row.key in seen:
                report.problems.append(ImportProblem(row.number, column_of["title"], row.fields["title"],
                                                     _("与第 %(n)s 行的文号、责任者、题名和日期完全相同，是否重复登记？", n=seen[row.key])))
            elif row.key:
                seen[row.key] = row.number
            found = _check_files(row, column_of.get("files"), source, report)
            row.file_paths, row.file_digests, row.file_formats = map(list, zip(*found)) if found else ([], [], [])
            report.rows.append(row)
        if progress and offset % 200 == 199:
            progress(offset + 1, len(rows))
    _mark_existing(body, report)
    _warn_duplicate_content(body, report, column_of.get("files"))
    _plan_codes(body, report, column_of)
    return report


def _check_row(body, number, values, columns, column_of, report, lookups=None):
    """One row through the web form's checks; its problems go into the report."""
    fields, file_names, claimed = _fields(number, values, columns, column_of, report)
    row = Row(number, fields, file_names, "", claimed)
    # A date that could not be read is reported already; the other fields are still checked.
    only = tuple(n for n in validation.ALL_FIELDS
                 if n not in ("date", "retention") or fields.get(n) is not None)
    try:
        clean, warnings = validation.check(body, fields, only=only, lookups=lookups)
    except InvalidInput as error:
        for name, messages in error.field_errors.items():
            if name not in columns and name in ("retention", "category") and claimed:
                name = "reference_code"  # the value came from the 档号 column
            index = columns.get(name)
            value = values[index] if index is not None and index < len(values) else ""
            for message in messages:
                report.problems.append(ImportProblem(number, column_of.get(name, HEADER_OF[name]),
                                                     value, message))
        return row
    for warning in warnings:
        report.problems.append(ImportProblem(number, column_of["date"], str(fields["date"]), warning, "warning", "date"))
    if "date" in clean and "retention" in clean:
        row.clean, row.key = clean, row_key(clean)
    return row


def _mark_existing(body, report):
    keys = [r.key for r in report.rows if r.key]
    existing = dict(Document.select(Document.import_key, Document.reference_code)
                    .where(Document.body == body, Document.import_key.in_(keys)).tuples()) if keys else {}
    for row in report.rows:
        row.existing = existing.get(row.key, "")


def _plan_codes(body, report, column_of):
    """The 档号 each new row will get (as the server gives them), checked against a 档号 column."""
    following = {}
    for row in report.rows:
        if row.existing or not row.key:
            continue
        clean = row.clean
        key = registry.class_key(validation.record_class(clean["carrier"]), clean["date"].year,
                                 clean["retention"], clean["category"])
        following[key] = following.get(key) or next_item_number(body, key)
        code = registry.reference_code(body.fonds_code, key, following[key])
        following[key] += 1
        report.planned[row.number] = code
        if row.claimed_code and row.claimed_code != code:
            report.problems.append(ImportProblem(row.number, column_of.get("reference_code", "档号"), row.claimed_code,
                                                 _("档号由系统给出，将是 %(code)s，而不是表中所写。", code=code), "warning",
                                                 "code"))


def run(body, user, header, rows, source, store, max_bytes=None, progress=None, finish=None):
    """Check, store the files, then register every new row in one short transaction; return the
    ImportReport.

    `progress(done, total)` follows the three steps (check, files, registration) on a scale of
    three times the rows; `finish(report)` is called inside the registration's transaction, so
    that what the caller records of the import (a job's "done") commits with it or not at all.
    """
    scale = max(len(rows), 1)
    report = check(body, header, rows, source, dry_run=False,
                   progress=(lambda done, total: progress(done, 3 * scale)) if progress else None)
    if not report.ok:
        return report
    todo = [r for r in report.rows if not r.existing]
    stored = {}
    for done, row in enumerate(todo, 1):
        uploads = [(p.rsplit("/", 1)[-1], source.open(p), None) for p in row.file_paths]
        try:
            stored[row.number] = files.store_uploads(store, uploads, max_bytes, row.file_formats) if uploads else []
        finally:
            for _name, stream, _length in uploads:
                stream.close()
        if progress:
            progress(scale + done * scale // max(len(todo), 1), 3 * scale)
    prepared = bulk.prepare(body, user, todo, stored)
    if progress:
        progress(2 * scale, 3 * scale)
    # One transaction (bulk.register): the rows are numbered and written together, so the import
    # is all or nothing; others wait for the write lock only while it writes (seconds, not minutes).
    with db.atomic():
        report.imported = bulk.register(body, user, prepared)
        audit.record("document.import", body, {"rows": len(report.rows), "imported": report.imported,
                                               "skipped": [r.existing for r in report.skipped]},
                     user=user, body=body)
        for row, code in zip(todo, report.imported):
            report.planned[row.number] = code
        if finish:
            finish(report)
    if progress:
        progress(3 * scale, 3 * scale)
    return report
