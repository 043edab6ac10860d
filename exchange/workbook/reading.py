"""Reading plan workbook files: .xlsx, one sheet as .csv, a .zip or a folder of sheet CSVs.

Reading an uploaded file (`read_upload`) refuses hostile files before anything parses them,
through the one upload guard (common.uploads): over the size cap, content that is not what its
suffix says, a zip whose members inflate out of proportion (a zip bomb), XML with a DOCTYPE or
entities (openpyxl itself parses through defusedxml, which refuses them too).
Cell-level problems (wrong headers, formulas where values are expected) are reported like any
other error, by sheet, row and column, and nothing is written.
"""

import csv
import hashlib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import tablib
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from common import uploads
from common.spreadsheets import unescape_formula
from exchange.workbook.results import FORMULA_MESSAGE, Formula, RowError, SheetRows, WorkbookRefused, row_error
from exchange.workbook.sheets import (
    ACTUALS,
    ERROR_COLUMN,
    IGNORED_SHEETS,
    SHEET_TITLES,
    SHEETS,
    header_problems,
    sheet_for_name,
)
from plans.text import search_key

# ---------------------------------------------------------------------------------------------
# Reading files


def read_csv_folder(folder: Path) -> dict[str, tablib.Dataset]:
    sheets = {}
    for name in SHEETS:
        path = folder / f"{name}.csv"
        if path.exists():
            sheets[name] = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
    actuals = folder / f"{ACTUALS}.csv"
    if actuals.exists():
        sheets[ACTUALS] = _csv_sheet_rows(actuals)
    return sheets


@dataclass
class Workbook:
    """What a file holds: its sheets, and the problems found while reading them."""

    sheets: dict[str, tablib.Dataset | SheetRows]
    problems: list[RowError] = field(default_factory=list)
    unchecked: dict[str, tablib.Dataset | SheetRows] = field(default_factory=dict)  # sheets with wrong headers

    @property
    def rows_total(self) -> int:
        return sum(len(sheet) for sheet in self.sheets.values())


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def refusal_error(refusal: uploads.UploadRefused) -> WorkbookRefused:
    return WorkbookRefused(str(refusal))


def _check_utf8(path: Path) -> None:
    try:
        uploads.check_csv_text(path, name=path.name)
    except uploads.UploadRefused as refusal:
        raise refusal_error(refusal) from None


def inspect_file(path: Path, original_name: str) -> None:
    """Everything that refuses a file as a whole, before any sheet is parsed: the upload guard
    (common.uploads: size, type by content, zip bomb, XML entities, UTF-8), then the sheet's name."""
    try:
        suffix = uploads.check_upload(path, name=original_name, policy=uploads.PLAN_WORKBOOK)
    except uploads.UploadRefused as refusal:
        raise refusal_error(refusal) from None
    if suffix == ".csv" and sheet_for_name(Path(original_name).stem) is None:
        raise WorkbookRefused(_csv_name_message(original_name))


def _csv_name_message(name: str) -> str:
    names = ", ".join(_("“%(title)s.csv” hoặc “%(sheet)s.csv”") % {"title": title, "sheet": sheet}
                      for sheet, title in SHEET_TITLES.items())
    return _("Tệp bị từ chối: tên tệp CSV “%(name)s” phải là tên một sheet: %(names)s.") % {"name": name, "names": names}


