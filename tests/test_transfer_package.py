"""The transfer package: BagIt validity, the catalogue, digests that must match, interrupted exports."""
import csv
import getpass
import gettext
import re
import uuid
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import bagit
import pytest
from docx import Document as DocxDocument
from docx.oxml.ns import qn

from capture import clock
from capture.models import AuditEvent, Document, File, Transfer
from capture.transfer import packaging, verify

from transfer_support import export_folder, flip_byte, jpeg_bytes, register


def LOCAL_TODAY():
    """Today in the archive's zone (packages are dated there), as YYYYMMDD."""
    from capture import clock
    return f"{clock.local_today('Asia/Shanghai'):%Y%m%d}"


def test_exported_package_validates_with_bagit_and_verify(app, runner, flood, tmp_path):
    body, _, docs = flood
    result = runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    package = next(p for p in (tmp_path / "out").iterdir() if p.is_dir())
    assert f"Package:  {package}" in result.output
    bag = bagit.Bag(str(package))
    assert bag.validate(processes=1, fast=False)
    for tag in ("Source-Organization", "Contact-Name", "External-Identifier", "Bagging-Date",
                "Payload-Oxum", "Bag-Size", "Internal-Sender-Description", "Fonds-Code",
                "Body-Name", "Dissolved-On", "Item-Count"):
        assert bag.info.get(tag), tag
    assert bag.info["Fonds-Code"] == "J002" and bag.info["Item-Count"] == str(len(docs))
    assert bag.info["Dissolved-On"] == "2026-10-31"
    transfer = Transfer.get(Transfer.body == body)
    assert bag.info["External-Identifier"] == [f"J002-{LOCAL_TODAY()[:4]}-001", f"urn:uuid:{transfer.uuid}"]
    assert transfer.status == "exported" and transfer.item_count == len(docs)
    assert transfer.package_sha256 in result.output
    for path in ("data/metadata/items.csv", "data/metadata/items.json", "data/catalogue/catalogue-WS.docx",
                 "data/catalogue/catalogue-WS.xlsx", "data/catalogue/catalogue.xml",
                 "data/forms/transfer-form.docx", "data/forms/check-report.docx",
                 "data/forms/check-report.json", "data/forms/fonds-descriptions.docx",
                 "data/description.txt", "data/guidance/checkins.csv", "data/audit/audit.jsonl"):
        assert (package / path).is_file(), path
    checked = runner.invoke(args=["verify", str(package)])
    assert checked.exit_code == 0, checked.output
    assert "VALID" in checked.output and "sha256, sm3" in checked.output


def test_zip_package_has_utf8_names_and_a_register_with_its_digest(app, runner, flood, tmp_path):
    result = runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(tmp_path), "--zip"])
    assert result.exit_code == 0, result.output
    package = next(tmp_path.glob("*.zip"))
    register_docx = tmp_path / f"{package.stem}-register.docx"
    assert register_docx.is_file()
    with zipfile.ZipFile(package) as archive:
        chinese = [i for i in archive.infolist() if not i.filename.isascii()]
        assert chinese and all(i.flag_bits & 0x800 for i in chinese)  # UTF-8 names
    digest = Transfer.get().package_sha256
    assert digest == verify.sha256_file(package)
    assert f"SHA-256:  {digest}" in result.output
    text = "\n".join(c.text for t in DocxDocument(register_docx).tables for r in t.rows for c in r.cells)
    assert digest in text and "SHA-256" in text and "GB" in text
    assert runner.invoke(args=["verify", str(package), "--digest", digest]).exit_code == 0
    wrong = runner.invoke(args=["verify", str(package), "--digest", "0" * 64])
    assert wrong.exit_code == 1 and "不一致" in wrong.output


def test_catalogue_has_nine_columns_in_order_and_east_asian_fonts(app, flood, tmp_path):
    body, _, docs = flood
    result = export_folder(app, body, tmp_path)
    document = DocxDocument(result.path / "data/catalogue/catalogue-WS.docx")
    section = document.sections[0]
    assert section.page_width > section.page_height  # A4 landscape
    assert "归档文件目录" in document.paragraphs[4].text  # the cover page
    table = document.tables[-1]
    assert [c.text for c in table.rows[0].cells] == ["序号", "档号", "文号", "责任者", "题名", "日期",
                                                     "密级", "页数", "备注"]
    rows = table.rows[1:]
    assert len(rows) == len(docs)
    assert [r.cells[1].text for r in rows] == [d.reference_code for d in
                                              Document.select().order_by(Document.item_number)]
    assert rows[0].cells[5].text == "20260701"
    chinese_runs = [run for p in document.paragraphs for run in p.runs if not run.text.isascii()]
    chinese_runs += [run for r in table.rows for c in r.cells for p in c.paragraphs for run in p.runs
                     if not run.text.isascii()]
    assert chinese_runs
    for run in chinese_runs:
        fonts = run._element.rPr.find(qn("w:rFonts"))
        assert fonts is not None and fonts.get(qn("w:eastAsia")), run.text


