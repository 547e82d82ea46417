"""Spreadsheet cells that hold exactly what was registered."""
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet


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
