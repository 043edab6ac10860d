"""What every spreadsheet the app writes or reads back shares: formula escaping and the .xlsx writer.

A cell starting with =, +, -, @, a tab or a carriage return is run as a formula by spreadsheets
(CSV/formula injection): every text the app writes passes through escape_formula.
"""

import re
from collections.abc import Iterable, Sequence

import openpyxl

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Control characters that XML 1.0 (and so .xlsx) cannot hold.
ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def escape_formula(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unescape_formula(value):
    """Undo escape_formula on a cell read back from one of our exports."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def xlsx_value(value):
    """A cell value as written to .xlsx: text escaped and stripped of what XML cannot hold."""
    if isinstance(value, str):
        return ILLEGAL_XML.sub("", escape_formula(value))
    return value


def write_xlsx(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]], target) -> None:
    """Sheets (title, headers, rows) streamed into an .xlsx at `target` (a path or a binary file).

    Write-only mode keeps memory flat whatever the number of rows; text never becomes a formula.
    """
    book = openpyxl.Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(str(title)[:31])
        sheet.append([xlsx_value(h) for h in headers])
        for row in rows:
            sheet.append([xlsx_value(v) for v in row])
    book.save(target)
