"""The filing catalogue (归档文件目录, DA/T 22-2015) as .docx, .xlsx and XML (文件目录)."""
from lxml import etree
from openpyxl import Workbook

from .docx_base import add_table_placeholder, new_document, page_break, paragraph, save_with_table
from .records import xml_safe
from .sheets import literal

COLUMNS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
# Twips across A4 landscape less 2 × 20 mm margins (≈ 14 570).
WIDTHS = (700, 2700, 1500, 1900, 4200, 1100, 700, 650, 1100)
XML_COLUMNS = ("顺序号", "档号", "责任者", "题名", "日期", "密级", "电子档案名称", "备注")


def row(item):
    """The nine catalogue values of an item, in DA/T 22 order."""
    return (str(item.seq), item.reference_code, item.doc_number, item.responsible,
            item.display_title, item.date8, item.security, str(item.pages or ""), item.remarks)


def cover_lines(fonds, items):
    """The cover's facts: fonds code and name, years, retention periods, categories."""
    years = sorted({i.year for i in items})
    retentions = sorted({i.retention for i in items})
    categories = sorted({f"{i.category_code} {i.category_name}".strip() for i in items if i.category_code})
    return [("全宗号", fonds.fonds_code), ("全宗名称", fonds.body_name),
            ("年度", "、".join(map(str, years)) or "—"),
            ("保管期限", "、".join(RETENTION_NAMES.get(r, r) for r in retentions) or "—"),
            ("机构（问题）", "、".join(categories) or "—"),
            ("件数", str(len(items)))]


RETENTION_NAMES = {"Y": "永久", "D30": "30年", "D10": "10年"}


def cover(fonds, items):
    """A landscape document holding the cover page and the catalogue's heading."""
    document = new_document(landscape=True)
    for _ in range(4):
        document.add_paragraph()
    paragraph(document, "归档文件目录", size=36, bold=True, center=True, font="黑体")
    document.add_paragraph()
    for label, value in cover_lines(fonds, items):
        paragraph(document, f"{label}：{value}", size=16, center=True)
    page_break(document)
    paragraph(document, f"{fonds.body_name} 归档文件目录", size=14, bold=True, center=True, font="黑体")
    return document


def write_docx(path, fonds, items):
    """Write the catalogue: A4 landscape, a cover page, then one table row per item."""
    document = cover(fonds, items)
    add_table_placeholder(document)
    save_with_table(document, path, WIDTHS, COLUMNS, (row(item) for item in items))


def write_xlsx(path, fonds, items):
    """Write the catalogue as a spreadsheet (streamed: write-only mode)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("归档文件目录")
    sheet.append([f"{fonds.fonds_code} {fonds.body_name} 归档文件目录"])
    sheet.append(list(COLUMNS))
    for item in items:
        values = list(row(item))
        values[0], values[7] = item.seq, item.pages or None
        sheet.append([literal(sheet, xml_safe(v)) if isinstance(v, str) else v for v in values])
    workbook.save(path)


def write_xml(path, fonds, items):
    """Write 文件目录 as XML, one <文件> per item, streamed."""
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("文件目录", 全宗号=fonds.fonds_code, 全宗名称=xml_safe(fonds.body_name)):
            for item in items:
                names = "；".join(f.bag_path.removeprefix("data/") for f in item.files)
                values = (str(item.seq), item.reference_code, item.responsible, item.display_title,
                          item.date8, item.security, names, item.remarks)
                entry = etree.Element("文件")
                for tag, value in zip(XML_COLUMNS, values):
                    etree.SubElement(entry, tag).text = xml_safe(value)
                xf.write(entry)