def cell_text(value) -> object:
    """A cell as the resources expect it (as CSV gives it): text stripped and un-escaped, an empty
    cell as "", numbers and dates kept."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape_formula(value.strip())
    return value


def _is_blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


class SheetReader:
    """Turns raw rows (header first) into checked headers and (row number, values) pairs."""

    def __init__(self, sheet: str, problems: list[RowError]):
        self.sheet = sheet
        self.problems = problems
        self.headers: list[str] = []
        self.width = 0
        self.has_error_column = False
        self.streaming = False

    def read_header(self, raw: list) -> bool:
        headers = [str(v).strip() if v is not None else "" for v in raw]
        while headers and not headers[-1]:
            headers.pop()
        if headers and headers[-1] == ERROR_COLUMN:
            headers.pop()
            self.has_error_column = True
        self.headers, self.width = headers, len(headers)
        return not header_problems(self.sheet, headers, self.problems)

    def cells(self, row_number: int, raw: list, formula_types: list[bool] | None = None) -> list | None:
        if self.streaming and formula_types is None and len(raw) == self.width:
            # A CSV row of the bulk sheet (its checks strip cells themselves): most rows need no
            # cell-by-cell work here; one scan in C decides.
            joined = "\x1f".join(raw)
            if "=" not in joined and "'" not in joined and joined.strip("\x1f "):
                return raw
        if _is_blank(raw[: self.width]):
            return None
        values = []
        for index, value in enumerate(raw):
            if index >= self.width:
                if self.has_error_column and index == self.width:
                    continue
                if value is not None and str(value).strip():
                    self.problems.append(row_error(
                        self.sheet, row_number, get_column_letter(index + 1),
                        _("Ô có dữ liệu nằm ngoài các cột của mẫu (cột không có tiêu đề)."),
                    ))
                continue
            is_formula = formula_types[index] if formula_types else (isinstance(value, str) and value.startswith("="))
            values.append(Formula(value) if is_formula else cell_text(value))
        values.extend([""] * (self.width - len(values)))
        return values


def _to_dataset(sheet: str, reader: SheetReader, rows: Iterator[tuple[int, list, list | None]]) -> tablib.Dataset:
    """A reference sheet as a Dataset; formula cells are reported here and kept as text."""
    dataset = tablib.Dataset(headers=reader.headers)
    dataset.sheet_rows = []
    for row_number, raw, types in rows:
        values = reader.cells(row_number, raw, types)
        if values is None:
            continue
        for index, value in enumerate(values):
            if isinstance(value, Formula):
                reader.problems.append(row_error(
                    sheet, row_number, reader.headers[index], FORMULA_MESSAGE.format(formula=value),
                ))
                values[index] = str(value)
        dataset.append(values)
        dataset.sheet_rows.append(row_number)
    return dataset


def _xlsx_rows(path: Path, title: str, reader: SheetReader) -> Iterator[tuple[int, list, list]]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        worksheet = workbook[title]
        worksheet.reset_dimensions()  # trust the cells, not a declared (possibly huge) size
        for row_number, row in enumerate(worksheet.iter_rows(), start=1):
            if row_number == 1:
                continue
            yield row_number, [c.value for c in row], [c.data_type == "f" for c in row]
    finally:
        workbook.close()


def _from_defusedxml(error: BaseException | None) -> bool:
    while error is not None:
        if type(error).__module__.startswith("defusedxml"):
            return True
        error = error.__cause__ or error.__context__
    return False


def _unreadable(error: Exception) -> WorkbookRefused:
    if _from_defusedxml(error):
        return WorkbookRefused(_("Tệp bị từ chối: XML trong bảng tính có khai báo thực thể (DOCTYPE/ENTITY)."))
    return WorkbookRefused(_("Tệp bị từ chối: không đọc được bảng tính (%(error)s).") % {"error": type(error).__name__})


def _open_xlsx(path: Path):
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as error:  # defusedxml's refusals, broken parts, encrypted files
        raise _unreadable(error) from None


def _read_xlsx(path: Path) -> Workbook:
    workbook = Workbook(sheets={})
    book = _open_xlsx(path)
    try:
        titles = list(book.sheetnames)
        header_rows = {}
        sizes = {}
        for title in titles:
            worksheet = book[title]
            sizes[title] = worksheet.max_row or 0
            first = next(worksheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
            header_rows[title] = list(first)
    except WorkbookRefused:
        raise
    except Exception as error:
        raise _unreadable(error) from None
    finally:
        book.close()

    for title in titles:
        if search_key(title) in IGNORED_SHEETS:
            continue
        sheet = sheet_for_name(title)
        if sheet is None:
            workbook.problems.append(row_error(
                title, 0, "", _("Sheet “%(title)s” không có trong mẫu; đổi tên cho đúng hoặc xóa sheet này.") % {"title": title},
            ))
            continue
        if sheet in workbook.sheets:
            workbook.problems.append(row_error(
                sheet, 0, "", _("Sheet “%(title)s” xuất hiện hai lần.") % {"title": SHEET_TITLES[sheet]}))
            continue
        reader = SheetReader(sheet, workbook.problems)
        target = workbook.sheets
        if not reader.read_header(header_rows[title]):
            # Kept only to be given back in the error workbook; its cells are not checked.
            reader.problems, target = [], workbook.unchecked
        if sheet == ACTUALS:
            target[sheet] = _stream(reader, lambda t=title, r=reader: _xlsx_rows(path, t, r), sizes[title] - 1)
        else:
            target[sheet] = _to_dataset(sheet, reader, _xlsx_rows(path, title, reader))
    return workbook


def _stream(reader: SheetReader, raw_rows: Callable[[], Iterator[tuple[int, list, list | None]]], total: int) -> SheetRows:
    def open_rows() -> Iterator[tuple[int, list]]:
        reader.problems.clear()
        for row_number, raw, types in raw_rows():
            values = reader.cells(row_number, raw, types)
            if values is not None:
                yield row_number, values

    reader.problems = []
    reader.streaming = True
    return SheetRows(headers=reader.headers, open_rows=open_rows, total=max(total, 0), problems=reader.problems)


def _csv_dialect(first_line: str) -> str:
    # Excel set to Vietnamese writes ";" between cells (the comma is the decimal separator).
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _csv_raw_rows(path: Path, skip_header: bool = True) -> Iterator[tuple[int, list, None]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        delimiter = _csv_dialect(f.readline())
        f.seek(0)
        for row_number, row in enumerate(csv.reader(f, delimiter=delimiter), start=1):
            if row_number == 1 and skip_header:
                continue
            yield row_number, row, None


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        line = f.readline()
        return next(csv.reader([line], delimiter=_csv_dialect(line)), [])


def _csv_sheet_rows(path: Path) -> SheetRows:
    """The actuals CSV of a folder (load_cascade), as a stream; headers are checked on import."""
    headers = [h.strip() for h in _csv_header(path)]
    reader = SheetReader(ACTUALS, [])
    reader.headers, reader.width = headers, len(headers)
    return _stream(reader, lambda: _csv_raw_rows(path), _count_lines(path) - 1)


def _read_csv(path: Path, sheet: str, workbook: Workbook) -> None:
    reader = SheetReader(sheet, workbook.problems)
    target = workbook.sheets
    if not reader.read_header(_csv_header(path)):
        reader.problems, target = [], workbook.unchecked
    if sheet == ACTUALS:
        target[sheet] = _stream(reader, lambda: _csv_raw_rows(path), _count_lines(path) - 1)
    else:
        target[sheet] = _to_dataset(sheet, reader, _csv_raw_rows(path))


def read_upload(path: Path, original_name: str) -> Workbook:
    """Check and read an uploaded .xlsx, .csv (one sheet, named by the file) or .zip of sheet CSVs.

    Raises WorkbookRefused for a file refused as a whole; other problems come back in `problems`.
    """
    inspect_file(path, original_name)
    suffix = Path(original_name).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    workbook = Workbook(sheets={})
    if suffix == ".csv":
        _read_csv(path, sheet_for_name(Path(original_name).stem), workbook)
        return workbook
    # A bundle of sheet CSVs (several CSV files uploaded together are stored as one zip).
    folder = path.with_suffix(".d")
    folder.mkdir(exist_ok=True)
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            name = Path(member.filename).name
            sheet = sheet_for_name(Path(name).stem)
            if sheet is None:
                raise WorkbookRefused(_csv_name_message(name))
            target = folder / f"{sheet}.csv"
            with archive.open(member) as source, target.open("wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
            _check_utf8(target)
            _read_csv(target, sheet, workbook)
    return workbook


def bundle_csv_files(files: list[tuple[str, bytes | Path]], target: Path) -> None:
    """Several sheet CSVs uploaded together, kept as one zip so that they import as one workbook."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            if isinstance(content, Path):
                archive.write(content, arcname=Path(name).name)
            else:
                archive.writestr(Path(name).name, content)
