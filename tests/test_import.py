"""Bulk import: a body's old spreadsheet catalogue becomes documents, exactly, all or none."""
import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from capture import audit
from capture.models import AuditEvent, Document, File
from capture.ops import samples
from capture.records import files, formats, registry
from capture.records.imports import importer, sources
from capture.records.imports.sources import SourceError

HEADER = ["序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注", "分类", "保管期限", "载体", "文件名"]
ROWS = [
    ["0001", "", "0007", "区防控指挥部", "关于成立区疫情防控工作指挥部的通知", "20260121", "", "3", "", "ZH", "永久", "电子", "成立通知.pdf"],
    ["0002", "", "沪疫指〔2026〕2号", "区防控指挥部", "[第一次工作会议签到表]", "2026-01-22", "内部", "1", "原件存办公室", "ZH", "30年", "纸质", ""],
    ["0003", "", "", "区防控指挥部办公室", "隔离点现场照片", "2026/2/3", "", "0", "", "", "永久", "照片", "照片/隔离点.jpg"],
]


def csv_bytes(rows, header=HEADER, encoding="gbk"):
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def zip_of(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def files_zip(tmp_path):
    path = tmp_path / "files.zip"
    path.write_bytes(zip_of({"成立通知.pdf": samples.pdf("Founding notice"),
                             "照片/隔离点.jpg": samples.jpeg()}))
    return path


def run(app, world, data, name="目录.csv", files=None, dry_run=False):
    header, rows = sources.read_table(data, name)
    source = sources.open_files(files, 10**9) if files else None
    if dry_run:
        return importer.check(world["a"], header, rows, source)
    return importer.run(world["a"], world["secretary"], header, rows, source, app.extensions["store"])


def test_gbk_csv_with_chinese_titles_and_codes_like_0007_imports_exactly(app, world, files_zip):
    report = run(app, world, csv_bytes(ROWS, encoding="gbk"), files=files_zip)
    assert report.ok, report.problems
    assert report.imported == ["J001-WS·2026-Y-ZH-0001", "J001-WS·2026-D30-ZH-0001", "J001-ZP·2026-Y-0001"]
    first, second, third = Document.select().order_by(Document.id)
    assert (first.doc_number, first.title, first.date, first.pages) == (
        "0007", "关于成立区疫情防控工作指挥部的通知", dt.date(2026, 1, 21), 3)
    assert second.title == "第一次工作会议签到表" and second.title_supplied
    assert (second.security, second.carrier, second.retention, second.remarks) == ("内部", "paper", "D30", "原件存办公室")
    assert third.carrier == "photo" and third.date == dt.date(2026, 2, 3) and third.category is None
    assert [f.original_name for f in File.select().order_by(File.id)] == ["成立通知.pdf", "隔离点.jpg"]
    assert File.get(File.original_name == "隔离点.jpg").puid == "fmt/43"
    assert AuditEvent.select().where(AuditEvent.action == "document.register").count() == 3
    assert AuditEvent.get(AuditEvent.action == "document.import").body_id == world["a"].id


def test_an_imported_document_is_audited_exactly_as_one_registered_on_the_form(app, world, files_zip):
    # The import puts its audit details together from pieces encoded before its transaction;
    # they must be the text registry.register_document would have written, files and ids too.
    run(app, world, csv_bytes(ROWS + [ROWS[0][:4] + ["两个文件的通知"] + ROWS[0][5:12] + ["成立通知.pdf;照片/隔离点.jpg"]]),
        files=files_zip)
    for document in Document.select():
        event = AuditEvent.get(AuditEvent.action == "document.register", AuditEvent.object_id == str(document.id))
        assert event.details == audit.details_json({
            "reference_code": document.reference_code, "title": document.title,
            "fields": registry._snapshot(document),
            "files": [files.describe(f) for f in document.files.order_by(File.id)]})
    assert Document.get(Document.title == "两个文件的通知").files.count() == 2
    assert audit.verify_database()[1] is None


def test_each_file_is_identified_once_per_import(app, world, files_zip, monkeypatch):
    # Identifying a file (fido) takes tens of milliseconds: 10,000 files took minutes more when
    # the files were identified again as they were stored.
    seen = []
    identify = formats.identify
    monkeypatch.setattr(formats, "identify", lambda stream: seen.append(stream) or identify(stream))
    report = run(app, world, csv_bytes(ROWS), files=files_zip)
    assert report.ok and len(seen) == 2 == File.select().count()
    assert File.get(File.original_name == "隔离点.jpg").puid == "fmt/43"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_with_or_without_bom_reads_the_same(app, world, encoding):
    header, rows = sources.read_table(csv_bytes(ROWS, encoding=encoding), "目录.csv")
    assert header[0] == "序号" and rows[0][2] == "0007"


def test_one_bad_row_imports_nothing_and_the_dry_run_names_it(app, world, files_zip):
    rows = [list(r) for r in ROWS]
    rows[1][5] = "2026-02-30"  # no such day
    rows[2][10] = "长期"  # not a retention period any more
    data = csv_bytes(rows)

    checked = run(app, world, data, files=files_zip, dry_run=True)
    errors = [(p.row, p.column, p.value) for p in checked.errors]
    assert errors == [(3, "日期", "2026-02-30"), (4, "保管期限", "长期")]
    assert all(p.reason for p in checked.errors)
    assert Document.select().count() == 0

    real = run(app, world, data, files=files_zip)
    assert not real.ok and real.imported == []
    assert Document.select().count() == 0 and File.select().count() == 0


def test_reimporting_the_same_file_creates_no_duplicates(app, world, files_zip):
    data = csv_bytes(ROWS)
    assert len(run(app, world, data, files=files_zip).imported) == 3
    again = run(app, world, data, files=files_zip)
    assert again.ok and again.imported == []
    assert [r.existing for r in again.skipped] == ["J001-WS·2026-Y-ZH-0001", "J001-WS·2026-D30-ZH-0001",
                                                   "J001-ZP·2026-Y-0001"]
    grown = run(app, world, csv_bytes(ROWS + [["0004", "", "", "区防控指挥部", "工作总结", "20260301", "", "5", "",
                                                "ZH", "永久", "纸质", ""]]), files=files_zip)
    assert grown.imported == ["J001-WS·2026-Y-ZH-0002"]
    assert Document.select().count() == 4


def test_a_file_the_body_already_holds_is_pointed_out_and_may_still_be_imported(app, world, files_zip):
    # Registered on a phone first, then listed again in the office's catalogue.
    with app.test_request_context():
        held = registry.register_document(
            world["a"], world["secretary"], {"title": "隔离点照片", "responsible": "区防控指挥部办公室",
                                             "date": "2026-02-03", "retention": "Y", "carrier": "photo"},
            [("现场.jpg", io.BytesIO(samples.jpeg()), None)], app.extensions["store"])
    twice = ["0004", "", "", "区防控指挥部", "隔离点现场照片（另一份）", "2026-02-04", "", "0", "", "", "永久", "照片",
             "照片/隔离点.jpg"]
    checked = run(app, world, csv_bytes(ROWS + [twice]), files=files_zip, dry_run=True)
    assert checked.ok
    warned = [(p.row, p.column, p.value, p.reason) for p in checked.problems if p.severity == "warning"]
    assert warned == [(4, "文件名", "隔离点.jpg", f"文件内容与已登记的 {held.reference_code} 相同，是否重复登记？"),
                      (5, "文件名", "隔离点.jpg", f"文件内容与已登记的 {held.reference_code} 相同，是否重复登记？")]
    alone = run(app, world, csv_bytes([ROWS[0], ROWS[0][:4] + ["另一份通知"] + ROWS[0][5:]]), files=files_zip,
                dry_run=True)
    assert [(p.row, p.reason) for p in alone.problems] == [(3, "文件内容与第 2 行的文件相同，是否重复登记？")]
    assert len(run(app, world, csv_bytes(ROWS), files=files_zip).imported) == 3  # knowingly
    assert not [p for p in run(app, world, csv_bytes(ROWS), files=files_zip, dry_run=True).problems
                if "文件内容" in p.reason]  # rows already imported are skipped, not warned of


def test_two_identical_rows_in_one_file_are_reported(app, world):
    report = run(app, world, csv_bytes([ROWS[1], ROWS[1]]), dry_run=True)
    assert [(p.row, p.column) for p in report.errors] == [(3, "题名")]
    assert "第 2 行" in report.errors[0].reason


def test_a_reference_code_column_is_checked_but_never_trusted(app, world):
    rows = [list(ROWS[1])]
    rows[0][1] = "J001-WS·2026-D30-ZH-0099"
    report = run(app, world, csv_bytes(rows))
    assert report.imported == ["J001-WS·2026-D30-ZH-0001"]
    warning = [p for p in report.problems if p.column == "档号"][0]
    assert warning.severity == "warning" and "J001-WS·2026-D30-ZH-0001" in warning.reason


def test_xlsx_cells_are_read_as_text(app, world, files_zip, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(ROWS[0])
    sheet.append([2, None, 7, "区防控指挥部", "第二次会议纪要", 20260205, None, 4, None, "ZH", "永久", "纸质", None])
    sheet.cell(row=3, column=3).number_format = "0000"  # 文号 typed as 7, shown as 0007
    sheet.append([3, None, "沪疫指〔2026〕9号", "区防控指挥部", "第三次会议纪要", dt.datetime(2026, 2, 12), None, 2.0,
                  None, "ZH", "永久", "纸质", None])
    buffer = io.BytesIO()
    book.save(buffer)
    report = run(app, world, buffer.getvalue(), name="目录.xlsx", files=files_zip)
    assert report.ok, report.problems
    documents = list(Document.select().order_by(Document.id))
    assert [d.doc_number for d in documents] == ["0007", "0007", "沪疫指〔2026〕9号"]
    assert [d.date for d in documents] == [dt.date(2026, 1, 21), dt.date(2026, 2, 5), dt.date(2026, 2, 12)]
    assert documents[2].pages == 2


def test_english_field_names_are_accepted(app, world):
    data = csv_bytes([["区防控指挥部", "Minutes", "2026-02-01", "Y"]],
                     header=["responsible", "title", "date", "retention"], encoding="utf-8")
    assert run(app, world, data).imported == ["J001-WS·2026-Y-0001"]


def test_files_are_matched_by_name_in_a_folder_and_missing_ones_reported(app, world, tmp_path):
    folder = tmp_path / "扫描件"
    (folder / "照片").mkdir(parents=True)
    (folder / "成立通知.pdf").write_bytes(samples.pdf("Founding"))
    (folder / "照片" / "隔离点.jpg").write_bytes(samples.jpeg())
    rows = [list(ROWS[0]), list(ROWS[2])]
    rows[1][12] = "隔离点.jpg；缺失的照片.jpg"  # by file name alone, and a second one that is not there
    report = run(app, world, csv_bytes(rows), files=folder, dry_run=True)
    assert [(p.row, p.column, p.value) for p in report.errors] == [(3, "文件名", "缺失的照片.jpg")]
    rows[1][12] = "隔离点.jpg"
    assert len(run(app, world, csv_bytes(rows), files=folder).imported) == 2
    assert File.select().count() == 2


def test_a_zip_bomb_is_refused_with_a_clear_message(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("成立通知.pdf", bytes(50 * 1024 * 1024))  # 50 MB of zeros in ~50 KB
    assert bomb.stat().st_size < 200 * 1024
    with pytest.raises(SourceError, match="压缩炸弹"):
        sources.open_files(bomb, 10**10)


def test_a_zip_expanding_beyond_the_limit_is_refused(tmp_path):
    plain = tmp_path / "big.zip"
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.bin", bytes(3 * 1024 * 1024))
        archive.writestr("b.bin", bytes(3 * 1024 * 1024))
    with pytest.raises(SourceError, match="5 MB 的上限"):
        sources.open_files(plain, 5 * 1024 * 1024)


@pytest.mark.parametrize("name", ["../evil.pdf", "/etc/passwd", "a/../../evil.pdf", "C:/evil.pdf"])
def test_a_zip_with_paths_leading_outside_is_refused(tmp_path, name):
    path = tmp_path / "escape.zip"
    path.write_bytes(zip_of({name: b"x"}))
    with pytest.raises(SourceError, match="压缩包以外"):
        sources.open_files(path, 10**9)


def test_zip_names_from_chinese_windows_are_read_as_gbk(tmp_path):
    gbk_name = "隔离点照.jpg".encode("gbk")
    placeholder = b"abcdefgh.jpg"
    assert len(gbk_name) == len(placeholder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(placeholder.decode(), samples.jpeg())
    path = tmp_path / "windows.zip"
    path.write_bytes(buffer.getvalue().replace(placeholder, gbk_name))  # no UTF-8 flag, as Windows writes
    source = sources.open_files(path, 10**9)
    assert source.find("隔离点照.jpg") == ("隔离点照.jpg", None)
    with source.open("隔离点照.jpg") as stream:
        assert stream.read() == samples.jpeg()


def test_an_unreadable_encoding_says_how_to_fix_it():
    with pytest.raises(SourceError, match="CSV UTF-8"):
        sources.read_table(b"\xff\xfe\x00\x00\x81", "x.csv")


def test_cli_import_dry_run_then_real_with_exit_codes(app, world, runner, tmp_path, files_zip):
    table = tmp_path / "目录.csv"
    bad = [list(r) for r in ROWS]
    bad[0][3] = ""
    table.write_bytes(csv_bytes(bad))
    result = runner.invoke(args=["import", "AAA", str(table), "--files", str(files_zip), "--dry-run"])
    assert result.exit_code == 1
    assert "row 2\t责任者" in result.output and "nothing was imported" in result.output

    table.write_bytes(csv_bytes(ROWS))
    result = runner.invoke(args=["import", "AAA", str(table), "--files", str(files_zip), "--dry-run"])
    assert result.exit_code == 0 and "3 row(s) would be imported" in result.output
    assert Document.select().count() == 0
    result = runner.invoke(args=["import", "AAA", str(table), "--files", str(files_zip)])
    assert result.exit_code == 0 and "Imported 3 document(s)" in result.output
    assert Document.select().count() == 3
    result = runner.invoke(args=["import", "AAA", str(table), "--files", str(files_zip)])
    assert result.exit_code == 0 and "3 already imported and skipped" in result.output

    assert runner.invoke(args=["import", "NOPE", str(table)]).exit_code == 2
    assert runner.invoke(args=["import", "AAA", str(table), "--user", "viewer"]).exit_code == 2
