"""The four-properties check (四性检测, DA/T 70): pure over the models and the store, item by item."""
import datetime as dt
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from peewee import JOIN

from capture.models import (CARRIERS, DOCUMENT_STATUSES, RETENTIONS, SECURITY_LEVELS, Category,
                            Document, File, ScopeItem, now)
from capture import clock
from capture.records import coverage, lifecycle, series, usability

PROPERTIES = ("authenticity", "completeness", "usability", "security")
PREFIX = {"AUTH": "authenticity", "COMP": "completeness", "USE": "usability", "SEC": "security"}
# Failures a promise cannot cover: the bytes themselves are wrong or dangerous.
NOT_COMMITTABLE = {"AUTH-DIGEST", "AUTH-MISSING", "AUTH-SIZE", "SEC-VIRUS", "SEC-EXECUTABLE"}
REFERENCE_CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z]{1,4}·\d{4}-(Y|D30|D10)(-[A-Z0-9]{1,10})?-\d{4}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LIMITS = {"title": 500, "doc_number": 100, "responsible": 200, "remarks": 2000}
VAGUE_RESPONSIBLE = {"本局", "本委", "本办", "本单位", "本部", "我局", "我单位"}
CLAMSCAN_BATCH = 200


@dataclass
class Finding:
    """One check's result for one subject (an item, a file, a class, a scope entry or the body)."""
    code: str
    severity: str          # pass | warning | fail
    subject: str           # what it is about, as the user knows it (档号, file name …)
    message: str
    key: str               # code + subject id: what a commitment refers to
    committed: bool = False

    @property
    def committable(self):
        """A failure a time-limited commitment may cover (not broken or dangerous bytes)."""
        return self.severity == "fail" and self.code not in NOT_COMMITTABLE

    # Declared last: inside the class body the name then shadows the builtin for nothing after it.
    @property
    def property(self):
        """Which of the four properties the finding is about."""
        return PREFIX[self.code.split("-", 1)[0]]


@dataclass
class Report:
    """The result of one run: every finding, and the totals the package must match."""
    fonds_code: str
    body_name: str
    body_code: str
    run_at: dt.datetime
    totals: dict
    findings: list = field(default_factory=list)
    run_by: str = ""
    # {file id: usability.remember(...)} for files opened in this run, for the caller to keep.
    inspections: dict = field(default_factory=dict)

    def add(self, code, severity, subject, message, key=""):
        """Record a finding."""
        self.findings.append(Finding(code, severity, subject, message, f"{code}:{key}"))

    @property
    def summary(self):
        """How many findings passed, warned and failed."""
        counts = Counter(f.severity for f in self.findings)
        return {s: counts.get(s, 0) for s in ("pass", "warning", "fail")}

    @property
    def uncovered(self):
        """Failures neither fixed nor covered by an open commitment: these block the export."""
        return [f for f in self.findings if f.severity == "fail" and not f.committed]

    def apply_commitments(self, keys):
        """Mark the failures whose key an open commitment names."""
        for finding in self.findings:
            finding.committed = finding.committable and finding.key in keys

    def as_dict(self):
        """A JSON-ready dict (the .json report and Transfer.check_report)."""
        data = asdict(self)
        del data["inspections"]
        data["run_at"] = self.run_at.isoformat(timespec="seconds")
        data["summary"] = self.summary
        for plain, finding in zip(data["findings"], self.findings):
            plain["property"] = finding.property
        return data


def class_key(document):
    """The lowest class an item is numbered in, e.g. WS·2026-Y-ZH."""
    key = f"{document.record_class}·{document.year}-{document.retention}"
    return f"{key}-{document.category.code}" if document.category_id else key


def reference_code(fonds_code, document):
    """The 档号 an item must carry, from its fonds, class and item number."""
    return f"{fonds_code}-{class_key(document)}-{document.item_number:04d}"


def current_files(files):
    """The files of an item that no later version replaces."""
    replaced = {f.replaces_id for f in files if f.replaces_id}
    return sorted((f for f in files if f.id not in replaced), key=lambda f: f.id)


def load_documents(body, document_ids=None):
    """The body's items in catalogue order, with category and files, in two queries."""
    query = (Document.select(Document, Category).join(Category, join_type=JOIN.LEFT_OUTER)
             .where(Document.body == body)
             .order_by(Document.year, Document.retention, Category.sort, Document.class_key,
                       Document.item_number))
    if document_ids is not None:
        query = query.where(Document.id.in_(list(document_ids)))
    documents = list(query)
    files = defaultdict(list)
    for f in (File.select().join(Document).where(Document.body == body).order_by(File.id)):
        files[f.document_id].append(f)
    for doc in documents:
        doc.file_list = files.get(doc.id, [])
    return documents


