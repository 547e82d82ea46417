"""Shared .docx set-up: A4 pages, a Chinese body font set through w:eastAsia, simple paragraphs."""
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from .records import xml_safe

EAST_ASIAN_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"


def set_fonts(run_or_style, east_asian=EAST_ASIAN_FONT, latin=LATIN_FONT):
    """Give a run or style a Latin font and, through w:eastAsia, a Chinese one."""
    run_or_style.font.name = latin
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)


def new_document(landscape=False):
    """An empty A4 document (portrait or landscape) with the Chinese body font."""
    document = Document()
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    normal = document.styles["Normal"]
    set_fonts(normal)
    normal.font.size = Pt(11)
    for name in ("Title", "Heading 1", "Heading 2"):
        set_fonts(document.styles[name], east_asian=HEADING_FONT)
    return document


def paragraph(document, text, size=None, bold=False, center=False, font=EAST_ASIAN_FONT):
    """Add a paragraph of one run whose fonts are set explicitly."""
    para = document.add_paragraph()
    run = para.add_run(xml_safe(text))
    set_fonts(run, east_asian=font)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if center:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return para


def heading(document, text, level=1):
    """A heading whose run carries the heading font for Chinese."""
    para = document.add_heading(level=level)
    set_fonts(para.add_run(xml_safe(text)), east_asian=HEADING_FONT)
    return para


def page_break(document):
    """Start a new page."""
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def run_xml(text, size_half_points=20, bold=False):
    """The XML of one run with both fonts set (used where tables are built as XML in one go)."""
    props = (f'<w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{EAST_ASIAN_FONT}"/>'
             + ("<w:b/>" if bold else "") + f'<w:sz w:val="{size_half_points}"/>')
    return (f'<w:r><w:rPr>{props}</w:rPr>'
            f'<w:t xml:space="preserve">{escape(xml_safe(text))}</w:t></w:r>')


def table_xml(widths_twips, header, rows, size_half_points=20):
    """A whole bordered table as one XML element: a repeated header row, then `rows`."""
    def cell(text, width, bold=False):
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                f'<w:p>{run_xml(text, size_half_points, bold)}</w:p></w:tc>')

    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    borders = "".join(border.format(side) for side in
                      ("top", "left", "bottom", "right", "insideH", "insideV"))
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths_twips)
    parts = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(widths_twips)}" w:type="dxa"/>'
             f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr>'
             f'<w:tblGrid>{grid}</w:tblGrid>',
             '<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>'
             + "".join(cell(h, w, True) for h, w in zip(header, widths_twips)) + "</w:tr>"]
    for row in rows:
        parts.append('<w:tr><w:trPr><w:cantSplit/></w:trPr>'
                     + "".join(cell(v, w) for v, w in zip(row, widths_twips)) + "</w:tr>")
    parts.append("</w:tbl>")
    return parse_xml("".join(parts))


def append_table(document, widths_twips, header, rows, size_half_points=20):
    """Append a table built as XML in one pass (fast for thousands of rows)."""
    table = table_xml(widths_twips, header, rows, size_half_points)
    body = document.element.body
    body.insert(len(body) - 1, table)  # before the final section properties
    document.add_paragraph()
    return table
