"""The four-properties check (四性检测, DA/T 70): pure over the models and the store, item by item."""
import datetime as dt
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from peewee import JOIN

from capture.models import (CARRIERS, DOCUMENT_STATUSES, RETENTIONS, SECURITY_LEVELS, Category,
                            Document, File, ScopeItem)
from capture import clock
from capture.i18n import MORE, N_, fill, message as sub_message, period
from capture.records import coverage, filefacts, lifecycle, series, usability
from capture.records.registry import PAGED_CARRIERS

PROPERTIES = ("authenticity", "completeness", "usability", "security")
PREFIX = {"AUTH": "authenticity", "COMP": "completeness", "USE": "usability", "SEC": "security"}
# Failures a promise cannot cover: the bytes themselves are wrong or dangerous.
NOT_COMMITTABLE = {"AUTH-DIGEST", "AUTH-MISSING", "AUTH-SIZE", "SEC-VIRUS", "SEC-EXECUTABLE"}
REFERENCE_CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z]{1,4}·\d{4}-(Y|D30|D10)(-[A-Z0-9]{1,10})?-\d{4}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Longest text a field may hold, with its label (a msgid: a finding names it in the reader's language).
LIMITS = {"title": (N_("题名"), 500), "doc_number": (N_("文号"), 100), "responsible": (N_("责任者"), 200),
          "remarks": (N_("备注"), 2000)}
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
    template: str = ""     # the message before its values went in (a msgid), for other languages
    params: dict = field(default_factory=dict)

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
    # {file id: filefacts.settle(...)} for files opened in this run, for the caller to keep.
    inspections: dict = field(default_factory=dict)

    def add(self, code, severity, subject, message, key="", **params):
        """Record a finding; `message` is a msgid (N_) filled with `params` (see i18n.fill): kept
        in Chinese, and as msgid and values for other languages."""
        self.findings.append(Finding(code, severity, subject, fill(message, params, str, "zh_Hans"),
                                     f"{code}:{key}", template=message, params=params))

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
    report = Report(body.fonds_code, body.name, body.code, clock.utc_now(), {
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


def _first(items, n=20):
    """The first `n` of a list shown in a finding, and MORE when there are more."""
    return items[:n] + [MORE] if len(items) > n else items


def _passed(report, code, message, **params):
    if not any(f.code == code and f.severity != "pass" for f in report.findings):
        report.add(code, "pass", "", message, **params)


def _check_metadata(report, body, documents):
    seen = defaultdict(list)
    for doc in documents:
        ref = doc.reference_code
        expected = reference_code(body.fonds_code, doc)
        if not REFERENCE_CODE.match(ref or "") or ref != expected or doc.class_key != class_key(doc):
            report.add("AUTH-REFCODE", "fail", ref, N_("档号 %(ref)s 与其年度、保管期限、分类和件号不符，应为 %(expected)s"),
                       f"d{doc.id}", ref=ref, expected=expected)
        problems = []
        if doc.retention not in RETENTIONS:
            problems.append(sub_message(N_("保管期限“%(value)s”不是规定值"), value=doc.retention))
        if doc.security not in SECURITY_LEVELS:
            problems.append(sub_message(N_("密级“%(value)s”不是规定值"), value=doc.security))
        if doc.carrier not in CARRIERS or doc.status not in DOCUMENT_STATUSES:
            problems.append(sub_message(N_("载体或状态不是规定值")))
        if not 1900 <= (doc.year or 0) <= 2100 or (doc.pages or 0) < 0:
            problems.append(sub_message(N_("年度或页数超出范围")))
        problems += [sub_message(N_("%(label)s超过 %(limit)s 个字符"), label=label, limit=limit)
                     for name, (label, limit) in LIMITS.items() if len(getattr(doc, name) or "") > limit]
        if problems:
            report.add("AUTH-FIELD", "fail", ref, N_("%(ref)s：%(problems)s"), f"d{doc.id}", ref=ref,
                       problems=problems)
        dirty = [label for name, label in (("title", N_("题名")), ("responsible", N_("责任者")),
                                           ("doc_number", N_("文号")), ("remarks", N_("备注")))
                 if CONTROL.search(getattr(doc, name) or "")]
        if dirty:
            report.add("AUTH-CONTROL", "fail", ref, N_("%(ref)s 的%(fields)s含有控制字符，请重新录入"),
                       f"d{doc.id}", ref=ref, fields=dirty)
        if doc.date and doc.year and doc.date.year != doc.year:
            report.add("AUTH-YEAR", "warning", ref, N_("%(ref)s 的日期 %(date)s 不在其年度 %(year)s 内"),
                       f"d{doc.id}", ref=ref, date=f"{doc.date:%Y%m%d}", year=doc.year)
        if (doc.responsible or "").strip() in VAGUE_RESPONSIBLE:
            report.add("AUTH-RESPONSIBLE", "warning", ref,
                       N_("%(ref)s 的责任者写作“%(responsible)s”，应写机关全称或规范简称"), f"d{doc.id}",
                       ref=ref, responsible=doc.responsible)
        if doc.status == "registered" and doc.doc_number:
            seen[(doc.doc_number.strip(), doc.title.strip())].append(doc)
    for (number, title), docs in seen.items():
        if len(docs) > 1:
            refs = [d.reference_code for d in docs]
            report.add("AUTH-DUPLICATE", "fail", "、".join(refs),
                       N_("文号“%(number)s”、题名“%(title)s”重复登记：%(refs)s"), f"d{docs[1].id}", number=number, title=title, refs=refs)
    _passed(report, "AUTH-REFCODE", N_("全部档号格式正确且与分类、件号一致"))
    _passed(report, "AUTH-FIELD", N_("元数据类型、长度和取值均符合要求"))


def _check_untransferred(report, body, documents):
    """After an export: how many items its packages carried, and which still wait for a supplement."""
    if lifecycle.last_export(body) is None:
        return
    waiting = [d for d in documents if d.transferred_in_id is None]
    report.totals["transferred"] = len(documents) - len(waiting)
    report.totals["pending"] = len(waiting)
    if waiting:
        refs = _first([d.reference_code for d in waiting])
        report.add("COMP-PENDING", "warning", "、".join(refs),
                   N_("%(n)s 件未移交（移交包导出后登记），须导出补充移交包：%(refs)s"), "pending",
                   n=len(waiting), refs=refs)
    else:
        report.add("COMP-PENDING", "pass", "", N_("已导出的移交包包含全部 %(n)s 件，没有未移交的文件"),
                   n=len(documents))


def _check_completeness(report, body, documents):
    if not documents:
        report.add("COMP-EMPTY", "fail", body.name, N_("%(body)s尚未登记任何文件"), "body", body=body.name)
    numbers = defaultdict(set)
    for doc in documents:
        numbers[doc.class_key].add(doc.item_number)
        ref = doc.reference_code
        missing = [label for name, label in (("title", N_("题名")), ("responsible", N_("责任者")))
                   if not (getattr(doc, name) or "").strip()]
        if not doc.date:
            missing.append(N_("日期"))
        if missing:
            report.add("COMP-REQUIRED", "fail", ref, N_("%(ref)s 缺少必填项：%(fields)s"), f"d{doc.id}",
                       ref=ref, fields=missing)
        if doc.status == "registered" and doc.carrier != "paper" and not current_files(doc.file_list):
            report.add("COMP-NOFILE", "fail", ref, N_("%(ref)s《%(title)s》登记为电子文件，但没有上传任何文件"),
                       f"d{doc.id}", ref=ref, title=doc.title)
    for key, present in sorted(numbers.items()):
        gaps = sorted(set(range(1, max(present) + 1)) - present)
        if gaps:
            shown = _first([f"{n:04d}" for n in gaps])
            report.add("COMP-GAP", "fail", f"{body.fonds_code}-{key}", N_("%(cls)s 的件号不连续，缺少 %(numbers)s"),
                       key, cls=f"{body.fonds_code}-{key}", numbers=shown)
    covered = {d.scope_item_id for d in documents if d.status == "registered"}
    for item in ScopeItem.select().where(ScopeItem.body == body).order_by(ScopeItem.sort):
        if item.id not in covered:
            if item.required:
                report.add("COMP-SCOPE", "fail", item.name, N_("归档范围要求的“%(name)s”尚无已登记的文件"),
                           f"s{item.id}", name=item.name)
            else:
                report.add("COMP-SCOPE", "warning", item.name,
                           N_("归档范围中的“%(name)s”（非必需）尚无文件，请确认确实没有"), f"s{item.id}",
                           name=item.name)
    _passed(report, "COMP-GAP", N_("各类别件号从 0001 起连续，无断号"))
    _passed(report, "COMP-NOFILE", N_("每件电子文件都有文件，每个文件都属于一件"))
    _passed(report, "COMP-SCOPE", N_("归档范围要求的事项均已有文件"))
    totals = report.totals
    report.add("COMP-TOTALS", "pass", "",
               N_("共 %(items)s 件（其中撤回 %(withdrawn)s 件），%(files)s 个文件，%(bytes)s 字节")
               if "pending" not in totals else
               N_("共 %(items)s 件（其中撤回 %(withdrawn)s 件），%(files)s 个文件，%(bytes)s 字节；"
                  "已移交 %(transferred)s 件，未移交 %(pending)s 件"),
               items=totals["items"], withdrawn=totals["withdrawn"], files=totals["files"],
               bytes=totals["bytes"], transferred=totals.get("transferred", 0),
               pending=totals.get("pending", 0))


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
            named = [period(p.start, p.end) for p in status.missing[:series.NAMED]]
            report.add("COMP-SERIES", "fail", item.name,
                       N_("“%(name)s”按归档计划应逐期归档，应有 %(expected)s 期，缺 %(missing)s 期：%(periods)s"),
                       f"s{item.id}-series", name=item.name, expected=status.expected,
                       missing=len(status.missing), periods=named)
    _passed(report, "COMP-SERIES", N_("按归档计划逐期形成的文件均已登记"))


def _check_files(report, store, files, progress, verify_digests=True):
    total, done = sum(f.size for _, f in files) or 1, 0
    formats = Counter()
    counted, other_files = defaultdict(int), set()  # document id → pages counted in its files
    for doc, f in files:
        subject = f"{doc.reference_code} {f.original_name}"
        size = store.size_of(f.sha256)
        found = store.hash_of(f.sha256) if verify_digests and size is not None else f.sha256
        if size is None:
            report.add("AUTH-MISSING", "fail", subject, N_("%(ref)s 的文件“%(name)s”在存储中找不到"),
                       f"f{f.id}", ref=doc.reference_code, name=f.original_name)
        elif found != f.sha256:
            report.add("AUTH-DIGEST", "fail", subject,
                       N_("%(ref)s 的文件“%(name)s”内容已改变：摘要与登记时不一致"), f"f{f.id}",
                       ref=doc.reference_code, name=f.original_name)
        elif size != f.size:
            report.add("AUTH-SIZE", "fail", subject, N_("%(ref)s 的文件“%(name)s”大小与登记的不符"),
                       f"f{f.id}", ref=doc.reference_code, name=f.original_name)
        else:
            result = usability.remembered(f.inspection)
            if result is None:
                # Read under other readers (or never): the file's facts are established again,
                # on the row the package and the pages read, and kept by the caller.
                path = store.path(f.sha256)
                result = usability.inspect(path, f.original_name)
                facts = filefacts.settle(path, filefacts.identification_of(f), result)
                filefacts.apply(f, facts)
                report.inspections[f.id] = facts
            formats[usability.KIND_NAMES.get(result.kind, result.kind)] += 1
            if f.pages is not None:
                counted[doc.id] += f.pages
            else:
                other_files.add(doc.id)
            for code, severity, message in result.problems:
                report.add(code, severity, subject, N_("%(ref)s 的文件“%(name)s”%(problem)s"), f"f{f.id}",
                           ref=doc.reference_code, name=f.original_name, problem=message)
            if not result.problems and not (result.long_term or f.long_term):
                report.add("USE-FORMAT", "warning", subject,
                           N_("%(ref)s 的文件“%(name)s”为 %(kind)s，不是长期保存格式（宜转为 OFD、PDF/A、JPEG、TIFF 等）"),
                           f"f{f.id}", ref=doc.reference_code, name=f.original_name,
                           kind=usability.KIND_NAMES.get(result.kind, result.kind))
        done += f.size
        if progress:
            progress(done, total)
    _check_pages(report, {doc.id: doc for doc, _ in files}, counted, other_files)
    _passed(report, "AUTH-DIGEST", N_("%(n)s 个文件的摘要与登记时一致") if verify_digests else
            N_("%(n)s 个文件的摘要在复制进移交包时逐一核对，与登记时一致"), n=len(files))
    if formats:
        _passed(report, "USE-OPEN", N_("全部文件均可正常打开（%(formats)s）"),
                formats=[sub_message(N_("%(label)s %(n)s"), label=k, n=v) for k, v in formats.most_common()])
    else:
        _passed(report, "USE-OPEN", N_("全部文件均可正常打开"))
    _passed(report, "USE-ENCRYPTED", N_("没有加密或设密码的文件"))
    _passed(report, "SEC-EXECUTABLE", N_("没有可执行文件或脚本"))


def _check_pages(report, documents, counted, other_files):
    """页数 against the pages read from an item's files, where every file has pages to count (PDF,
    OFD, TIFF; DA/T 22: a scan of a 12-page document has 12 pages). A difference is an inaccurate
    description (准确性) unless the secretary kept it with a reason when registering."""
    for doc_id, pages in counted.items():
        doc = documents[doc_id]
        if doc_id in other_files or doc.pages == pages or doc.carrier not in PAGED_CARRIERS:
            continue
        if doc.pages_reason:
            report.add("AUTH-PAGES", "warning", doc.reference_code,
                       N_("%(ref)s 登记的页数为 %(registered)s，其文件共 %(pages)s 页；登记时说明：%(reason)s"),
                       f"d{doc.id}", ref=doc.reference_code, registered=doc.pages, pages=pages,
                       reason=doc.pages_reason)
        else:
            report.add("AUTH-PAGES", "fail", doc.reference_code,
                       N_("%(ref)s 登记的页数为 %(registered)s，其文件共 %(pages)s 页，未说明原因；请改正页数，或在修改时写明原因"),
                       f"d{doc.id}", ref=doc.reference_code, registered=doc.pages, pages=pages)
    _passed(report, "AUTH-PAGES", N_("登记的页数与文件的页数一致"))


def _check_viruses(report, store, files, clamscan):
    if not files:
        return
    if not clamscan:
        report.add("SEC-VIRUS-NOT-RUN", "warning", "",
                   N_("本机未安装 ClamAV（clamscan），未进行病毒查杀；请在接收前另行查杀"))
        return
    names = {str(store.path(f.sha256)): (doc, f) for doc, f in files}
    paths = list(names)
    for start in range(0, len(paths), CLAMSCAN_BATCH):
        batch = paths[start:start + CLAMSCAN_BATCH]
        result = subprocess.run([clamscan, "--no-summary", "--infected", "--stdout", *batch],
                                capture_output=True, text=True, check=False)
        if result.returncode == 2:
            report.add("SEC-VIRUS-NOT-RUN", "warning", "", N_("病毒查杀未能完成：%(error)s"),
                       error=result.stderr.strip()[:200])
            return
        for line in result.stdout.splitlines():
            path, _, verdict = line.rpartition(": ")
            if verdict.endswith("FOUND") and path in names:
                doc, f = names[path]
                report.add("SEC-VIRUS", "fail", f"{doc.reference_code} {f.original_name}",
                           N_("%(ref)s 的文件“%(name)s”检出病毒：%(virus)s"), f"f{f.id}",
                           ref=doc.reference_code, name=f.original_name, virus=verdict[:-6])
    _passed(report, "SEC-VIRUS", N_("ClamAV 查杀 %(n)s 个文件，未发现病毒"), n=len(files))