def run(body, store, progress=None, scanner=None, verify_digests=True, documents=None, today=None):
    """Check every item of `body` and return the Report; `progress(done, total)` counts bytes.

    With verify_digests=False the caller re-hashes every file itself (the export does, as it
    copies them) and a file's kept inspection is trusted only once its bytes are known to be the
    registered ones; `documents` are the body's load_documents() when the caller has them.
    """
    documents = load_documents(body) if documents is None else documents
    files = [(d, f) for d in documents for f in current_files(d.file_list)]
    report = Report(body.fonds_code, body.name, body.code, now(), {
        "items": len(documents), "registered": sum(d.status == "registered" for d in documents),
        "withdrawn": sum(d.status == "withdrawn" for d in documents),
        "files": len(files), "bytes": sum(f.size for _, f in files)})
    _check_metadata(report, body, documents)
    _check_untransferred(report, body, documents)
    _check_completeness(report, body, documents)
    _check_series(report, body, documents, today or clock.today())
    _check_files(report, store, files, progress, verify_digests)
    _check_viruses(report, store, files, scanner if scanner is not None else shutil.which("clamscan"))
    return report


def _passed(report, code, message):
    if not any(f.code == code and f.severity != "pass" for f in report.findings):
        report.add(code, "pass", "", message)


def _check_metadata(report, body, documents):
    seen = defaultdict(list)
    for doc in documents:
        ref = doc.reference_code
        expected = reference_code(body.fonds_code, doc)
        if not REFERENCE_CODE.match(ref or "") or ref != expected or doc.class_key != class_key(doc):
            report.add("AUTH-REFCODE", "fail", ref,
                       f"档号 {ref} 与其年度、保管期限、分类和件号不符，应为 {expected}", f"d{doc.id}")
        problems = []
        if doc.retention not in RETENTIONS:
            problems.append(f"保管期限“{doc.retention}”不是规定值")
        if doc.security not in SECURITY_LEVELS:
            problems.append(f"密级“{doc.security}”不是规定值")
        if doc.carrier not in CARRIERS or doc.status not in DOCUMENT_STATUSES:
            problems.append("载体或状态不是规定值")
        if not 1900 <= (doc.year or 0) <= 2100 or (doc.pages or 0) < 0:
            problems.append("年度或页数超出范围")
        problems += [f"{name}超过 {limit} 个字符" for name, limit in LIMITS.items()
                     if len(getattr(doc, name) or "") > limit]
        if problems:
            report.add("AUTH-FIELD", "fail", ref, f"{ref}：" + "；".join(problems), f"d{doc.id}")
        dirty = [label for name, label in (("title", "题名"), ("responsible", "责任者"),
                                           ("doc_number", "文号"), ("remarks", "备注"))
                 if CONTROL.search(getattr(doc, name) or "")]
        if dirty:
            report.add("AUTH-CONTROL", "fail", ref, f"{ref} 的{'、'.join(dirty)}含有控制字符，请重新录入",
                       f"d{doc.id}")
        if doc.date and doc.year and doc.date.year != doc.year:
            report.add("AUTH-YEAR", "warning", ref, f"{ref} 的日期 {doc.date:%Y%m%d} 不在其年度 {doc.year} 内",
                       f"d{doc.id}")
        if (doc.responsible or "").strip() in VAGUE_RESPONSIBLE:
            report.add("AUTH-RESPONSIBLE", "warning", ref,
                       f"{ref} 的责任者写作“{doc.responsible}”，应写机关全称或规范简称", f"d{doc.id}")
        if doc.status == "registered" and doc.doc_number:
            seen[(doc.doc_number.strip(), doc.title.strip())].append(doc)
    for (number, title), docs in seen.items():
        if len(docs) > 1:
            refs = "、".join(d.reference_code for d in docs)
            report.add("AUTH-DUPLICATE", "fail", refs,
                       f"文号“{number}”、题名“{title}”重复登记：{refs}", f"d{docs[1].id}")
    _passed(report, "AUTH-REFCODE", "全部档号格式正确且与分类、件号一致")
    _passed(report, "AUTH-FIELD", "元数据类型、长度和取值均符合要求")


