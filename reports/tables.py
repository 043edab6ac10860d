"""Aggregate tables as .xlsx (issue 17, item 2): what the three tables share.

Each table is a list of `Sheet`s: a title row naming the territory, year and source, a header row,
rows of numbers kept as numbers (Vietnamese number formats in the cell format), totals rows in bold
and a "Nguồn" note under the table. Every text goes through common.spreadsheets.xlsx_value, so none
runs as a formula. The tables themselves are built by reports.table_targets (Biểu 02),
reports.table_households (the household review) and reports.table_tasks (tasks).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from common.spreadsheets import xlsx_value

# Number formats written in the cell: "." between thousands and "," before decimals where the
# reader's spreadsheet follows the Vietnamese locale ([$-42A] is the Vietnamese locale tag).
INTEGER = "[$-42A]#,##0"
DECIMAL = "[$-42A]#,##0.00"
TEXT = "@"

HEADER_FILL = PatternFill("solid", fgColor="EEF2F6")
BOLD = Font(bold=True)


@dataclass
class Column:
    header: str
    number_format: str = ""  # INTEGER, DECIMAL, or "" for text
    width: int = 14


@dataclass
class Row:
    values: list
    total: bool = False  # a totals row (bold)


@dataclass
class Sheet:
    name: str  # the sheet's tab (at most 31 characters)
    title: str  # the first row: what, where, when
    columns: list[Column]
    rows: list[Row]
    source: str  # the "Nguồn" note under the table
    notes: list[str] = field(default_factory=list)  # more lines under the source


def _cell(sheet, value, *, number_format: str = "", bold: bool = False, header: bool = False):
    if isinstance(value, Decimal):
        value = float(value)
    cell = WriteOnlyCell(sheet, value=xlsx_value(value))
    if number_format and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = number_format
    if bold or header:
        cell.font = BOLD
    if header:
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def workbook(sheets: list[Sheet]) -> bytes:
    """The sheets as one .xlsx file, streamed (write-only): memory stays flat with the rows."""
    book = Workbook(write_only=True)
    for spec in sheets:
        sheet = book.create_sheet(spec.name[:31])
        for index, column in enumerate(spec.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A3"
        sheet.append([_cell(sheet, spec.title[:250], bold=True)])
        sheet.append([_cell(sheet, str(c.header), header=True) for c in spec.columns])
        for row in spec.rows:
            sheet.append([
                _cell(sheet, value, number_format=column.number_format, bold=row.total)
                for value, column in zip(row.values, spec.columns, strict=False)
            ])
        sheet.append([])
        sheet.append([_cell(sheet, f"{_('Nguồn')}: {spec.source}")])
        for note in spec.notes:
            sheet.append([_cell(sheet, note)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def percent(part, whole) -> float | None:
    """part / whole in %, rounded to two decimals (None when either is missing or whole is 0)."""
    if part is None or not whole:
        return None
    return round(part * 100 / whole, 2)

