"""The pure exporters: plain data in, files out, without Flask or a database."""
import datetime as dt
import io
import os
import zipfile

import openpyxl
import pytest
from docx import Document as DocxDocument
from docx.oxml.ns import qn
from lxml import etree

from exporters import bag, catalogue, forms
from exporters.records import FileEntry, Fonds, Item

FONDS = Fonds("J001", "YQFK", "区新冠肺炎疫情防控工作指挥部", custodian="区卫生健康委员会")


def item(n, **fields):
    values = dict(seq=n, reference_code=f"J001-WS·2026-Y-ZH-{n:04d}", fonds_code="J001",
                  body_name=FONDS.body_name, record_class="WS", year=2026, retention="Y",
                  category_code="ZH", category_name="综合协调", item_number=n,
                  doc_number=f"区防指〔2026〕{n}号", responsible="区疫情防控工作指挥部",
                  title=f"关于第{n}批防控物资调配的通知", date=dt.date(2026, 3, n % 28 + 1), pages=2,
                  security="", carrier="electronic", status="registered", remarks="")
    values.update(fields)
    return Item(**values)


def test_catalogue_in_three_forms_has_one_row_per_item(tmp_path):
    items = [item(n) for n in range(1, 1201)] + [item(1201, title="会议纪要\x0b（含控制字符）",
                                                       title_supplied=True)]
    catalogue.write_docx(tmp_path / "c.docx", FONDS, items)
    catalogue.write_xlsx(tmp_path / "c.xlsx", FONDS, items)
    catalogue.write_xml(tmp_path / "c.xml", FONDS, items)
    table = DocxDocument(tmp_path / "c.docx").tables[-1]
    assert len(table.rows) == len(items) + 1
    assert table.rows[-1].cells[4].text == "[会议纪要（含控制字符）]"  # supplied title in [ ]
    sheet = openpyxl.load_workbook(tmp_path / "c.xlsx").active
    assert [c.value for c in sheet[2]] == list(catalogue.COLUMNS) and sheet.max_row == len(items) + 2
    # Printed as the .docx is: headings bold, every cell ruled and wrapping.
    assert sheet["B2"].font.bold and not sheet["B3"].font.bold
    assert sheet["E3"].border.left.style == sheet["E3"].border.bottom.style == "thin"
    assert sheet["E3"].alignment.wrap_text and sheet["E3"].alignment.vertical == "center"
    ns = {"c": catalogue.XML_NAMESPACE}
    entries = etree.parse(str(tmp_path / "c.xml")).getroot().findall("c:目录/c:文件", ns)
    assert len(entries) == len(items)
    assert [etree.QName(e).localname for e in entries[0]] == list(catalogue.XML_COLUMNS)


def test_register_gives_gigabytes_to_three_decimals_and_both_signature_blocks(tmp_path):
    register = forms.Register(
        handover_name="区新冠肺炎疫情防控工作指挥部 2026年 全部移交", content="文书档案",
        item_count=12, file_count=15, data_bytes=1_610_612_736, sender=FONDS.body_name,
        receiver="区档案馆", checks={"准确性检验": "通过"}, package_name="J001-YQFK-20261125",
        digest="ab" * 32, package_size=123)
    forms.write_register(tmp_path / "r.docx", register)
    text = "\n".join(c.text for t in DocxDocument(tmp_path / "r.docx").tables for r in t.rows for c in r.cells)
    assert "1.500 GB" in text and "12 件（15 个文件）" in text
    for label in ("准确性检验", "完整性检验", "可用性检验", "安全性检验", "载体外观检验", "移交单位：",
                  "接收单位：区档案馆", "填表人", "审核人", "单位（印章）", "摘要算法", "SHA-256"):
        assert label in text, label
    assert forms.read_register_digest(tmp_path / "r.docx") == "ab" * 32


@pytest.mark.parametrize("original, expected", [
    ("会议纪要.pdf", "会议纪要.pdf"), ("a/b\\c:d*?.pdf", "a_b_c_d__.pdf"), ("100%;完成|.docx", "100__完成_.docx"),
    (" .隐藏. ", "隐藏"), ("很长" * 60 + ".pdf", "很长" * 38 + ".pdf")])
