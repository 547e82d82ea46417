"""The pre-transfer check and the export of the transfer package: one run at a time per body."""
import datetime as dt
import json
import os
import shutil
import socket
import time
from pathlib import Path

from flask import current_app, has_app_context
from peewee import Case

from capture import audit, clock, jobs
from capture.db import db, is_postgres
from capture.i18n import N_, fill, keep, message
from capture.models import Body, Document, File, Transfer
from capture.clock import utc_now
from capture.records import filefacts, lifecycle
from exporters import bag, catalogue, forms, history, metadata, metadata_xml, report as report_writer

from . import checks, commitments, package_data, series

UNFINISHED = ("checking", "exporting", "failed")
# An export that has not reported for this long is taken as dead, whatever its pid says.
STALE_AFTER = dt.timedelta(minutes=15)
EXPORTABLE = ("dissolved", "transferred")


class ExportError(Exception):
    """An export could not start or did not finish: a msgid and its values say why (str() is the
    Chinese, for the command line and the audit trail; `kept` for a page in any language)."""

    def __init__(self, msgid, **params):
        super().__init__(fill(msgid, params, str, "zh_Hans") if params else msgid)
        self.msgid, self.params = msgid, params

    @property
    def kept(self):
        """The message as Transfer.message keeps it (see i18n.keep)."""
        return keep(self.msgid, **self.params)

    @property
    def text(self):
        """The message in the reader's language."""
        return fill(self.msgid, self.params)


class ExportBusy(ExportError):
    """Another export of the same body is still running."""


class NothingToAdd(ExportError):
    """A package was exported and no item has been registered since: no supplement to make."""


def _this_worker():
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_running(transfer):
    """True while the worker named on an exporting transfer is alive and reporting."""
    if transfer.status != "exporting":
        return False
    if transfer.heartbeat_at and utc_now() - transfer.heartbeat_at > STALE_AFTER:
        return False
    host, _, pid = transfer.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return _pid_alive(int(pid))
    return True


def open_transfer(body):
    """The body's unfinished transfer (checked, exporting or failed), or None."""
    return (Transfer.select().where(Transfer.body == body, Transfer.status.in_(UNFINISHED))
            .order_by(Transfer.id.desc()).first())


def _kind(body):
    return "supplementary" if lifecycle.last_export(body) else "full"


def _lock(body):
    """Serialise claims on one body: SQLite's IMMEDIATE transaction, PostgreSQL's row lock."""
    if is_postgres():
        Body.select().where(Body.id == body.id).for_update().get()


def operator_name(user, operator=""):
    """The named person who ran a check or an export: the account's name, or the operator
    named on the command line; never a placeholder (DA/T 70: the check names who ran it)."""
    name = user.display_name if user else (operator or "").strip()
    if not name:
        raise ExportError(N_("请指明操作人（--operator 姓名或用户名）。"))
    return name


def run_check(body, user, store, progress=None, verify_digests=True, documents=None, operator=""):
    """Run the four-properties check, log it, and keep the report on the body's open transfer
    (and each file's inspection on its row, for the next check or the export to reuse)."""
    run_by = operator_name(user, operator)
    report = checks.run(body, store, progress=progress, verify_digests=verify_digests,
                        documents=documents)
    report.run_by = run_by
    report.apply_commitments(commitments.open_keys(body))
    with db.atomic():
        _keep_inspections(report.inspections)
        _lock(body)
        transfer = open_transfer(body)
        if transfer is None:
            transfer = Transfer.create(body=body, run_by=user, kind=_kind(body))
        if user is None:
            transfer.operator = run_by
        audit.record("transfer.check", transfer, dict(report.summary, run_by=run_by), user=user, body=body)
        report.add("SEC-LOGGED", "pass", "", checks.N_("本次检测已记入审计记录"))
        transfer.check_report = json.dumps(report.as_dict(), ensure_ascii=False, default=str)
        if transfer.status != "exporting":
            transfer.status, transfer.message = "checking", ""
        transfer.save()
    return transfer, report


