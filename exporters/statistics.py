"""Statistics tables to an XLSX workbook: plain data in, bytes out (no Flask, no database)."""
import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .sheets import literal

# Excel refuses sheet titles longer than 31 characters or containing these.
FORBIDDEN = set('[]:*?/\\')


def sheet_title(title):
    """A title Excel accepts."""
    return "".join(c for c in title if c not in FORBIDDEN)[:31] or "Sheet"


def write(tables, title=""):
    """One sheet per (title, header, rows) table; return the workbook's bytes."""
    book = Workbook()
    book.remove(book.active)
    book.properties.title = title
    for name, header, rows in tables:
        sheet = book.create_sheet(sheet_title(name))
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([literal(sheet, value) for value in row])
        for index, column in enumerate(zip(header, *rows), start=1):
            width = max(len(str(value)) * (2 if not str(value).isascii() else 1) for value in column)
            sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 50)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