def test_safe_names_are_portable(original, expected):
    assert bag.safe_name(original) == expected


def test_a_zip_appears_only_when_complete(tmp_path):
    source = tmp_path / "a.pdf"
    source.write_bytes(b"%PDF-1.7 content")
    digest = __import__("hashlib").sha256(source.read_bytes()).hexdigest()
    builder = bag.BagBuilder(tmp_path / "out", "J001-YQFK-20261125")
    builder.copy(source, "data/files/J001-WS·2026-Y-ZH-0001/01-会议纪要.pdf", digest, "J001-WS·2026-Y-ZH-0001")
    assert os.listdir(tmp_path / "out") == [builder.root.name] and builder.root.name.startswith(".")
    result = builder.finish({"Source-Organization": "区政府"}, zip_package=True)
    assert sorted(os.listdir(tmp_path / "out")) == ["J001-YQFK-20261125.zip"]
    with zipfile.ZipFile(result.path) as archive:
        names = archive.namelist()
        info = archive.read("J001-YQFK-20261125/bag-info.txt").decode()
    assert "J001-YQFK-20261125/data/files/J001-WS·2026-Y-ZH-0001/01-会议纪要.pdf" in names
    assert f"Payload-Oxum: {len(source.read_bytes())}.1" in info and "Bag-Size: " in info


def test_leftovers_of_dead_writers_are_removed_but_live_ones_kept(tmp_path):
    (tmp_path / ".PKG.partial-999999-abc").mkdir()
    (tmp_path / f".PKG.partial-{os.getpid()}-def").mkdir()
    removed = bag.remove_partials(tmp_path, "PKG", alive=lambda pid: pid == os.getpid())
    assert removed == 1 and os.listdir(tmp_path) == [f".PKG.partial-{os.getpid()}-def"]


def test_file_entries_keep_the_original_name_in_the_metadata(tmp_path):
    from exporters import metadata
    one = item(1)
    one.files.append(FileEntry("会议纪要（定稿）.pdf", "data/files/x/01-会议纪要（定稿）.pdf", 10, "a" * 64))
    one.files.append(FileEntry("附件.jpg", "data/files/x/02-附件.jpg", 20, "b" * 64))
    metadata.write_csv(tmp_path / "items.csv", [one])
    paths, rows = metadata.read_csv_paths(tmp_path / "items.csv")
    assert rows == 1 and paths == ["data/files/x/01-会议纪要（定稿）.pdf", "data/files/x/02-附件.jpg"]


def test_a_title_beginning_with_equals_stays_text_in_the_spreadsheet(tmp_path):
    items = [item(1, title="=HYPERLINK(\"http://example.org\",\"点此\")", remarks=" 前后有空格 "),
             item(2, pages=0, doc_number="")]
    catalogue.write_xlsx(tmp_path / "c.xlsx", FONDS, items)
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(tmp_path / "c.xlsx").active.iter_rows()]
    assert rows[0][0] == f"{FONDS.fonds_code} {FONDS.body_name} 归档文件目录（文书） 2026年 永久"
    assert rows[2][0] == 1 and rows[2][4] == "=HYPERLINK(\"http://example.org\",\"点此\")"
    assert rows[2][7] == 2 and rows[2][8] == " 前后有空格 "
    assert not rows[3][2] and rows[3][7] is None  # no number, no pages: empty cells, as before
    with zipfile.ZipFile(tmp_path / "c.xlsx") as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_copies_are_counted_and_the_folder_size_is_every_file_in_it(tmp_path):
    sources = []
    for n, size in enumerate((10, 3_000_000, 0, 70_000)):
        path = tmp_path / f"s{n}"
        path.write_bytes(os.urandom(size))
        sources.append((path, size))
    sha = __import__("hashlib").sha256
    reported = []
    builder = bag.BagBuilder(tmp_path / "out", "pkg")
    result = builder.copy_all([(p, f"data/files/X-{n:04d}/01-f.bin", sha(p.read_bytes()).hexdigest(), f"X-{n}", size)
                               for n, (p, size) in enumerate(sources)], on_bytes=reported.append,
                              meanwhile=lambda: "written meanwhile")
    assert result == "written meanwhile" and sum(reported) == sum(size for _, size in sources)
    builder.path_for("data/metadata/items.csv").write_text("档号\n", encoding="utf-8")
    placed = builder.finish({"Source-Organization": "区政府"})
    on_disk = sum(p.stat().st_size for p in placed.path.rglob("*") if p.is_file())
    assert placed.size == on_disk and placed.payload_files == 5


