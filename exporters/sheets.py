"""Spreadsheet cells that hold exactly what was registered, in .xlsx and in .csv."""
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# A spreadsheet program reads a CSV cell beginning with one of these as a formula (OWASP,
# "CSV Injection"): "=", "+", "-", "@", and tab or carriage return, which some programs skip first.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def literal(sheet, value):
    """`value` ready for sheet.append(): text beginning with "=" stays text, never a live formula.

    openpyxl stores any string starting with "=" as a formula, so a title such as
    =HYPERLINK(…) typed into a form would run in whoever opens the catalogue.
    """
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    cell = WriteOnlyCell(sheet, value) if isinstance(sheet, WriteOnlyWorksheet) else Cell(sheet, value=value)
    cell.data_type = "s"
    return cell


def csv_cell(value):
    """`value` for a CSV cell: text a spreadsheet would run as a formula gets a leading "'".

    The apostrophe is what Excel, WPS and LibreOffice show for "this cell is text", so the
    cell reads as it was registered, as the .xlsx keeps it; numbers stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_row(values):
    """Every cell of a row made safe with csv_cell()."""
    return [csv_cell(value) for value in values]
