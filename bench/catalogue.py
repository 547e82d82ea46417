"""Benchmark 2: the filing catalogue .docx for 10,000 items, against python-docx's add_row()."""
import datetime as dt
import random
import shutil
import time

from docx import Document
from docx.enum.section import WD_SECTION
from docx.shared import Pt

from exporters import catalogue
from exporters.docx_base import new_document
from exporters.records import Fonds, Item

from .common import Report, growth, scratch
from .data import SUBJECTS, title

FONDS = Fonds(fonds_code="J001", body_code="YQFK", body_name="区新冠肺炎疫情防控工作指挥部")


def items(count):
    """`count` catalogue items with varied, realistic values."""
    rng = random.Random(count)
    result = []
    for n in range(count):
        date = dt.date(2026, 1, 1) + dt.timedelta(days=n % 300)
        retention = ("Y", "D30", "D10")[n % 3]
        result.append(Item(
            seq=n + 1, reference_code=f"J001-WS·2026-{retention}-BGS-{n // 3 + 1:04d}",
            fonds_code="J001", body_name=FONDS.body_name, record_class="WS", year=2026,
            retention=retention, category_code="BGS", category_name="办公室", item_number=n // 3 + 1,
            doc_number=f"区疫指〔2026〕{n + 1}号" if n % 2 else "", responsible="区疫情防控工作指挥部",
            title=title(rng) + ("（" + SUBJECTS[n % len(SUBJECTS)] + " & <附件>）" if n % 7 == 0 else ""),
            date=date, pages=1 + n % 12, security="内部" if n % 11 == 0 else "",
            carrier="electronic", status="registered", remarks="" if n % 5 else "有附件",
            title_supplied=n % 13 == 0))
    return result


def add_row_baseline(path, fonds, items):
    """The same document written the python-docx way: per part the same cover as ours, then a
    table filled with add_row(), cell by cell; only the tables are made differently."""
    document = new_document(landscape=True)
    for n, (key, members) in enumerate(catalogue.parts(items)):
        if n:
            document.add_section(WD_SECTION.NEW_PAGE)
        catalogue.part_cover(document, fonds, members, key)
        table = document.add_table(rows=1, cols=len(catalogue.COLUMNS))
        table.style = "Table Grid"
        for cell, heading in zip(table.rows[0].cells, catalogue.COLUMNS):
            cell.text = heading
            cell.paragraphs[0].runs[0].bold = True
        for item in members:
            cells = table.add_row().cells
            for cell, value in zip(cells, catalogue.row(item)):
                cell.text = value
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(10)
    document.save(path)


def table_rows(path):
    """Every row of the document's tables (one per part), as lists of cell texts."""
    return [[cell.text for cell in row.cells] for table in Document(path).tables for row in table.rows]


def timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def run(quick=False, size=None):
    """Print the catalogue's time against add_row() and check both hold the same rows."""
    size = size or (400 if quick else 10_000)
    report = Report(f"Catalogue: 归档文件目录 .docx for {size:,} items vs python-docx add_row()")
    work = scratch("catalogue")
    data = items(size)
    ours = min(timed(catalogue.write_docx, work / "ours.docx", FONDS, data) for _ in range(3))
    baseline = timed(add_row_baseline, work / "baseline.docx", FONDS, data)
    report.ratio("catalogue .docx (≥ 10× faster)", ours, baseline, 0.1)
    same = table_rows(work / "ours.docx") == table_rows(work / "baseline.docx")
    report.check("same rows and cells (read back by python-docx)", same)
    growth(report, "growth of ours, seconds", lambda n: min(
        timed(catalogue.write_docx, work / "g.docx", FONDS, items(n)) for _ in range(2)),
        [size // 4, size // 2, size])
    shutil.rmtree(work)
    return report.passed