def test_a_changed_file_stops_the_other_copies_and_leaves_nothing(tmp_path):
    good = tmp_path / "good"
    good.write_bytes(b"x" * 1000)
    digest = __import__("hashlib").sha256(b"x" * 1000).hexdigest()
    jobs = [(good, f"data/files/X-{n:04d}/01-f.bin", digest, f"X-{n}", 1000) for n in range(50)]
    jobs.append((good, "data/files/BAD/01-f.bin", "0" * 64, "J001-BAD", 1000))
    with pytest.raises(bag.DigestMismatch) as caught:
        with bag.BagBuilder(tmp_path / "out", "pkg") as builder:
            builder.copy_all(jobs)
    assert caught.value.label == "J001-BAD"
    assert list((tmp_path / "out").iterdir()) == []


def test_statistics_sheet_keeps_a_name_beginning_with_equals_as_text():
    from exporters import statistics
    data = statistics.write([("按机构", ["机构", "文件数"], [["=1+1 指挥部", 3]])])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert openpyxl.load_workbook(io.BytesIO(data)).active["A2"].value == "=1+1 指挥部"


@pytest.mark.parametrize("title", ['=HYPERLINK("http://example.org","点此")', "+1 指挥部", "-2+3",
                                   "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_every_csv_cell_a_spreadsheet_would_run_is_kept_as_text(tmp_path, title):
    import csv
    from exporters import history, metadata
    one = item(1, title=title, remarks="=cmd|' /C calc'!A0")
    one.files.append(FileEntry("=evil.pdf", "data/files/x/01-evil.pdf", 10, "a" * 64))
    metadata.write_csv(tmp_path / "items.csv", [one])
    history.write_checkins(tmp_path / "checkins.csv", [{"notes": title, "liaison": "@王"}])
    with open(tmp_path / "items.csv", encoding="utf-8-sig", newline="") as src:
        row = list(csv.DictReader(src))[0]
    assert row["题名"] == "'" + title and row["备注"] == "'=cmd|' /C calc'!A0"
    assert row["文件名"] == "'=evil.pdf" and row["包内路径"] == "data/files/x/01-evil.pdf"
    assert row["页数"] == "2" and row["日期"] == "20260302"
    with open(tmp_path / "checkins.csv", encoding="utf-8-sig", newline="") as src:
        checkin = list(csv.DictReader(src))[0]
    assert checkin["记录"] == "'" + title and checkin["指导员"] == "'@王"
    assert metadata.read_csv_paths(tmp_path / "items.csv") == (["data/files/x/01-evil.pdf"], 1)


def test_one_catalogue_per_class_ordered_permanent_first_then_category_then_number(tmp_path):
    mixed = [item(1, retention="D10", item_number=1), item(2, record_class="ZP", item_number=1),
             item(3, retention="Y", category_code="ZH", category_sort=2, item_number=2),
             item(4, retention="D30", item_number=1), item(5, retention="Y", category_code="BG",
                                                           category_sort=1, item_number=1),
             item(6, record_class="LX", item_number=1), item(7, retention="Y", category_code="ZH",
                                                              category_sort=2, item_number=1)]
    groups = catalogue.by_class(mixed)
    assert [code for code, _ in groups] == ["WS", "ZP", "LX"]
    documents = groups[0][1]
    assert [(i.retention, i.category_code, i.item_number) for i in documents] == [
        ("Y", "BG", 1), ("Y", "ZH", 1), ("Y", "ZH", 2), ("D30", "ZH", 1), ("D10", "ZH", 1)]
    assert [i.seq for i in documents] == [1, 2, 3, 1, 1] and groups[1][1][0].seq == 1  # per part
    catalogue.write_docx(tmp_path / "ws.docx", FONDS, documents)
    catalogue.write_docx(tmp_path / "zp.docx", FONDS, groups[1][1])
    text = "\n".join(p.text for p in DocxDocument(tmp_path / "ws.docx").paragraphs)
    assert "门类：文书（WS）" in text and "照片" not in text
    assert "门类：照片（ZP）" in "\n".join(p.text for p in DocxDocument(tmp_path / "zp.docx").paragraphs)


def test_a_catalogue_is_bound_in_parts_one_per_year_and_retention_each_on_its_own_pages(tmp_path):
    def bound(n, year, retention, number):
        return item(n, year=year, retention=retention, item_number=number,
                    reference_code=f"J001-WS·{year}-{retention}-ZH-{number:04d}")
    mixed = [bound(1, 2026, "D10", 1), bound(2, 2026, "Y", 1), bound(3, 2026, "D30", 1), bound(4, 2026, "Y", 2),
             bound(5, 2025, "D30", 1)]
    documents = catalogue.by_class(mixed)[0][1]
    catalogue.write_docx(tmp_path / "ws.docx", FONDS, documents)
    document = DocxDocument(tmp_path / "ws.docx")
    text = "\n".join(p.text for p in document.paragraphs)
    assert "永久、" not in text and "、10年" not in text  # no cover mixes retention periods
    headings = [p.text for p in document.paragraphs if p.text.startswith(FONDS.body_name)]
    assert [h.rsplit(" ", 2)[-2:] for h in headings] == [
        ["2025年", "30年"], ["2026年", "永久"], ["2026年", "30年"], ["2026年", "10年"]]
    assert text.count("保管期限：永久") == 1 and text.count("年度：2025") == 1
    tables = [[row.cells[1].text for row in table.rows[1:]] for table in document.tables]
    assert tables == [["J001-WS·2025-D30-ZH-0001"], ["J001-WS·2026-Y-ZH-0001", "J001-WS·2026-Y-ZH-0002"],
                      ["J001-WS·2026-D30-ZH-0001"], ["J001-WS·2026-D10-ZH-0001"]]
    assert [t.rows[1].cells[0].text for t in document.tables] == ["1", "1", "1", "1"]  # 序号 per part
    # Each part is a section of its own whose pages are numbered from 1.
    sections = document.sections
    assert len(sections) == 4
    assert all(s._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1" for s in sections[1:])
    catalogue.write_xlsx(tmp_path / "ws.xlsx", FONDS, documents)
    book = openpyxl.load_workbook(tmp_path / "ws.xlsx")
    assert book.sheetnames == ["2025年 30年", "2026年 永久", "2026年 30年", "2026年 10年"]
    assert book["2026年 永久"]["A1"].value.endswith("2026年 永久") and book["2026年 永久"].max_row == 4
    assert all(sheet.page_setup.firstPageNumber == 1 and sheet.print_title_rows == "$1:$2" for sheet in book)


def test_catalogue_pages_are_numbered_and_properties_name_the_body_and_the_export(tmp_path):
    made_at = dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    catalogue.write_docx(tmp_path / "c.docx", FONDS, [item(n) for n in range(1, 60)], made_at)
    document = DocxDocument(tmp_path / "c.docx")
    footer = document.sections[0].footer._element.xml
    assert 'w:instr=" PAGE "' in footer and 'w:instr=" NUMPAGES "' in footer
    assert "".join(r.text for r in document.sections[0].footer.paragraphs[0].runs) == "第  页 共  页"
    props = document.core_properties
    assert props.author == FONDS.body_name and props.author != "python-docx"
    assert props.created == dt.datetime(2026, 11, 30, 1, 15, tzinfo=dt.timezone.utc) and "归档文件目录" in props.title
    assert document.tables[-1].rows[0]._tr.xml.count("<w:tblHeader/>") == 1  # heading row repeats


def test_the_spreadsheet_catalogue_prints_a4_landscape_one_page_wide_with_borders(tmp_path):
    made_at = dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    catalogue.write_xlsx(tmp_path / "c.xlsx", FONDS, [item(n) for n in range(1, 30)], made_at)
    book = openpyxl.load_workbook(tmp_path / "c.xlsx")
    sheet = book.active
    assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == "9"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0 and sheet.print_title_rows == "$1:$2"
    assert sheet.column_dimensions["B"].width >= 25 and sheet.column_dimensions["E"].width >= 40
    assert sheet["E3"].border.left.style == "thin" and sheet["A2"].font.b
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    assert book.properties.creator == FONDS.body_name and book.properties.created == dt.datetime(2026, 11, 30, 1, 15)


def test_the_register_annex_starts_its_own_page_under_the_heading_and_pages_are_numbered(tmp_path):
    register = forms.Register(
        handover_name="区新冠肺炎疫情防控工作指挥部 2026年 全部移交", content="文书档案",
        item_count=12, file_count=15, data_bytes=1, sender=FONDS.body_name, receiver="区档案馆",
        checks={}, package_name="J001-YQFK-20261125", digest="ab" * 32, digest_sm3="cd" * 32, package_size=123)
    forms.write_register(tmp_path / "r.docx", register)
    document = DocxDocument(tmp_path / "r.docx")
    body = document.element.body.xml
    annex_at = body.index("附件：移交数据包摘要")
    assert body.rfind('w:type="page"', 0, annex_at) > body.index("单位（印章）")
    assert "电子档案移交与接收登记表（续）" in body[body.rfind('w:type="page"', 0, annex_at):annex_at]
    assert 'w:instr=" NUMPAGES "' in document.sections[0].footer._element.xml
    assert document.core_properties.author == FONDS.body_name
    assert forms.read_register_digests(tmp_path / "r.docx") == {"sha256": "ab" * 32, "sm3": "cd" * 32}


def _synced_before_rename(monkeypatch):
    """Record each path fsynced and each rename, in order, as they happen."""
    events, fsync, rename = [], os.fsync, os.rename
    monkeypatch.setattr(os, "fsync", lambda fd: events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
                        or fsync(fd))
    monkeypatch.setattr(os, "rename", lambda a, b: events.append(("rename", str(a))) or rename(a, b))
    return events


def _unsynced(events, final):
    """Files and folders of the placed package not flushed before the rename that placed it."""
    at = next(n for n, (kind, _path) in enumerate(events) if kind == "rename")
    root = events[at][1]
    synced = {os.path.relpath(path, root) for kind, path in events[:at] if kind == "fsync"}
    return {os.path.relpath(p, final) for p in [str(final), *map(str, final.rglob("*"))]} - synced


def test_a_folder_package_is_on_disk_whole_before_it_is_put_in_place(tmp_path, monkeypatch):
    source = tmp_path / "s"
    source.write_bytes(b"minutes")
    events = _synced_before_rename(monkeypatch)
    builder = bag.BagBuilder(tmp_path / "out", "pkg")
    builder.copy_all([(source, "data/files/X-0001/01-f.bin",
                       __import__("hashlib").sha256(b"minutes").hexdigest(), "X-1", 7)])
    builder.path_for("data/metadata/items.csv").write_text("档号\n", encoding="utf-8")
    placed = builder.finish({"Source-Organization": "区政府"})
    assert _unsynced(events, placed.path) == set()
    # Written again from a zip into a folder: the same.
    zipped = bag.rewrite(placed.path, tmp_path / "zip", "pkg", zip_package=True)
    events.clear()
    again = bag.rewrite(zipped.path, tmp_path / "again", "pkg", zip_package=False)
    assert _unsynced(events, again.path) == set()