def test_items_csv_carries_the_minimum_metadata_and_the_audit_chain_rechecks(app, flood, tmp_path):
    body, _, docs = flood
    package = export_folder(app, body, tmp_path).path
    with open(package / "data/metadata/items.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    for column in ("聚合层次", "全宗号", "年度", "保管期限", "机构（问题）代码", "件号", "档号", "题名",
                   "责任者", "日期", "文号", "密级", "页数", "格式", "文件名", "文件大小（字节）",
                   "SHA-256", "摘要算法", "登记人", "登记时间"):
        assert column in rows[0], column
    assert rows[0]["档号"] == docs[0].reference_code and rows[0]["聚合层次"] == "件"
    assert rows[0]["SHA-256"] == File.get(File.document == docs[0]).sha256
    audit_file = package / "data/audit/audit.jsonl"
    assert audit_file.read_text(encoding="utf-8").count("\n") >= 1
    assert verify.verify_audit(audit_file) == 0
    lines = audit_file.read_text(encoding="utf-8").splitlines()
    edited = json.loads(lines[0])
    edited["action"] = "document.register"  # someone rewrites what happened
    lines[0] = json.dumps(edited, ensure_ascii=False)
    audit_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert verify.verify_audit(audit_file) == 1


def test_a_flipped_byte_in_the_store_fails_check_and_export_naming_the_item(app, runner, flood, tmp_path):
    body, _, docs = flood
    victim = File.get(File.document == docs[2])
    flip_byte(app.extensions["store"].path(victim.sha256))
    checked = runner.invoke(args=["check", "FXQX", "--operator", "测试员"])
    assert checked.exit_code == 1
    assert "AUTH-DIGEST" in checked.output and docs[2].reference_code in checked.output
    exported = runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(tmp_path / "out")])
    assert exported.exit_code != 0 and docs[2].reference_code in exported.output
    out = tmp_path / "out"
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]
    assert Transfer.get().status == "failed"


def test_the_export_itself_stops_when_a_file_changes_after_the_check(app, flood, tmp_path):
    """Copying re-hashes in the same pass, so a file corrupted after the check still stops the export."""
    from exporters import bag
    body, _, docs = flood
    source = tmp_path / "src.bin"
    source.write_bytes(b"hello")
    with pytest.raises(bag.DigestMismatch) as caught:
        with bag.BagBuilder(tmp_path / "out", "pkg") as builder:
            builder.copy(source, "data/files/X/01-src.bin", "0" * 64, docs[0].reference_code)
    assert docs[0].reference_code in str(caught.value)
    assert list((tmp_path / "out").iterdir()) == []  # the half-built bag is gone


def test_an_export_whose_check_fails_leaves_no_package_though_the_copying_had_begun(app, flood, tmp_path):
    """The files start copying while the check runs; a failure nobody promised to fix discards them."""
    body, secretary, docs = flood
    big = os.urandom(1024 * 1024) * 8
    register(app.extensions["store"], body, secretary, "汛情监测原始数据", data=big, name="监测数据.tif",
             category="XQ")
    Document.update(title="").where(Document.id == docs[1].id).execute()
    transfer = packaging.claim(body, None, "测试员")
    with pytest.raises(packaging.ExportError) as caught:
        packaging.export(transfer, app.extensions["store"], tmp_path / "out", zip_package=False)
    assert "不能导出" in str(caught.value) and docs[1].reference_code in str(caught.value)
    assert list((tmp_path / "out").iterdir()) == []  # not even the half-built copy
    transfer = Transfer.get_by_id(transfer.id)
    assert transfer.status == "failed" and "COMP-REQUIRED" in transfer.check_report


