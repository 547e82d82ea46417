"""Shared .docx set-up: A4 pages, a Chinese body font set through w:eastAsia, simple paragraphs."""
import datetime as dt
import io
import zipfile
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
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


def describe(document, title, author, made_at=None):
    """Core properties that name the body and the export time (python-docx's template says
    author "python-docx", created 2013)."""
    props = document.core_properties
    when = (made_at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(tzinfo=None)
    props.title, props.author, props.last_modified_by = xml_safe(title), xml_safe(author), xml_safe(author)
    props.created = props.modified = when  # stored as UTC ("Z"), as the OOXML core properties ask
    props.comments, props.keywords, props.revision = "", "", 1
    return document


def number_pages(document):
    """"第 N 页 共 M 页" centred in the footer of every section, from Word's PAGE and NUMPAGES fields."""
    for section in document.sections:
        para = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for text, field in (("第 ", None), ("", "PAGE"), (" 页 共 ", None), ("", "NUMPAGES"), (" 页", None)):
            if field:
                para._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" {field} ">'
                                         f'<w:r><w:t>1</w:t></w:r></w:fldSimple>'))
            else:
                set_fonts(para.add_run(text))
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
    return f"{_run_open(size_half_points, bold)}{escape(xml_safe(text))}{_RUN_CLOSE}"


_RUN_CLOSE = "</w:t></w:r>"


def _run_open(size_half_points, bold):
    props = (f'<w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{EAST_ASIAN_FONT}"/>'
             + ("<w:b/>" if bold else "") + f'<w:sz w:val="{size_half_points}"/>')
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">'


def table_string(widths_twips, header, rows, size_half_points=20):
    """A bordered table as an XML string (w: prefix, no namespace declaration): header row, then rows."""
    def opening(width, bold):
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p>'
                + _run_open(size_half_points, bold))
    close = _RUN_CLOSE + "</w:p></w:tc>"
    cells = [opening(w, False) for w in widths_twips]
    border = '<w:{0} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    borders = "".join(border.format(side) for side in
                      ("top", "left", "bottom", "right", "insideH", "insideV"))
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths_twips)
    parts = [f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths_twips)}" w:type="dxa"/>'
             f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr>'
             f'<w:tblGrid>{grid}</w:tblGrid>',
             '<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>'
             + "".join(opening(w, True) + escape(xml_safe(h)) + close
                       for h, w in zip(header, widths_twips)) + "</w:tr>"]
    row_open = "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
    for row in rows:
        parts.append(row_open + "".join(cell + escape(xml_safe(value)) + close
                                        for cell, value in zip(cells, row)) + "</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def append_table(document, widths_twips, header, rows, size_half_points=20):
    """Append a small table built as XML (forms; see save_with_table for thousands of rows)."""
    xml = table_string(widths_twips, header, rows, size_half_points)
    table = parse_xml(xml.replace("<w:tbl>", f"<w:tbl {nsdecls('w')}>", 1))
    body = document.element.body
    body.insert(len(body) - 1, table)  # before the final section properties
    document.add_paragraph()
    return table


PLACEHOLDER = "\u2063CATALOGUE-TABLE-{n}\u2063"


def save_with_table(document, path, widths_twips, header, rows, size_half_points=20):
    """Save `document` with a large table spliced in as text where add_table_placeholder() was called."""
    save_with_tables(document, path, widths_twips, header, [rows], size_half_points)


def save_with_tables(document, path, widths_twips, header, tables, size_half_points=20):
    """Save `document` with large tables spliced in as text where add_table_placeholder(n) was called,
    the n-th table of `tables` (each an iterable of rows) at the n-th placeholder.

    Moving a parsed tree of a million nodes into the document costs lxml seconds of namespace
    fixing, so the tables never become trees: their XML is written straight into document.xml.
    """
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                for n, rows in enumerate(tables):
                    at = text.index(PLACEHOLDER.format(n=n))
                    start, end = text.rindex("<w:p>", 0, at), text.index("</w:p>", at) + len("</w:p>")
                    table = table_string(widths_twips, header, rows, size_half_points)
                    text = text[:start] + table + text[end:]
                data = text.encode("utf-8")
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)


def add_table_placeholder(document, n=0):
    """Mark where save_with_tables() puts its n-th table."""
    document.add_paragraph(PLACEHOLDER.format(n=n))
    document.add_paragraph()


def restart_page_numbers(section):
    """Number this section's pages from 1 (a catalogue part starts its own pages)."""
    number = OxmlElement("w:pgNumType")
    number.set(qn("w:start"), "1")
    sect = section._sectPr
    # CT_SectPr's order: pgNumType goes after the page size and margins, before cols and docGrid.
    following = sect.find(qn("w:cols"))
    if following is None:
        following = sect.find(qn("w:docGrid"))
    if following is not None:
        following.addprevious(number)
    else:
        sect.append(number)