def _keep_inspections(inspections, chunk=500):
    """Keep the facts a check established again (filefacts.settle) on their File rows."""
    items = list(inspections.items())
    for start in range(0, len(items), chunk):
        part = dict(items[start:start + chunk])
        columns = {name: Case(File.id, [(i, facts[name]) for i, facts in part.items()])
                   for name in filefacts.FIELDS}
        # A CASE of NULLs only is text to PostgreSQL: say what the typed columns hold.
        columns["pages"] = columns["pages"].cast("integer")
        columns["long_term"] = columns["long_term"].cast("boolean")
        File.update(columns).where(File.id.in_(list(part))).execute()


def latest_report(transfer):
    """The check report kept on a transfer, as a dict (None when never checked)."""
    return json.loads(transfer.check_report) if transfer and transfer.check_report else None


def claim(body, user, operator=""):
    """Take the body's export for this process; ExportBusy when another one is running."""
    run_by = operator_name(user, operator)
    if body.status not in EXPORTABLE:
        raise ExportError(N_("只有已确认撤销的机构才能导出移交包。"))
    previous = lifecycle.last_export(body)
    if previous is not None and not lifecycle.pending_count(body):
        # Refused before a transfer is opened: nothing to add is not a failed export.
        raise NothingToAdd(N_("本机构的移交包已导出（%(package)s），此后没有登记新的文件，没有需要补充移交的内容。"),
                           package=Path(previous.package_path).name)
    with db.atomic():
        _lock(body)
        transfer = open_transfer(body)
        if transfer is not None and is_running(transfer):
            raise ExportBusy(N_("该机构的移交包正在导出，请稍候，不要重复操作。"))
        if transfer is None:
            transfer = Transfer.create(body=body, run_by=user, kind=_kind(body))
        transfer.status, transfer.progress, transfer.message = "exporting", 0, checks.N_("正在检测")
        transfer.worker, transfer.heartbeat_at, transfer.run_by = _this_worker(), utc_now(), user
        transfer.operator = "" if user else run_by
        transfer.started_at, transfer.finished_at = utc_now(), None
        transfer.save()
    return transfer