def test_a_flipped_byte_in_the_package_fails_verify_naming_the_file(app, runner, flood, tmp_path):
    body, _, docs = flood
    package = export_folder(app, body, tmp_path).path
    victim = next((package / "data/files").rglob("*.pdf"))
    flip_byte(victim)
    result = runner.invoke(args=["verify", str(package)])
    assert result.exit_code == 1
    assert victim.relative_to(package).as_posix() in result.output and "INVALID" in result.output


def test_verify_lists_missing_and_extra_files_by_name(app, flood, tmp_path):
    body, _, _ = flood
    package = export_folder(app, body, tmp_path).path
    removed = next((package / "data/files").rglob("*.jpg"))
    removed.unlink()
    (package / "data/files/stray.txt").write_text("x")
    result = verify.verify(package)
    messages = " ".join(m for _, m in result.problems)
    assert not result.valid
    assert removed.relative_to(package).as_posix() in messages and "data/files/stray.txt" in messages


def test_a_repeated_export_does_not_start_a_second_one(app, flood):
    body, secretary, _ = flood
    first = packaging.claim(body, None, "测试员")
    with pytest.raises(packaging.ExportBusy):
        packaging.claim(body, None, "测试员")
    assert Transfer.select().count() == 1 and first.status == "exporting"


def test_an_export_killed_half_way_leaves_nothing_complete_and_a_retry_succeeds(app, runner, flood, tmp_path):
    body, secretary, _ = flood
    big = os.urandom(1024 * 1024) * 48  # 48 MiB: long enough to be caught mid-copy
    register(app.extensions["store"], body, secretary, "汛情监测原始数据", data=big, name="监测数据.tif",
             category="XQ")
    out = tmp_path / "out"
    env = dict(os.environ, CAPTURE_DATA_DIR=app.config["DATA_DIR"],
               CAPTURE_DATABASE_URL=app.config["DATABASE_URL"], CAPTURE_SECRET_KEY="test")
    process = subprocess.Popen([str(Path(sys.executable).with_name("capture")), "export", "FXQX", "--operator", "测试员", "-o", str(out)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not list(out.glob(".*partial*")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.002)
    assert process.poll() is None, process.communicate()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not [p for p in out.iterdir() if not p.name.startswith(".")]  # nothing looks complete
    assert not list(out.glob("*register*"))
    assert Transfer.get().status == "exporting"  # left behind by the dead process

    retry = runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(out)])
    assert retry.exit_code == 0, retry.output
    stamp = f"{clock.local_today('Asia/Shanghai'):%Y%m%d}"  # the archive's date names the package
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [f"J002-FXQX-{stamp}", f"J002-FXQX-{stamp}-register.docx"])
    assert not list(out.glob(".*partial*"))  # the dead writer's leftovers were cleared
    assert verify.verify(out / f"J002-FXQX-{stamp}").valid


def test_withdrawn_items_stay_in_the_catalogue_and_the_package_marked(app, flood, tmp_path):
    body, secretary, docs = flood
    from capture.clock import utc_now
    doc = docs[3]
    doc.status, doc.withdrawn_reason, doc.withdrawn_at, doc.withdrawn_by = "withdrawn", "重复登记", utc_now(), secretary
    doc.save()
    extra = register(app.extensions["store"], body, secretary, "会议纪要（重新登记）",
                     scope="会议纪要、记录")
    package = export_folder(app, body, tmp_path).path
    with open(package / "data/metadata/items.csv", encoding="utf-8-sig") as f:
        rows = {r["档号"]: r for r in csv.DictReader(f)}
    assert rows[doc.reference_code]["状态"] == "withdrawn"
    assert "已撤回" in rows[doc.reference_code]["备注"] and "重复登记" in rows[doc.reference_code]["备注"]
    assert "/01-withdrawn-" in rows[doc.reference_code]["包内路径"]
    assert (package / rows[doc.reference_code]["包内路径"]).is_file()
    assert extra.reference_code in rows
    table = DocxDocument(package / "data/catalogue/catalogue-WS.docx").tables[-1]
    remark = next(r.cells[8].text for r in table.rows if r.cells[1].text == doc.reference_code)
    assert "已撤回" in remark and "重复登记" in remark


