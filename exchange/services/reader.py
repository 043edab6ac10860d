"""Read the tables of an uploaded appendix: every sheet of an .xlsx, every table of a .docx.

A table is its rows of cell texts. Merged cells read as people see them: a cell merged across
columns (a group heading "I. NHÓM NHIỆM VỤ ...") keeps its text in its first column only; a cell
merged down several rows (one lead agency for three tasks) is repeated on each row. Line breaks
inside a cell are kept ("Sở A\nSở B").
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from common.uploads import refuse

MAX_ROWS = 3_000
MAX_COLUMNS = 40
MAX_DOCX_XML_BYTES = 64 * 1024 * 1024


class ReaderRefused(Exception):
    """The file holds no table to import. str() is the Vietnamese message."""


@dataclass
class Table:
    label: str  # "Sheet “Phụ lục”" / "Bảng 2"
    rows: list[list[str]]

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def preview(self, count: int = 4) -> list[list[str]]:
        return [row for row in self.rows if any(row)][:count]


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    lines = (" ".join(line.split()) for line in str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def _trimmed(rows: list[list[str]]) -> list[list[str]]:
    """Drop empty trailing columns and rows; pad every row to the same width."""
    width = max((max((i + 1 for i, cell in enumerate(row) if cell), default=0) for row in rows), default=0)
    rows = [(row + [""] * width)[:width] for row in rows]
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _too_large(what: str, rows: int) -> ReaderRefused:
    return ReaderRefused(_("%(what)s có hơn %(max_rows)s dòng, quá lớn cho một phụ lục.") % {"what": what, "max_rows": rows})


def _check_xlsx_size(path: Path, name: str) -> None:
    """Count the rows streaming first: the full load below (for merged cells) holds the whole sheet."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise refuse(name, _("tệp hỏng, không đọc được như %(what)s.") % {"what": _("bảng tính .xlsx")}) from None
    try:
        for sheet in book.worksheets:
            for count, _row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1):
                if count > MAX_ROWS:
                    raise _too_large(_("Sheet “%(sheet)s”") % {"sheet": sheet.title}, MAX_ROWS)
    finally:
        book.close()


def _xlsx_tables(path: Path, name: str) -> list[Table]:
    import openpyxl  # parses through defusedxml, which is installed

    _check_xlsx_size(path, name)
    try:
        book = openpyxl.load_workbook(path, data_only=True)  # not read-only: merged ranges are needed
    except Exception:  # broken parts, encrypted files, defusedxml's refusals
        raise refuse(name, _("tệp hỏng, không đọc được như %(what)s.") % {"what": _("bảng tính .xlsx")}) from None
    tables = []
    for sheet in book.worksheets:
        width = min(sheet.max_column, MAX_COLUMNS)  # styles may reach far to the right; text does not
        rows = [[_text(cell) for cell in row] for row in sheet.iter_rows(max_row=MAX_ROWS, max_col=width, values_only=True)]
        for merged in sheet.merged_cells.ranges:
            top, left = merged.min_row - 1, merged.min_col - 1
            if top >= len(rows) or left >= len(rows[top]):
                continue
            value = rows[top][left]
            for r in range(top + 1, min(merged.max_row, len(rows))):
                rows[r][left] = value  # merged down: the same for each row
        rows = _trimmed(rows)
        if rows and any(any(row) for row in rows):
            tables.append(Table(_("Sheet “%(sheet)s”") % {"sheet": sheet.title}, rows))
    return tables


def _docx_tables(path: Path, name: str) -> list[Table]:
    import zipfile

    import docx

    with zipfile.ZipFile(path) as archive:
        if "word/document.xml" not in archive.namelist():
            raise refuse(name, _("tệp hỏng, không đọc được như %(what)s.") % {"what": _("văn bản Word .docx")})
        if archive.getinfo("word/document.xml").file_size > MAX_DOCX_XML_BYTES:
            raise ReaderRefused(_("Văn bản “%(name)s” quá lớn để đọc bảng phụ lục (phần nội dung vượt %(limit)s MB); "
                                  "hãy tách phụ lục ra một tệp riêng.") % {"name": Path(name).name, "limit": MAX_DOCX_XML_BYTES // 2**20})
    try:
        document = docx.Document(str(path))
    except Exception:
        raise refuse(name, _("tệp hỏng, không đọc được như %(what)s.") % {"what": _("văn bản Word .docx")}) from None
    tables = []
    for number, table in enumerate(document.tables, start=1):
        rows = []
        for row in table.rows[:MAX_ROWS + 1]:
            cells = row.cells[:MAX_COLUMNS]
            texts = []
            for i, cell in enumerate(cells):
                # python-docx repeats a cell merged across columns; merged down rows it gives the top cell.
                texts.append("" if i and cell._tc is cells[i - 1]._tc else _text(cell.text))
            rows.append(texts)
        if len(rows) > MAX_ROWS:
            raise _too_large(_("Bảng %(number)s") % {"number": number}, MAX_ROWS)
        rows = _trimmed(rows)
        if rows and any(any(row) for row in rows):
            tables.append(Table(_("Bảng %(number)s") % {"number": number}, rows))
    return tables


def read_tables(path: Path, name: str) -> list[Table]:
    """The tables of a checked upload (common.uploads.PLAN_APPENDIX). Raises ReaderRefused when
    there is none, UploadRefused when the file does not read."""
    suffix = Path(name).suffix.lower()
    tables = _docx_tables(path, name) if suffix == ".docx" else _xlsx_tables(path, name)
    if not tables:
        raise ReaderRefused(
            _("Tệp “%(name)s” không có bảng nào. Phụ lục nhiệm vụ phải là một bảng: một sheet Excel, "
              "hoặc một bảng trong văn bản Word (không phải đoạn văn hay ảnh chụp).") % {"name": Path(name).name}
        )
    return tables