class Progress:
    """Writes the export's percentage and heartbeat to the transfer, at most twice a second."""

    def __init__(self, transfer, total, echo=None):
        self.transfer, self.total, self.done, self.echo = transfer, max(total, 1), 0, echo
        self.last_write = 0.0

    def __call__(self, n):
        self.done += n
        if self.echo:
            self.echo(n)
        if time.monotonic() - self.last_write >= 0.5:
            self.note(min(99, self.done * 100 // self.total))

    def note(self, percent, message=None):
        """Save progress (and a message) now."""
        self.last_write = time.monotonic()
        fields = {Transfer.progress: percent, Transfer.heartbeat_at: utc_now()}
        if message is not None:
            fields[Transfer.message] = message
        Transfer.update(fields).where(Transfer.id == self.transfer.id).execute()


def package_name(body, kind, out_dir, today=None, batch=1):
    """{fonds}-{body code}-{date} for the body's first package; its supplements add -BC and their
    number (the second package is -BC1), so two supplements never share a name; a number if taken."""
    base = f"{body.fonds_code}-{body.code}-{(today or clock.today()):%Y%m%d}"
    if kind == "supplementary":
        base += f"-BC{max(batch - 1, 1)}"  # 补充
    name, n = base, 1
    while (Path(out_dir) / name).exists() or (Path(out_dir) / f"{name}.zip").exists():
        n += 1
        name = f"{base}-{n}"
    return name


def export(transfer, store, out_dir, zip_package=True, echo=None, on_total=None):
    """Check, then build the package of a claimed transfer; return the BagResult."""
    body, user = transfer.body, transfer.run_by
    try:
        documents = checks.load_documents(body)
        ids = ([d.id for d in lifecycle.pending(body)] if transfer.kind == "supplementary"
               else None)
        if ids == []:
            raise NothingToAdd(N_("此后没有登记新的文件，没有需要补充移交的内容。"))
        result = _build(transfer, store, out_dir, zip_package, ids, echo, on_total, documents)
    except NothingToAdd:
        # Not a failure: the transfer goes back to waiting, and no failure is recorded.
        Transfer.update(status="checking", message="", finished_at=utc_now()).where(
            Transfer.id == transfer.id).execute()
        raise
    except Exception as exc:
        if isinstance(exc, ExportError):
            error = exc
        elif isinstance(exc, bag.DigestMismatch):
            error = ExportError(N_("%(ref)s 的文件内容与登记时的摘要不一致（%(path)s），导出已停止"),
                                ref=exc.label, path=exc.bag_path)
        else:  # the library's or the system's own words, after our sentence
            error = ExportError(N_("导出未完成：%(error)s"), error=str(exc) or exc.__class__.__name__)
        with db.atomic():
            Transfer.update(status="failed", message=error.kept, finished_at=utc_now()).where(
                Transfer.id == transfer.id).execute()
            audit.record("transfer.export_failed", transfer, {"message": str(error)}, user=user, body=body)
        if error is exc:
            raise
        raise error from exc
    return result


def _check(transfer, store, documents):
    """The export's pre-transfer check, kept on the transfer; ExportError when it does not pass."""
    # The copy re-hashes every file and stops at the first that differs, so the check need not
    # read them all first.
    _same, report = run_check(transfer.body, transfer.run_by, store, verify_digests=False,
                              documents=documents, operator=transfer.operator)
    if report.uncovered:
        raise ExportError(N_("检测有 %(n)s 项不通过且未作承诺，不能导出：%(problems)s"), n=len(report.uncovered),
                          problems=[message(f.template, **f.params) for f in report.uncovered[:5]])
    return report


def _build(transfer, store, out_dir, zip_package, ids, echo, on_total, documents):
    body = transfer.body
    items = package_data.items(body, store, ids, documents)
    files = [f for item in items for f in item.files]
    total = sum(f.size for f in files) * (2 if zip_package else 1)
    if on_total:
        on_total(total)
    progress = Progress(transfer, total, echo)
    progress.note(0, checks.N_("正在复制文件，生成目录和表单"))
    _remove_unrecorded(transfer)
    name = package_name(body, transfer.kind, out_dir, batch=series.batch_number(transfer))
    bag.remove_partials(out_dir, name, alive=_pid_alive)
    # Named before it exists, so that a retry after a crash finds and replaces it (see above).
    planned = Path(out_dir) / (f"{name}.zip" if zip_package else name)
    Transfer.update(package_path=stored_path(planned)).where(Transfer.id == transfer.id).execute()
    fonds = package_data.fonds(body)
    _give_identifier(transfer)
    with bag.BagBuilder(out_dir, name) as builder:
        def check_and_describe():
            report = _check(transfer, store, documents)
            _write_documents(builder, transfer, report, fonds, items, files)
            return report

        # The files copy from the start; the check, the catalogue and the forms are done on this
        # thread meanwhile. A check that does not pass discards the half-built package: nothing
        # reaches out_dir unless it passed.
        report = builder.copy_all([(f.source, f.bag_path, f.sha256, item.reference_code, f.size)
                                   for item in items for f in item.files],
                                  on_bytes=progress, meanwhile=check_and_describe)
        _write_metadata_xml(builder, transfer, report, fonds, items)
        result = builder.finish(_bag_info(transfer, fonds, items), zip_package, on_bytes=progress)
    register = _register(transfer, report.as_dict()["findings"], fonds,
                         [metadata.item_dict(i) for i in items], name)
    _pin(register, result)
    _write_register_beside(result.path, name, register)
    with db.atomic():
        Transfer.update(status="exported", progress=100, message="", finished_at=utc_now(),
                        package_path=stored_path(result.path), package_sha256=result.sha256,
                        package_sm3=result.sm3,
                        package_size=result.size, item_count=len(items),
                        file_count=len(files)).where(Transfer.id == transfer.id).execute()
        carried = [d.id for d in documents if ids is None or d.id in set(ids)]
        for start in range(0, len(carried), 500):
            Document.update(transferred_in=transfer.id).where(
                Document.id.in_(carried[start:start + 500])).execute()
        audit.record("transfer.export", transfer, {
            "package": result.path.name, "sha256": result.sha256, "sm3": result.sm3, "size": result.size,
            "items": len(items), "files": len(files), "kind": transfer.kind},
            user=transfer.run_by, body=body)
    return result


def _remove_unrecorded(transfer):
    """Remove the package an earlier attempt of this transfer put in place but never recorded.

    A crash between the package's rename and the database update leaves a complete-looking
    package that no transfer names as exported; the retry rebuilds it under the same name
    instead of adding a second one beside it.
    """
    if not transfer.package_path or transfer.status == "exported":
        return
    path = package_location(transfer)
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    register_path(path).unlink(missing_ok=True)


def _write_documents(builder, transfer, report, fonds, items, files):
    metadata.write_csv(builder.path_for("data/metadata/items.csv"), items)
    metadata.write_json(builder.path_for("data/metadata/items.json"), fonds, items)
    made_at = package_data.local(utc_now())
    for code, members in catalogue.by_class(items):  # one catalogue per 门类, never mixed
        catalogue.write_docx(builder.path_for(f"data/catalogue/catalogue-{code}.docx"), fonds, members, made_at)
        catalogue.write_xlsx(builder.path_for(f"data/catalogue/catalogue-{code}.xlsx"), fonds, members, made_at)
    catalogue.write_xml(builder.path_for("data/catalogue/catalogue.xml"), fonds, items)
    shutil.copyfile(catalogue.XML_SCHEMA_PATH, builder.path_for(f"data/catalogue/{catalogue.XML_SCHEMA_NAME}"))
    data = report.as_dict()
    data["run_at"] = package_data.local_iso(report.run_at)
    report_writer.write_docx(builder.path_for("data/forms/check-report.docx"), data)
    report_writer.write_json(builder.path_for("data/forms/check-report.json"), data)
    forms.write_register(builder.path_for("data/forms/transfer-form.docx"),
                         _register(transfer, data["findings"], fonds,
                                   [metadata.item_dict(i) for i in items], builder.name))
    promised = package_data.commitments(transfer.body)
    if promised:
        forms.write_commitments(builder.path_for("data/forms/commitments.docx"), fonds, promised)
    introduction, history_text, chronicle = package_data.descriptions(transfer.body)
    forms.write_descriptions(builder.path_for("data/forms/fonds-descriptions.docx"), fonds,
                             introduction, history_text, chronicle)
    forms.write_description_file(builder.path_for("data/description.txt"), fonds, [
        ("载体", "在线（网络传输）"), ("制作单位", fonds.body_name),
        ("制作人", operator_name(transfer.run_by, transfer.operator)),
        ("制作时间", package_data.local_iso(utc_now())),
        ("移交标识", f"{transfer.identifier}（urn:uuid:{transfer.uuid}）"),
        *series.described(transfer),
        ("件数", str(len(items))), ("文件数", str(len(files)))])
    history.write_checkins(builder.path_for("data/guidance/checkins.csv"),
                           package_data.checkins(transfer.body))
    history.write_audit(builder.path_for("data/audit/audit.jsonl"),
                        package_data.audit_events(transfer.body))


def _write_metadata_xml(builder, transfer, report, fonds, items):
    """metadata.xml and its schema: written once the files are copied, when both digests are known."""
    for item in items:
        for f in item.files:
            f.sm3 = builder.sm3[f.bag_path]
    made_at = package_data.local(utc_now())
    by = operator_name(transfer.run_by, transfer.operator)
    shared = [("检测", package_data.local(report.run_at), report.run_by, "四性检测（DA/T 70）"),
              ("移交", made_at, by, f"移交标识 {transfer.identifier}")]
    metadata_xml.write_xml(builder.path_for("data/metadata/metadata.xml"), fonds, items,
                           f"{transfer.identifier} urn:uuid:{transfer.uuid}", made_at, shared)
    shutil.copyfile(metadata_xml.SCHEMA_PATH, builder.path_for(f"data/metadata/{metadata_xml.SCHEMA_NAME}"))


def _checks_column(findings):
    """The register's check columns from the check report's findings (dicts)."""
    results = {}
    names = {"authenticity": "准确性检验", "completeness": "完整性检验", "usability": "可用性检验",
             "security": "安全性检验"}
    for prop, column in names.items():
        mine = [f for f in findings if f["property"] == prop]
        if any(f["severity"] == "fail" and not f["committed"] for f in mine):
            results[column] = "不通过"
        elif any(f["severity"] == "fail" for f in mine):
            results[column] = "容缺（已承诺）"
        elif any(f["severity"] == "warning" for f in mine):
            results[column] = "通过（有警告）"
        else:
            results[column] = "通过"
    results["载体外观检验"] = "不适用（在线）"
    return results


def _register(transfer, findings, fonds, items, name):
    """The register's facts from the check's findings and the items as items.json has them."""
    batch = "补充移交" if transfer.kind == "supplementary" else "全部移交"
    files = [f for item in items for f in item["files"]]
    years = sorted({i["year"] for i in items})
    categories = sorted({i["category_name"] for i in items if i["category_name"]})
    kinds = sorted({(f["format"] or f["media_type"] or "其他") for f in files})
    classes = "、".join(catalogue.class_name(c) for c in sorted({i["record_class"] for i in items},
                                                              key=lambda c: catalogue.CLASS_ORDER.get(c, 99)))
    return forms.Register(
        handover_name=f"{fonds.body_name}（全宗号 {fonds.fonds_code}）{'、'.join(map(str, years))}年 {batch}",
        content=f"{classes or '文书'}档案，按门类—年度—保管期限—机构（问题）整理；分类：{'、'.join(categories) or '—'}；"
                f"格式：{'、'.join(kinds[:8]) or '—'}；以 BagIt 数据包在线移交",
        item_count=len(items), file_count=len(files), data_bytes=sum(f["size"] for f in files),
        sender=fonds.body_name, receiver=fonds.custodian or "档案接收单位",
        checks=_checks_column(findings), package_name=name,
        prepared_by=operator_name(transfer.run_by, transfer.operator),
        prepared_on=clock.today().isoformat(),
        identifier=f"{transfer.identifier}（urn:uuid:{transfer.uuid}）",
        batch=series.batch_text(transfer), follows=series.follows_text(transfer))


def _bag_info(transfer, fonds, items):
    batch = "补充移交" if transfer.kind == "supplementary" else "全部移交"
    follows = series.earlier(transfer)
    described = f"{fonds.body_name} 撤销后档案{batch}" + (
        f"，补充 {'、'.join(t.identifier for t in follows)}" if follows else "")
    return {"Source-Organization": fonds.lead_org or fonds.body_name,
            "Contact-Name": fonds.contact_person or "—",
            # RFC 8493 §2.2.2: reserved elements MAY be repeated; the archival identifier first,
            # then the UUID no other installation will have given.
            "External-Identifier": [transfer.identifier, f"urn:uuid:{transfer.uuid}"],
            "Bagging-Date": clock.today().isoformat(),
            # Every package of the body is one group; "N of ?" because a late record can always
            # call for one more supplement (RFC 8493 §2.2.2: T is "?" when not known).
            "Bag-Group-Identifier": series.group_identifier(transfer.body),
            "Bag-Count": f"{len(follows) + 1} of ?",
            # Our own element, one per earlier package: the External-Identifier it supplements.
            **({"Follows-External-Identifier": [t.identifier for t in follows]} if follows else {}),
            "Internal-Sender-Description": described,
            "Fonds-Code": fonds.fonds_code, "Body-Name": fonds.body_name,
            "Dissolved-On": fonds.dissolved_on.isoformat() if fonds.dissolved_on else "",
            "Item-Count": str(len(items))}


def _give_identifier(transfer):
    """Give the transfer its archival identifier once: {fonds code}-{year}-{number}, numbered
    from 001 in the fonds and year (the register names a handover by fonds, year and batch)."""
    if transfer.identifier:
        return transfer.identifier
    prefix = f"{transfer.body.fonds_code}-{clock.today().year}-"
    with db.atomic():
        taken = [t.identifier for t in Transfer.select(Transfer.identifier)
                 .where(Transfer.identifier.startswith(prefix))]
        number = max((int(i.rsplit("-", 1)[1]) for i in taken if i.rsplit("-", 1)[1].isdigit()), default=0) + 1
        transfer.identifier = f"{prefix}{number:03d}"
        Transfer.update(identifier=transfer.identifier).where(Transfer.id == transfer.id).execute()
    return transfer.identifier


def _pin(register, result):
    """Put the finished package's digests, size and form (zip or folder) on its register."""
    register.digest, register.digest_sm3, register.package_size = result.sha256, result.sm3, result.size
    register.zipped = Path(result.path).is_file()


def stored_path(path):
    """A package's path as Transfer.package_path keeps it: relative to the data folder when it
    lies inside it (so that a backup restored into another data folder still finds it)."""
    path, data_dir = Path(path), _data_dir()
    return path.relative_to(data_dir).as_posix() if data_dir and path.is_relative_to(data_dir) else str(path)


def package_location(transfer):
    """Where the transfer's package lies now (a Path), or None when it has none yet."""
    if not transfer.package_path:
        return None
    return (_data_dir() or Path()) / transfer.package_path  # an absolute path stays what it is


def _data_dir():
    # Outside an app (a script calling export() on a folder of its own) paths stay as given.
    return Path(current_app.config["DATA_DIR"]) if has_app_context() else None


def register_path(package_path):
    """Where the signed-off register of a package lies: beside it."""
    path = Path(package_path)
    return path.with_name(f"{path.name.removesuffix('.zip')}-register.docx")


def _write_register_beside(package_path, name, register):
    target = register_path(package_path)
    partial = target.with_name(f".{name}{bag.PARTIAL}{os.getpid()}-register.docx")
    forms.write_register(partial, register)
    os.chmod(partial, 0o644)
    os.replace(partial, target)


def last_exported(body):
    """The body's most recently exported (or received) transfer, or None."""
    return (Transfer.select().where(Transfer.body == body, Transfer.status.in_(("exported", "received")))
            .order_by(Transfer.id.desc()).first())


def write_again(transfer, out_dir, zip_package, user=None, operator=""):
    """Write an exported transfer's package again in the other form (folder ↔ zip): the same
    files byte for byte, checked first, with a register of its own beside it."""
    from . import verify as verifier
    done_by = operator_name(user, operator)
    source = package_location(transfer)
    if transfer.status not in ("exported", "received") or not source.exists():
        raise ExportError(N_("该移交尚未导出，或其移交包已不在原处，无法另存。"))
    if source.is_file() == bool(zip_package):
        raise ExportError(N_("移交包 %(name)s 已是压缩包形式。") if zip_package else
                          N_("移交包 %(name)s 已是文件夹形式。"), name=source.name)
    checked = verifier.verify(source)
    if not checked.valid:
        raise ExportError(N_("原移交包 %(name)s 校验未通过，不能另存：%(problems)s"), name=source.name,
                          problems=[message(msgid, **params) for severity, msgid, params in checked.findings
                                    if severity == "fail"][:5])
    name = source.name.removesuffix(".zip")
    target = Path(out_dir) / (f"{name}.zip" if zip_package else name)
    if target.exists() or register_path(target).exists():
        raise ExportError(N_("%(folder)s 中已有 %(name)s 或它的登记表，请换一个输出目录。"), folder=str(out_dir),
                          name=target.name)
    result = bag.rewrite(source, out_dir, name, zip_package)
    folder = source if zip_package else result.path
    with open(folder / "data/metadata/items.json", encoding="utf-8") as src:
        items = json.load(src)["items"]
    with open(folder / "data/forms/check-report.json", encoding="utf-8") as src:
        findings = json.load(src)["findings"]
    register = _register(transfer, findings, package_data.fonds(transfer.body), items, name)
    _pin(register, result)
    register.prepared_by = done_by
    _write_register_beside(result.path, name, register)
    audit.record("transfer.write_again", transfer, {
        "package": result.path.name, "sha256": result.sha256, "sm3": result.sm3, "size": result.size,
        "form": "zip" if zip_package else "folder", "from": source.name, "by": done_by},
        user=user, body=transfer.body)
    return result


def packages_dir(body):
    """Where the web export puts a body's packages."""
    return Path(current_app.config["DATA_DIR"]) / "packages" / body.code


EXPORT_JOB = "transfer.export"


def start(body, user):
    """Claim the export and queue it for `capture worker`; return the transfer at once."""
    transfer = claim(body, user)
    jobs.enqueue(EXPORT_JOB, user, body, {"transfer": transfer.id})
    return transfer


def run_job(job, app):
    """Build the package a queued export asked for (in the worker, which now heartbeats it)."""
    transfer_id = jobs.params(job)["transfer"]
    Transfer.update(worker=_this_worker(), heartbeat_at=utc_now()).where(Transfer.id == transfer_id).execute()
    transfer = Transfer.get_by_id(transfer_id)
    try:
        export(transfer, app.extensions["store"], packages_dir(transfer.body), zip_package=True)
    except ExportError:
        pass  # the message is on the transfer for the page to show
    with db.atomic():
        jobs.finish(job, {"transfer": transfer_id})


def mark_received(transfer, user):
    """The archive has received the package; with nothing promised still open, the body is transferred."""
    if transfer.status != "exported":
        raise ExportError(N_("只有已导出的移交包才能确认接收。"))
    body = transfer.body
    with db.atomic():
        transfer.status, transfer.received_at, transfer.received_by = "received", utc_now(), user
        transfer.save()
        outstanding = commitments.open_keys(body)
        if not outstanding:
            body.status, body.updated_at = "transferred", utc_now()
            body.save()
        audit.record("transfer.receive", transfer, {"package": Path(transfer.package_path).name,
                                                    "body_status": body.status},
                     user=user, body=body)
    return transfer


def current_report(body):
    """The body's latest check report with today's commitments applied, and its transfer."""
    transfer = open_transfer(body) or (Transfer.select().where(Transfer.body == body)
                                       .order_by(Transfer.id.desc()).first())
    report = latest_report(transfer)
    if report:
        report["run_at_time"] = dt.datetime.fromisoformat(report["run_at"])
        # The check of an exported package counted what waited then; the package panel says what waits now.
        report["exported"] = transfer.status in lifecycle.EXPORTED
        keys = commitments.open_keys(body)
        for finding in report["findings"]:
            finding["committed"] = (finding["severity"] == "fail" and finding["key"] in keys
                                    and finding["code"] not in checks.NOT_COMMITTABLE)
        report["uncovered"] = sum(1 for f in report["findings"]
                                  if f["severity"] == "fail" and not f["committed"])
    return transfer, report


def transfers(body):
    """The body's transfers, newest first."""
    return list(Transfer.select().where(Transfer.body == body).order_by(Transfer.id.desc()))