def _check_untransferred(report, body, documents):
    """After an export: how many items its packages carried, and which still wait for a supplement."""
    if lifecycle.last_export(body) is None:
        return
    waiting = [d for d in documents if d.transferred_in_id is None]
    report.totals["transferred"] = len(documents) - len(waiting)
    report.totals["pending"] = len(waiting)
    if waiting:
        refs = "、".join(d.reference_code for d in waiting[:20]) + ("……" if len(waiting) > 20 else "")
        report.add("COMP-PENDING", "warning", refs,
                   f"{len(waiting)} 件未移交（移交包导出后登记），须导出补充移交包：{refs}", "pending")
    else:
        report.add("COMP-PENDING", "pass", "",
                   f"已导出的移交包包含全部 {len(documents)} 件，没有未移交的文件")


def _check_completeness(report, body, documents):
    if not documents:
        report.add("COMP-EMPTY", "fail", body.name, f"{body.name}尚未登记任何文件", "body")
    numbers = defaultdict(set)
    for doc in documents:
        numbers[doc.class_key].add(doc.item_number)
        ref = doc.reference_code
        missing = [label for name, label in (("title", "题名"), ("responsible", "责任者"))
                   if not (getattr(doc, name) or "").strip()]
        if not doc.date:
            missing.append("日期")
        if missing:
            report.add("COMP-REQUIRED", "fail", ref, f"{ref} 缺少必填项：{'、'.join(missing)}", f"d{doc.id}")
        if doc.status == "registered" and doc.carrier != "paper" and not current_files(doc.file_list):
            report.add("COMP-NOFILE", "fail", ref,
                       f"{ref}《{doc.title}》登记为电子文件，但没有上传任何文件", f"d{doc.id}")
    for key, present in sorted(numbers.items()):
        gaps = sorted(set(range(1, max(present) + 1)) - present)
        if gaps:
            shown = "、".join(f"{n:04d}" for n in gaps[:20]) + ("……" if len(gaps) > 20 else "")
            report.add("COMP-GAP", "fail", f"{body.fonds_code}-{key}",
                       f"{body.fonds_code}-{key} 的件号不连续，缺少 {shown}", key)
    covered = {d.scope_item_id for d in documents if d.status == "registered"}
    for item in ScopeItem.select().where(ScopeItem.body == body).order_by(ScopeItem.sort):
        if item.id not in covered:
            if item.required:
                report.add("COMP-SCOPE", "fail", item.name,
                           f"归档范围要求的“{item.name}”尚无已登记的文件", f"s{item.id}")
            else:
                report.add("COMP-SCOPE", "warning", item.name,
                           f"归档范围中的“{item.name}”（非必需）尚无文件，请确认确实没有", f"s{item.id}")
    _passed(report, "COMP-GAP", "各类别件号从 0001 起连续，无断号")
    _passed(report, "COMP-NOFILE", "每件电子文件都有文件，每个文件都属于一件")
    _passed(report, "COMP-SCOPE", "归档范围要求的事项均已有文件")
    totals = report.totals
    moved = (f"；已移交 {totals['transferred']} 件，未移交 {totals['pending']} 件"
             if "pending" in totals else "")
    report.add("COMP-TOTALS", "pass", "",
               f"共 {totals['items']} 件（其中撤回 {totals['withdrawn']} 件），"
               f"{totals['files']} 个文件，{totals['bytes']} 字节{moved}")


def _check_series(report, body, documents, today):
    """Every due period of an expected series (预立卷) has a record filed under the item."""
    dates = defaultdict(list)
    for doc in documents:
        if doc.status == "registered" and doc.scope_item_id and doc.date:
            dates[doc.scope_item_id].append(doc.date)
    items = ScopeItem.select().where(ScopeItem.body == body, ScopeItem.recurrence != "")
    for item in items.order_by(ScopeItem.sort):
        status = coverage.series_status(item, body, dates[item.id], today)
        if status.missing:
            named = "、".join(series.label(p, "zh_Hans") for p in status.missing[:series.NAMED])
            more = f"等 {len(status.missing)} 期" if len(status.missing) > series.NAMED else ""
            report.add("COMP-SERIES", "fail", item.name,
                       f"“{item.name}”按归档计划应逐期归档，应有 {status.expected} 期，"
                       f"缺 {named}{more}", f"s{item.id}-series")
    _passed(report, "COMP-SERIES", "按归档计划逐期形成的文件均已登记")