def test_identifiers_an_archive_can_file_by_and_times_with_their_offset(app, runner, flood, tmp_path):
    body, secretary, docs = flood
    from capture import audit
    for doc in docs:
        audit.record("document.edit", doc, {"title": [doc.title, doc.title]}, user=secretary, body=body)
    result = runner.invoke(args=["export", "FXQX", "-o", str(tmp_path), "--operator", "李档案"])
    assert result.exit_code == 0, result.output
    package = next(p for p in tmp_path.iterdir() if p.is_dir())
    transfer = Transfer.get(Transfer.body == body)
    year = LOCAL_TODAY()[:4]
    assert transfer.identifier == f"J002-{year}-001" and uuid.UUID(transfer.uuid).version == 4
    info = bagit.Bag(str(package)).info
    assert info["External-Identifier"] == [f"J002-{year}-001", f"urn:uuid:{transfer.uuid}"]
    # 制作人, 检测人 and 填表人 are the named operator, never the command line
    description = (package / "data/description.txt").read_text(encoding="utf-8")
    assert "制作人：李档案" in description and "命令行" not in description
    assert f"J002-{year}-001" in description and transfer.uuid in description
    report = json.loads((package / "data/forms/check-report.json").read_text(encoding="utf-8"))
    assert report["run_by"] == "李档案" and report["run_at"].endswith("+08:00")
    register = packaging.register_path(package)
    cells = [c.text for t in DocxDocument(register).tables for r in t.rows for c in r.cells]
    assert "李档案" in cells and not any("命令行" in c for c in cells)
    assert any(f"J002-{year}-001" in c and transfer.uuid in c for c in cells)
    # every time carries its zone offset
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?\+08:00$")
    items = json.loads((package / "data/metadata/items.json").read_text(encoding="utf-8"))["items"]
    assert all(stamp.match(i["created_at"]) for i in items)
    events = [json.loads(line) for line in (package / "data/audit/audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert events and all(stamp.match(e["at"]) for e in events)
    # events name the 档号 of the item they are about (the row id stays beside it)
    registered = [e for e in events if e["action"] == "document.edit"]
    assert {e["reference_code"] for e in registered} == {d.reference_code for d in docs}
    assert all(e["object_id"] for e in registered)
    assert verify.verify_audit(package / "data/audit/audit.jsonl") == 0


def test_a_cli_export_or_check_without_operator_refuses_rather_than_sign_as_the_login_account(
        app, runner, flood, tmp_path):
    for args in (["export", "FXQX", "-o", str(tmp_path / "out")], ["check", "FXQX"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and "--operator NAME" in result.output, result.output
    assert not (tmp_path / "out").exists() and Transfer.select().count() == 0
    assert getpass.getuser() not in result.output


def test_a_cli_export_without_operator_is_signed_by_the_bodys_transfer_officer(app, runner, flood, tmp_path):
    from conftest import make_user
    make_user("zhao", "transfer_officer", display_name="赵移交")
    result = runner.invoke(args=["export", "FXQX", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    package = next(p for p in (tmp_path / "out").iterdir() if p.is_dir())
    description = (package / "data/description.txt").read_text(encoding="utf-8")
    assert "制作人：赵移交" in description and getpass.getuser() not in description
    register = tmp_path / "out" / f"{package.name}-register.docx"
    cells = [[c.text for c in r.cells] for t in DocxDocument(register).tables for r in t.rows]
    assert ["填表人", "赵移交", ""] in cells
    report = json.loads((package / "data/forms/check-report.json").read_text(encoding="utf-8"))
    assert report["run_by"] == "赵移交"


def test_a_cli_operator_with_an_account_acts_as_that_user(app, runner, flood, tmp_path):
    body, secretary, _ = flood
    result = runner.invoke(args=["check", "FXQX", "--operator", "chen"])
    assert result.exit_code == 0, result.output
    transfer = Transfer.get(Transfer.body == body)
    assert transfer.run_by_id == secretary.id
    assert packaging.latest_report(transfer)["run_by"] == "陈文书"


def test_two_installations_give_their_transfers_different_uuids(app, flood):
    first = Transfer.create(body=flood[0])
    second = Transfer.create(body=flood[0])
    assert first.uuid != second.uuid and uuid.UUID(first.uuid).version == 4


@pytest.mark.parametrize("first_zip", [True, False])
def test_a_transfer_can_be_written_again_in_the_other_form_with_its_own_register(app, runner, flood,
                                                                                 tmp_path, first_zip):
    first = runner.invoke(args=["export", "FXQX", "-o", str(tmp_path / "a"), "--operator", "李档案"]
                          + (["--zip"] if first_zip else []))
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["export", "FXQX", "-o", str(tmp_path / "b"), "--operator", "王档案", "--again"]
                          + ([] if first_zip else ["--zip"]))
    assert again.exit_code == 0, again.output
    (original,) = [p for p in (tmp_path / "a").iterdir() if not p.name.endswith("-register.docx")]
    (other,) = [p for p in (tmp_path / "b").iterdir() if not p.name.endswith("-register.docx")]
    assert other.is_dir() == first_zip and other.name.removesuffix(".zip") == original.name.removesuffix(".zip")
    folder, archive = (other, original) if first_zip else (original, other)
    with zipfile.ZipFile(archive) as z:
        zipped = {i.filename.split("/", 1)[1]: z.read(i) for i in z.infolist() if not i.is_dir()}
    on_disk = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert zipped == on_disk  # the same content, file for file
    assert bagit.Bag(str(folder)).validate(processes=1)
    register = packaging.register_path(other)
    digest = forms_digest(register)
    assert digest == (verify.sha256_file(other) if not first_zip else verify.sha256_file(other / "tagmanifest-sha256.txt"))
    assert runner.invoke(args=["verify", str(other)]).exit_code == 0
    assert runner.invoke(args=["verify", str(original)]).exit_code == 0
    assert AuditEvent.get(AuditEvent.action == "transfer.write_again").details.count("王档案") == 1
    # the same form again is refused with a message, not a traceback
    twice = runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(tmp_path / "c"), "--again"]
                          + (["--zip"] if first_zip else []))
    assert twice.exit_code != 0 and "已是" in twice.output


def forms_digest(register):
    from exporters.forms import read_register_digest
    return read_register_digest(register)


def test_package_folders_are_0755_and_files_0644_whatever_the_umask(app, flood, tmp_path):
    old = os.umask(0o077)
    try:
        result = export_folder(app, flood[0], tmp_path)
    finally:
        os.umask(old)
    modes = {p: p.stat().st_mode & 0o777 for p in [result.path, *result.path.rglob("*")]}
    assert all(mode == (0o755 if p.is_dir() else 0o644) for p, mode in modes.items()), \
        {str(p): oct(m) for p, m in modes.items() if m not in (0o755, 0o644)}
    assert packaging.register_path(result.path).stat().st_mode & 0o777 == 0o644


def test_sm3_manifests_beside_sha256_and_the_register_gives_both(app, runner, flood, tmp_path):
    import hashlib
    assert hashlib.new("sm3", b"abc").hexdigest() == \
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905-2016 A.1
    result = runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(tmp_path / "f")])
    assert result.exit_code == 0, result.output
    package = next(p for p in (tmp_path / "f").iterdir() if p.is_dir())
    for name in ("manifest-sha256.txt", "manifest-sm3.txt", "tagmanifest-sha256.txt", "tagmanifest-sm3.txt"):
        assert (package / name).is_file(), name
    sm3_lines = (package / "manifest-sm3.txt").read_text(encoding="utf-8").splitlines()
    sha_lines = (package / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    assert [l.split("  ", 1)[1] for l in sm3_lines] == [l.split("  ", 1)[1] for l in sha_lines]
    first = sm3_lines[0].split("  ", 1)
    assert hashlib.new("sm3", (package / first[1]).read_bytes()).hexdigest() == first[0]
    tags = (package / "tagmanifest-sm3.txt").read_text(encoding="utf-8")
    assert "manifest-sm3.txt" in tags and "manifest-sha256.txt" in tags
    assert bagit.Bag(str(package)).validate(processes=1)  # the reference validator still says valid
    transfer = Transfer.get()
    assert transfer.package_sm3 == hashlib.new("sm3", (package / "tagmanifest-sm3.txt").read_bytes()).hexdigest()
    from exporters.forms import read_register_digests
    assert read_register_digests(packaging.register_path(package)) == {
        "sha256": transfer.package_sha256, "sm3": transfer.package_sm3}
    assert f"SM3:      {transfer.package_sm3}" in result.output
    # verify checks the SM3 manifest too: an SM3 line that lies is named, though SHA-256 agrees
    digest, path = first
    (package / "manifest-sm3.txt").write_text(
        "\n".join([f"{'0' * 64}  {path}"] + sm3_lines[1:]) + "\n", encoding="utf-8")
    checked = verify.verify(package)
    assert not checked.valid
    assert f"文件已改变：{path}（sm3 摘要与 manifest-sm3.txt 不符）" in " ".join(m for _, m in checked.problems)


def test_a_zip_package_register_gives_the_zips_sm3_and_verify_compares_it(app, runner, flood, tmp_path):
    import hashlib
    assert runner.invoke(args=["export", "FXQX", "--operator", "测试员", "-o", str(tmp_path), "--zip"]).exit_code == 0
    package = next(tmp_path.glob("*.zip"))
    transfer = Transfer.get()
    assert transfer.package_sm3 == hashlib.new("sm3", package.read_bytes()).hexdigest()
    checked = verify.verify(package)
    assert checked.valid and any("SM3" in m for _, m in checked.problems)


def test_the_package_has_one_catalogue_per_class_permanent_first(app, flood, tmp_path):
    body, secretary, docs = flood
    store = app.extensions["store"]
    register(store, body, secretary, "十年期限的通知", retention="D10")
    register(store, body, secretary, "三十年期限的通知", retention="D30")
    photo = register(store, body, secretary, "抢险现场照片", retention="Y", carrier="photo",
                     name="现场.jpg", data=jpeg_bytes())
    key = "ZP·2026-Y-ZH"
    photo.record_class, photo.class_key, photo.item_number = "ZP", key, 1
    photo.reference_code = f"J002-{key}-0001"
    photo.save()
    result = export_folder(app, body, tmp_path)
    catalogues = sorted(p.name for p in (result.path / "data/catalogue").iterdir())
    assert catalogues == ["capture-catalogue-1.xsd", "catalogue-WS.docx", "catalogue-WS.xlsx", "catalogue-ZP.docx",
                          "catalogue-ZP.xlsx", "catalogue.xml"]
    parts = [[[c.text for c in r.cells] for r in table.rows[1:]]
             for table in DocxDocument(result.path / "data/catalogue/catalogue-WS.docx").tables]
    # One part per retention period (all of 2026), permanent first, each numbered from 1.
    assert [{r[1].split("-")[2] for r in rows} for rows in parts] == [{"Y"}, {"D30"}, {"D10"}]
    assert all([r[0] for r in rows] == [str(n) for n in range(1, len(rows) + 1)] for rows in parts)
    assert all("ZP" not in r[1] for rows in parts for r in rows)
    photos = DocxDocument(result.path / "data/catalogue/catalogue-ZP.docx")
    assert [c.text for c in photos.tables[-1].rows[1].cells][:2] == ["1", "J002-ZP·2026-Y-ZH-0001"]
    assert "门类：照片（ZP）" in "\n".join(p.text for p in photos.paragraphs)


def test_metadata_xml_speaks_da_t_46_and_validates_against_the_schema_it_carries(app, flood, tmp_path):
    import hashlib
    from lxml import etree
    from capture import audit
    from exporters import metadata_xml
    body, secretary, docs = flood
    audit.record("document.edit", docs[0], {"title": ["旧", "新"]}, user=secretary, body=body)
    result = export_folder(app, body, tmp_path)
    xml_path = result.path / "data/metadata/metadata.xml"
    shipped = result.path / "data/metadata/capture-metadata-2.xsd"
    assert shipped.read_bytes() == metadata_xml.SCHEMA_PATH.read_bytes()  # in the package and the repo
    document = etree.parse(str(xml_path))
    root = document.getroot()
    assert etree.QName(root).namespace == "urn:capture:metadata:2"
    location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    assert location == "urn:capture:metadata:2 capture-metadata-2.xsd"
    schema = etree.XMLSchema(etree.parse(str(shipped)))
    assert schema.validate(document), schema.error_log
    ns = {"m": "urn:capture:metadata:2"}
    entries = root.findall("m:文件实体", ns)
    assert len(entries) == len(docs)
    first = entries[0]
    # DA/T 46's names, grouped as it groups them.
    assert [etree.QName(e).localname for e in first][:7] == [
        "聚合层次", "来源", "电子文件号", "档号", "内容描述", "形式特征", "文件状态"]
    for path in ("m:来源/m:全宗名称", "m:来源/m:立档单位名称", "m:档号/m:全宗号", "m:档号/m:年度",
                 "m:档号/m:保管期限", "m:档号/m:室编件号", "m:内容描述/m:题名", "m:内容描述/m:文件编号",
                 "m:内容描述/m:责任者", "m:内容描述/m:日期", "m:内容描述/m:密级", "m:形式特征/m:页数"):
        assert first.find(path, ns) is not None, path
    assert first.find("m:档号", ns).get("完整档号") == docs[0].reference_code
    assert first.findtext("m:内容描述/m:文件编号", namespaces=ns) == docs[0].doc_number
    code = first.find("m:档号/m:保管期限", ns)
    assert code.get("代码") == "Y" and code.text == "永久"
    # Codes in the standards' words, not the database's.
    assert first.findtext("m:形式特征/m:载体", namespaces=ns) == "电子"
    assert first.findtext("m:文件状态", namespaces=ns) == "有效"
    assert "electronic" not in xml_path.read_text(encoding="utf-8")
    assert "registered" not in xml_path.read_text(encoding="utf-8")
    record = first.find("m:电子属性", ns)
    stored = File.get(File.document == docs[0])
    where = record.findtext("m:存储位置/m:在线存址", namespaces=ns)
    data = (result.path / where).read_bytes()
    assert record.findtext("m:计算机文件名", namespaces=ns) == where.rsplit("/", 1)[-1]
    digests = {d.get("算法"): d.text for d in record.findall("m:数字摘要", ns)}
    assert digests == {"SHA-256": stored.sha256, "SM3": hashlib.new("sm3", data).hexdigest()}
    assert record.findtext("m:计算机文件大小", namespaces=ns) == str(stored.size)
    assert record.find("m:格式信息", ns).get("PUID") is not None and record.find("m:格式信息", ns).get("媒体类型")
    events = [(e.findtext("m:业务行为", namespaces=ns), e.findtext("m:行为时间", namespaces=ns),
               e.findtext("m:机构人员实体/m:机构人员名称", namespaces=ns), e.findtext("m:行为描述", namespaces=ns))
              for e in first.findall("m:业务实体", ns)]
    assert [e[0] for e in events] == ["登记", "修改", "检测", "移交"]
    assert all(e[1].endswith("+08:00") for e in events) and events[1][2] == "陈文书"
    assert events[1][3] == "修改著录" and events[3][2] == "测试员"
    # something the schema forbids is caught by it: a digest that is not hex
    record.find("m:数字摘要", ns).text = "not-a-digest"
    assert not schema.validate(document)


def test_verify_validates_metadata_xml_against_the_schema(app, flood, tmp_path):
    result = export_folder(app, flood[0], tmp_path)
    checked = verify.verify(result.path)
    assert checked.valid, checked.problems
    xml_path = result.path / "data/metadata/metadata.xml"
    text = xml_path.read_text(encoding="utf-8").replace("<页数>1</页数>", "<页数>一</页数>", 1)
    assert "<页数>一</页数>" in text
    xml_path.write_text(text, encoding="utf-8")
    _refresh_manifests(result.path)
    broken = verify.verify(result.path)
    failures = " ".join(m for s, m in broken.problems if s == "fail")
    assert "metadata.xml 不符合模式 capture-metadata-2.xsd" in failures and "页数" in failures
    # In English the sentence and its "line N:" are English; lxml's own words follow as a detail.
    english = gettext.translation("messages", str(Path(verify.__file__).parents[1] / "translations"),
                                  languages=["en"])
    failures = " ".join(m for s, m in broken.messages(english.gettext) if s == "fail")
    assert re.search(r"metadata.xml does not validate against capture-metadata-2.xsd: line \d+: ", failures)
    assert "第" not in failures and "行" not in failures


def _refresh_manifests(root):
    """Re-hash every manifest after an edit, as a careless packer would (so only our rules catch it)."""
    import hashlib
    for algorithm in ("sha256", "sm3"):
        manifest = root / f"manifest-{algorithm}.txt"
        lines = []
        for line in manifest.read_text(encoding="utf-8").splitlines():
            _, path = line.split("  ", 1)
            lines.append(f"{hashlib.new(algorithm, (root / path).read_bytes()).hexdigest()}  {path}")
        manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for algorithm in ("sha256", "sm3"):
        tags = root / f"tagmanifest-{algorithm}.txt"
        lines = []
        for line in tags.read_text(encoding="utf-8").splitlines():
            _, path = line.split("  ", 1)
            lines.append(f"{hashlib.new(algorithm, (root / path).read_bytes()).hexdigest()}  {path}")
        tags.write_text("\n".join(lines) + "\n", encoding="utf-8")
