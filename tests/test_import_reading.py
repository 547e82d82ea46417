"""Bulk import reads what the user sees in the spreadsheet: formulas, merged cells, the 档号,
impossible dates."""
import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from capture.models import Document
from capture.records.imports import sources
from capture.records.imports.sources import SourceError
from test_import import HEADER, ROWS, csv_bytes, run


def xlsx(rows, header=HEADER, merges=(), edit=None):
    """An XLSX workbook as openpyxl saves it; `edit` may rewrite the sheet's XML."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    buffer = io.BytesIO()
    book.save(buffer)
    if edit is None:
        return buffer.getvalue()
    source, out = zipfile.ZipFile(buffer), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, edit(data) if item.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def test_a_formula_saved_without_its_value_is_refused_naming_the_cell(app, world):
    row = list(ROWS[1])
    row[3] = '="区防控"&"指挥部"'  # openpyxl, pandas and report generators save no result
    with pytest.raises(SourceError) as refused:
        sources.read_table(xlsx([ROWS[1], row]), "目录.xlsx")
    message = str(refused.value)
    assert "D3" in message and "Excel" in message and "WPS" in message
    assert Document.select().count() == 0


def test_a_formula_saved_with_its_value_reads_as_that_value(app, world):
    row = list(ROWS[1])
    row[3] = '="区防控"&"指挥部"'

    def calculated(xml):  # what Excel writes after it calculates: the result beside the formula
        return re.sub(rb"(<f>[^<]*</f>)<v\s*/?>(</v>)?", "\\1<v>区防控指挥部</v>".encode(), xml) \
            .replace(b'<c r="D2">', b'<c r="D2" t="str">')

    header, rows = sources.read_table(xlsx([row], edit=calculated), "目录.xlsx")
    assert rows[0][3] == "区防控指挥部"


def test_a_merged_cell_gives_its_value_to_every_row_it_covers(app, world):
    rows = [["0001", "", "", "区防控指挥部", f"第{n}次会议纪要", "20260205", "", "2", "", "ZH", "永久", "纸质", ""]
            for n in (1, 2, 3)]
    for row in rows[1:]:
        row[3] = row[10] = None  # 责任者 and 保管期限 shown once, merged down three rows
    report = run(app, world, xlsx(rows, merges=("D2:D4", "K2:K4")), name="目录.xlsx")
    assert report.ok, report.problems
    assert [(d.responsible, d.retention) for d in Document.select().order_by(Document.id)] == \
        [("区防控指挥部", "Y")] * 3


def test_a_catalogue_without_retention_takes_it_and_the_category_from_the_reference_code(app, world):
    header = ["档号", "题名", "责任者", "日期"]
    data = csv_bytes([["J001-WS·2026-Y-ZH-0001", "成立通知", "区防控指挥部", "20260121"],
                      ["J001-WS·2026-D30-0001", "会议签到表", "区防控指挥部", "20260122"]],
                     header=header, encoding="utf-8")
    report = run(app, world, data)
    assert report.ok, report.problems
    assert report.imported == ["J001-WS·2026-Y-ZH-0001", "J001-WS·2026-D30-0001"]
    first, second = Document.select().order_by(Document.id)
    assert (first.retention, first.category.code) == ("Y", "ZH")
    assert (second.retention, second.category) == ("D30", None)


def test_without_retention_a_row_whose_code_says_none_is_named(app, world):
    data = csv_bytes([["见附件", "成立通知", "区防控指挥部", "20260121"]],
                     header=["档号", "题名", "责任者", "日期"], encoding="utf-8")
    report = run(app, world, data, dry_run=True)
    assert [(p.row, p.column, p.value) for p in report.errors] == [(2, "档号", "见附件")]
    assert "保管期限" in report.errors[0].reason


def test_without_retention_or_reference_code_the_column_is_asked_for(app, world):
    data = csv_bytes([["成立通知", "区防控指挥部", "20260121"]], header=["题名", "责任者", "日期"],
                     encoding="utf-8")
    report = run(app, world, data, dry_run=True)
    assert [(p.row, p.column) for p in report.errors] == [(1, "保管期限")]


@pytest.mark.parametrize("written", ["2026-02-30", "20260230", "2026/2/30", "2026-13-01"])
def test_an_impossible_date_is_called_impossible(app, world, written):
    row = list(ROWS[1])
    row[5] = written
    report = run(app, world, csv_bytes([row]), dry_run=True)
    assert [(p.column, p.value) for p in report.errors] == [("日期", written)]
    assert "没有这一天" in report.errors[0].reason and "8 位数字" not in report.errors[0].reason


def test_a_date_in_an_unknown_form_is_still_shown_the_forms(app, world):
    row = list(ROWS[1])
    row[5] = "二〇二六年一月"
    report = run(app, world, csv_bytes([row]), dry_run=True)
    assert "8 位数字" in report.errors[0].reason
