"""The filing catalogue (归档文件目录, DA/T 22-2015): one per 门类, as .docx and .xlsx; 文件目录 as XML."""
import datetime as dt
from pathlib import Path

from lxml import etree
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter

from docx.enum.section import WD_SECTION

from .docx_base import (add_table_placeholder, describe, new_document, number_pages, page_break,
                        paragraph, restart_page_numbers, save_with_tables)
from .records import xml_safe

COLUMNS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
# Twips across A4 landscape less 2 × 20 mm margins (≈ 14 570).
WIDTHS = (700, 2700, 1500, 1900, 4200, 1100, 700, 650, 1100)
# The same proportions in spreadsheet characters: 档号 and 题名 whole, 备注 on the page.
SHEET_WIDTHS = (6, 27, 16, 18, 44, 10, 6, 6, 14)
# 文件目录 as XML: the catalogue's columns, its retention period, and the item's files in the package.
XML_COLUMNS = ("顺序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "保管期限", "电子档案名称", "备注")
XML_NAMESPACE = "urn:capture:catalogue:1"  # our own; the schema travels beside the XML
XML_SCHEMA_NAME = "capture-catalogue-1.xsd"
XML_SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / XML_SCHEMA_NAME
XSI = "http://www.w3.org/2001/XMLSchema-instance"
RETENTION_NAMES = {"Y": "永久", "D30": "30年", "D10": "10年"}
# DA/T 22-2015 §6: retention runs permanent, then 30 years, then 10 years.
RETENTION_ORDER = {"Y": 0, "D30": 1, "D10": 2}
# 门类: DA/T 22 governs 文书; photos (DA/T 50) and audio-video (DA/T 78) are classes of their own,
# each with its own catalogue (docs/architecture.md, archival rules).
CLASS_NAMES = {"WS": "文书", "ZP": "照片", "LX": "录音录像"}
CLASS_ORDER = {code: n for n, code in enumerate(CLASS_NAMES)}


def order_key(item):
    """An item's place in its catalogue: year, retention (永久 → 30年 → 10年), 机构（问题）, 件号."""
    return (item.year, RETENTION_ORDER.get(item.retention, 9), item.category_sort, item.category_code,
            item.item_number)


def part_key(item):
    """The part (卷) of its 门类's catalogue an item is bound in: its 年度 and 保管期限."""
    return item.year, item.retention


def arrange(items):
    """Items in catalogue order (门类, then 年度 and 保管期限 as parts, then category and 件号),
    序号 counted from 1 in each part, as each part is a catalogue of its own; a new list."""
    ordered = sorted(items, key=lambda i: (CLASS_ORDER.get(i.record_class, 99), i.record_class, order_key(i)))
    counters = {}
    for item in ordered:
        key = (item.record_class, *part_key(item))
        counters[key] = item.seq = counters.get(key, 0) + 1
    return ordered


def parts(items):
    """[((年度, 保管期限), items)] of one 门类's arranged items: 2025 永久, 2025 30年, …, 2026 永久."""
    groups = {}
    for item in items:
        groups.setdefault(part_key(item), []).append(item)
    return sorted(groups.items(), key=lambda g: (g[0][0], RETENTION_ORDER.get(g[0][1], 9)))


def by_class(items):
    """[(门类代码, items)] in catalogue order: one catalogue each."""
    groups = {}
    for item in arrange(items):
        groups.setdefault(item.record_class, []).append(item)
    return list(groups.items())


def class_name(code):
    """文书 for WS, 照片 for ZP …; an unknown code stands for itself."""
    return CLASS_NAMES.get(code, code)


def row(item):
    """The nine catalogue values of an item, in DA/T 22 order."""
    return (str(item.seq), item.reference_code, item.doc_number, item.responsible,
            item.display_title, item.date8, item.security, str(item.pages or ""), item.remarks)


def cover_lines(fonds, items):
    """The cover's facts of one part: fonds code and name, 门类, its 年度 and 保管期限, categories."""
    years = sorted({i.year for i in items})
    retentions = sorted({i.retention for i in items}, key=lambda r: RETENTION_ORDER.get(r, 9))
    categories = sorted({f"{i.category_code} {i.category_name}".strip() for i in items if i.category_code})
    classes = sorted({i.record_class for i in items}, key=lambda c: CLASS_ORDER.get(c, 99))
    return [("全宗号", fonds.fonds_code), ("全宗名称", fonds.body_name),
            ("门类", "、".join(f"{class_name(c)}（{c}）" for c in classes) or "—"),
            ("年度", "、".join(map(str, years)) or "—"),
            ("保管期限", "、".join(RETENTION_NAMES.get(r, r) for r in retentions) or "—"),
            ("机构（问题）", "、".join(categories) or "—"),
            ("件数", str(len(items)))]


def title(fonds, items):
    """"{body} 归档文件目录（文书）": the catalogue's heading and document title."""
    classes = "、".join(class_name(c) for c in dict.fromkeys(i.record_class for i in items))
    return f"{fonds.body_name} 归档文件目录" + (f"（{classes}）" if classes else "")


def part_name(key):
    """"2026年 永久": how a part is named on its heading and its sheet."""
    year, retention = key
    return f"{year}年 {RETENTION_NAMES.get(retention, retention)}"


def part_cover(document, fonds, items, key):
    """One part's cover page and, on the next page, its heading; the table follows."""
    for _ in range(4):
        document.add_paragraph()
    paragraph(document, "归档文件目录", size=36, bold=True, center=True, font="黑体")
    document.add_paragraph()
    for label, value in cover_lines(fonds, items):
        paragraph(document, f"{label}：{value}", size=16, center=True)
    page_break(document)
    paragraph(document, f"{title(fonds, items)} {part_name(key)}", size=14, bold=True, center=True, font="黑体")


def write_docx(path, fonds, items, made_at=None):
    """Write one 门类's catalogue as archives bind it: one part per 年度 and 保管期限 (永久 → 30年 →
    10年), each its own section with a cover, a heading and pages numbered from 1; A4 landscape."""
    document = new_document(landscape=True)
    describe(document, title(fonds, items), fonds.body_name, made_at)
    number_pages(document)
    groups = parts(items) or [((None, None), [])]
    for n, (key, members) in enumerate(groups):
        if n:
            restart_page_numbers(document.add_section(WD_SECTION.NEW_PAGE))
        if key[0] is not None:  # an empty catalogue has no part, only its table heading
            part_cover(document, fonds, members, key)
        add_table_placeholder(document, n)
    save_with_tables(document, path, WIDTHS, COLUMNS, [(row(item) for item in members) for _, members in groups])


def write_xlsx(path, fonds, items, made_at=None):
    """Write one 门类's catalogue as a spreadsheet that prints as the .docx does (streamed)."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = title(fonds, items)
    workbook.properties.creator = workbook.properties.lastModifiedBy = fonds.body_name
    if made_at is not None:  # openpyxl writes these as UTC ("Z")
        when = made_at.astimezone(dt.timezone.utc).replace(tzinfo=None)
        workbook.properties.created = workbook.properties.modified = when
    # Named styles: a cell takes one by name, where setting its border and alignment had openpyxl
    # hash them again for every cell (0.5 s of the export for 2,000 items).
    workbook.add_named_style(NamedStyle(name=CELL, border=_BORDER, alignment=_WRAP))
    workbook.add_named_style(NamedStyle(name=HEADER, border=_BORDER, alignment=_WRAP, font=Font(bold=True)))
    # One sheet per part (年度, 保管期限): each prints on its own pages, numbered from 1, under its heading.
    for key, members in parts(items) or [((None, None), [])]:
        sheet = workbook.create_sheet(part_name(key) if key[0] is not None else "归档文件目录")
        _print_setup(sheet)
        named = f" {part_name(key)}" if key[0] is not None else ""
        heading = WriteOnlyCell(sheet, xml_safe(f"{fonds.fonds_code} {title(fonds, items)}{named}"))
        heading.font = Font(bold=True, size=14)
        sheet.append([heading])
        sheet.append([_cell(sheet, name, HEADER) for name in COLUMNS])
        for item in members:
            values = list(row(item))
            values[0], values[7] = item.seq, item.pages or None
            sheet.append([_cell(sheet, xml_safe(v) if isinstance(v, str) else v) for v in values])
    workbook.save(path)


_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
CELL, HEADER = "目录", "目录表头"


def _cell(sheet, value, style=CELL):
    """A bordered, wrapping cell; text beginning with "=" kept as text."""
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # as sheets.literal: a title such as =HYPERLINK(…) never runs
    cell.style = style
    return cell


def _print_setup(sheet):
    """A4 landscape, one page wide, the two heading rows on every page, pages numbered."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4 in the OOXML paper-size table
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:2"
    sheet.page_setup.firstPageNumber, sheet.page_setup.useFirstPageNumber = 1, True
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    for n, width in enumerate(SHEET_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(n)].width = width


def write_xml(path, fonds, items):
    """Write 文件目录 as XML in its namespace, bound as the printed catalogues are: a <目录> per 门类,
    年度 and 保管期限, one <文件> per item with the catalogue's columns; streamed."""
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        attributes = {f"{{{XSI}}}schemaLocation": f"{XML_NAMESPACE} {XML_SCHEMA_NAME}",
                      "全宗号": fonds.fonds_code, "全宗名称": xml_safe(fonds.body_name)}
        with xf.element(_tag("文件目录"), attributes, nsmap={None: XML_NAMESPACE, "xsi": XSI}):
            for code, members in by_class(items):
                for (year, retention), part in parts(members):
                    with xf.element(_tag("目录"), 门类=class_name(code), 门类代码=code, 年度=str(year),
                                    保管期限=RETENTION_NAMES.get(retention, retention), 保管期限代码=retention):
                        for item in part:
                            xf.write(_xml_entry(item))


def _tag(name):
    return f"{{{XML_NAMESPACE}}}{name}"


def _xml_entry(item):
    names = "；".join(f.bag_path.removeprefix("data/") for f in item.files)
    values = (str(item.seq), item.reference_code, item.doc_number, item.responsible, item.display_title,
              item.date8, item.security, str(item.pages or ""), RETENTION_NAMES.get(item.retention, item.retention),
              names, item.remarks)
    entry = etree.Element(_tag("文件"), nsmap={None: XML_NAMESPACE})
    for tag, value in zip(XML_COLUMNS, values):
        etree.SubElement(entry, _tag(tag)).text = xml_safe(value)
    return entry