def _check_files(report, store, files, progress, verify_digests=True):
    total, done = sum(f.size for _, f in files) or 1, 0
    formats = Counter()
    pdf_pages, other_files = defaultdict(int), set()  # document id → pages of its PDFs
    for doc, f in files:
        subject = f"{doc.reference_code} {f.original_name}"
        size = store.size_of(f.sha256)
        found = store.hash_of(f.sha256) if verify_digests and size is not None else f.sha256
        if size is None:
            report.add("AUTH-MISSING", "fail", subject,
                       f"{doc.reference_code} 的文件“{f.original_name}”在存储中找不到", f"f{f.id}")
        elif found != f.sha256:
            report.add("AUTH-DIGEST", "fail", subject,
                       f"{doc.reference_code} 的文件“{f.original_name}”内容已改变：摘要与登记时不一致",
                       f"f{f.id}")
        elif size != f.size:
            report.add("AUTH-SIZE", "fail", subject,
                       f"{doc.reference_code} 的文件“{f.original_name}”大小与登记的不符", f"f{f.id}")
        else:
            result = usability.remembered(f.inspection)
            if result is None:
                result = usability.inspect(store.path(f.sha256), f.original_name)
                report.inspections[f.id] = usability.remember(result)
            formats[usability.KIND_NAMES.get(result.kind, result.kind)] += 1
            if result.pages is not None:
                pdf_pages[doc.id] += result.pages
            else:
                other_files.add(doc.id)
            for code, severity, message in result.problems:
                report.add(code, severity, subject, f"{doc.reference_code} 的文件“{f.original_name}”{message}",
                           f"f{f.id}")
            if not result.problems and not (result.long_term or f.long_term):
                report.add("USE-FORMAT", "warning", subject,
                           f"{doc.reference_code} 的文件“{f.original_name}”为 "
                           f"{usability.KIND_NAMES.get(result.kind, result.kind)}，不是长期保存格式"
                           f"（宜转为 OFD、PDF/A、JPEG、TIFF 等）", f"f{f.id}")
        done += f.size
        if progress:
            progress(done, total)
    _check_pages(report, {doc.id: doc for doc, _ in files}, pdf_pages, other_files)
    _passed(report, "AUTH-DIGEST", f"{len(files)} 个文件的摘要与登记时一致" if verify_digests else
            f"{len(files)} 个文件的摘要在复制进移交包时逐一核对，与登记时一致")
    _passed(report, "USE-OPEN", "全部文件均可正常打开"
            + (f"（{'、'.join(f'{k} {v} 个' for k, v in formats.most_common())}）" if formats else ""))
    _passed(report, "USE-ENCRYPTED", "没有加密或设密码的文件")
    _passed(report, "SEC-EXECUTABLE", "没有可执行文件或脚本")


def _check_pages(report, documents, pdf_pages, other_files):
    """页数 against the pages of an item's PDFs, where all its files are PDFs (DA/T 22: 页数 counts
    the pages with content; a scan of a 12-page document has 12 pages)."""
    for doc_id, pages in pdf_pages.items():
        doc = documents[doc_id]
        if doc_id in other_files or not doc.pages or doc.pages == pages:
            continue
        report.add("USE-PAGES", "warning", doc.reference_code,
                   f"{doc.reference_code} 登记的页数为 {doc.pages}，其 PDF 文件共 {pages} 页", f"d{doc.id}")
    _passed(report, "USE-PAGES", "登记的页数与 PDF 文件的页数一致")


def _check_viruses(report, store, files, clamscan):
    if not files:
        return
    if not clamscan:
        report.add("SEC-VIRUS-NOT-RUN", "warning", "",
                   "本机未安装 ClamAV（clamscan），未进行病毒查杀；请在接收前另行查杀")
        return
    names = {str(store.path(f.sha256)): (doc, f) for doc, f in files}
    paths = list(names)
    for start in range(0, len(paths), CLAMSCAN_BATCH):
        batch = paths[start:start + CLAMSCAN_BATCH]
        result = subprocess.run([clamscan, "--no-summary", "--infected", "--stdout", *batch],
                                capture_output=True, text=True, check=False)
        if result.returncode == 2:
            report.add("SEC-VIRUS-NOT-RUN", "warning", "", f"病毒查杀未能完成：{result.stderr.strip()[:200]}")
            return
        for line in result.stdout.splitlines():
            path, _, verdict = line.rpartition(": ")
            if verdict.endswith("FOUND") and path in names:
                doc, f = names[path]
                report.add("SEC-VIRUS", "fail", f"{doc.reference_code} {f.original_name}",
                           f"{doc.reference_code} 的文件“{f.original_name}”检出病毒：{verdict[:-6]}",
                           f"f{f.id}")
    _passed(report, "SEC-VIRUS", f"ClamAV 查杀 {len(files)} 个文件，未发现病毒")
