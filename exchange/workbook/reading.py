"""The plan workbook: its sheets, in load order, imported all-or-nothing.

One path for every import of plans: `load_cascade` (the seed CSVs), the admin, the workbook
upload page and `manage.py import_workbook` all go through `import_workbook`. The reference
sheets go row by row through the django-import-export resources; the actuals sheet, which may
hold every commune's yearly figures, goes through the bulk path (indicators.bulk_actuals).

Reading an uploaded file (`read_upload`) refuses hostile files before anything parses them,
through the one upload guard (common.uploads): over the size cap, content that is not what its
suffix says, a zip whose members inflate out of proportion (a zip bomb), XML with a DOCTYPE or
entities (openpyxl itself parses through defusedxml, which refuses them too).
Cell-level problems (wrong headers, formulas where values are expected) are reported like any
other error, by sheet, row and column, and nothing is written.
"""

import csv
import hashlib
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import tablib
from django.conf import settings
from django.core.files import File
from django.db import connection, connections, transaction
from django.utils import timezone
from import_export.resources import ModelResource
from openpyxl.utils import get_column_letter

from common import uploads
from indicators.dimension_resources import DimensionOptionResource
from indicators.resources import ActualResource, IndicatorResource, TargetResource
from plans.group_resources import UnitGroupMemberResource, UnitGroupResource
from plans.models import ImportRecord, ImportStatus
from plans.resources import (
    AgencyResource,
    AgencySuccessionResource,
    DocumentBasisResource,
    DocumentResource,
    TaskResource,
    unescape_formula,
)
from plans.text import search_key

# Sheet name (also the CSV file stem) -> resource, in the order references need.
SHEETS: dict[str, type[ModelResource]] = {
    "agencies": AgencyResource,
    "agency_successions": AgencySuccessionResource,
    "documents": DocumentResource,
    "document_bases": DocumentBasisResource,
    "dimensions": DimensionOptionResource,
    "indicators": IndicatorResource,
    "tasks": TaskResource,
    "unit_groups": UnitGroupResource,
    "unit_group_members": UnitGroupMemberResource,
    "targets": TargetResource,
}
# Reported figures come last (they reference indicators) and go through the bulk path.
ACTUALS = "actuals"
RESOURCES: dict[str, type[ModelResource]] = {**SHEETS, ACTUALS: ActualResource}

SHEET_TITLES = {
    "agencies": "Cơ quan",
    "agency_successions": "Kế thừa cơ quan",
    "documents": "Văn bản",
    "document_bases": "Căn cứ",
    "dimensions": "Chiều phân tổ",
    "indicators": "Chỉ số",
    "tasks": "Nhiệm vụ",
    "unit_groups": "Nhóm địa bàn",
    "unit_group_members": "Đơn vị trong nhóm",
    "targets": "Chỉ tiêu",
    ACTUALS: "Số liệu thực hiện",
}
# Sheets of our template and of our error workbook that carry no data.
GUIDE_TITLE = "Hướng dẫn"
LISTS_TITLE = "Danh mục"
ERROR_LIST_TITLE = "Danh sách lỗi"
IGNORED_SHEETS = {search_key(t) for t in (GUIDE_TITLE, LISTS_TITLE, ERROR_LIST_TITLE)}
# The error workbook adds this column; a re-uploaded fixed workbook may still carry it.
ERROR_COLUMN = "Lỗi"

MAX_ERRORS_KEPT = 10_000
# Checks other apps add to the preview (quality: the data-quality rules), each called with the sheets
# and returning (warnings, blocking errors) as RowErrors; warnings are kept beside the errors.
PREVIEW_CHECKS: list[Callable[[dict], tuple[list["RowError"], list["RowError"]]]] = []
MAX_CHANGES_KEPT = 500


def max_upload_bytes() -> int:
    return uploads.PLAN_WORKBOOK.max_bytes()


def sheet_headers(name: str) -> list[str]:
    return [f.column_name for f in RESOURCES[name]().get_export_fields()]


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class RowError:
    sheet: str
    row: int  # the spreadsheet row: the header is row 1, the first data row is row 2
    message: str  # as shown on the command line: "column: message" when the column is known
    column: str = ""

    @property
    def detail(self) -> str:
        """The message without the column in front of it (the preview shows the column apart)."""
        prefix = f"{self.column}: "
        return self.message[len(prefix):] if self.column and self.message.startswith(prefix) else self.message

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.detail}


def row_error(sheet: str, row: int, column: str, message: str) -> RowError:
    return RowError(sheet, row, f"{column}: {message}" if column else message, column)


@dataclass
class RowChange:
    """One existing record the import changes: its key and each changed column, before and after."""

    sheet: str
    row: int
    key: str
    fields: list[tuple[str, str, str]]

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "key": self.key, "fields": [list(f) for f in self.fields]}


@dataclass
class SheetTotals:
    new: int = 0
    update: int = 0
    skip: int = 0
    error: int = 0

    def as_dict(self) -> dict:
        return {"new": self.new, "changed": self.update, "unchanged": self.skip, "wrong": self.error}


@dataclass
class WorkbookResult:
    totals: dict[str, SheetTotals] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    changes: list[RowChange] = field(default_factory=list)
    error_count: int = 0  # every error, also those beyond MAX_ERRORS_KEPT

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or self.error_count > 0

    @property
    def changed(self) -> int:
        return sum(t.new + t.update for t in self.totals.values())

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)


class _RollBack(Exception):
    """Raised inside the transaction to undo a dry run or a workbook with errors."""


class WorkbookRefused(Exception):
    """The file is refused as a whole (size, zip bomb, XML tricks, not a workbook); nothing was read."""


# ---------------------------------------------------------------------------------------------
# Sheets read as streams


@dataclass
class SheetRows:
    """A sheet too large for a Dataset: its headers and a way to walk its (row number, values) again."""

    headers: list[str]
    open_rows: Callable[[], Iterator[tuple[int, list]]]
    total: int
    problems: list[RowError] = field(default_factory=list)  # found while walking the rows

    def __len__(self) -> int:
        return self.total


class Formula(str):
    """A cell that holds a formula where a value is expected (the bulk path reports it)."""


FORMULA_MESSAGE = "Ô chứa công thức ({formula}); hãy dán giá trị thay cho công thức."


def dataset_rows(dataset: tablib.Dataset) -> Iterator[tuple[int, list]]:
    numbers = getattr(dataset, "sheet_rows", None)
    for index, row in enumerate(dataset):
        yield (numbers[index] if numbers else index + 2), list(row)


def _row_number(dataset, index: int) -> int:
    """The spreadsheet row of the dataset's `index`-th row (1-based, as import-export counts)."""
    numbers = getattr(dataset, "sheet_rows", None)
    return numbers[index - 1] if numbers and 0 < index <= len(numbers) else index + 1


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


def sheet_for_name(name: str) -> str | None:
    """The sheet a worksheet title or a CSV file stem names: `documents`, `Văn bản`, `van-ban`."""
    key = search_key(name.replace("_", " ").replace("-", " "))
    for sheet, title in SHEET_TITLES.items():
        if key in {search_key(sheet.replace("_", " ")), search_key(title.replace(",", ""))}:
            return sheet
    return None


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _refused(refusal: uploads.UploadRefused) -> WorkbookRefused:
    return WorkbookRefused(str(refusal))


def _check_utf8(path: Path) -> None:
    try:
        uploads.check_csv_text(path, name=path.name)
    except uploads.UploadRefused as refusal:
        raise _refused(refusal) from None


def inspect_file(path: Path, original_name: str) -> None:
    """Everything that refuses a file as a whole, before any sheet is parsed: the upload guard
    (common.uploads: size, type by content, zip bomb, XML entities, UTF-8), then the sheet's name."""
    try:
        suffix = uploads.check_upload(path, name=original_name, policy=uploads.PLAN_WORKBOOK)
    except uploads.UploadRefused as refusal:
        raise _refused(refusal) from None
    if suffix == ".csv" and sheet_for_name(Path(original_name).stem) is None:
        raise WorkbookRefused(_csv_name_message(original_name))


def _csv_name_message(name: str) -> str:
    names = ", ".join(f"“{title}.csv” hoặc “{sheet}.csv”" for sheet, title in SHEET_TITLES.items())
    return f"Tệp bị từ chối: tên tệp CSV “{name}” phải là tên một sheet: {names}."


def _cell_text(value) -> object:
    """A cell as the resources expect it (as CSV gives it): text stripped and un-escaped, an empty
    cell as "", numbers and dates kept."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape_formula(value.strip())
    return value


def _is_blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


class _SheetReader:
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
                        "Ô có dữ liệu nằm ngoài các cột của mẫu (cột không có tiêu đề).",
                    ))
                continue
            is_formula = formula_types[index] if formula_types else (isinstance(value, str) and value.startswith("="))
            values.append(Formula(value) if is_formula else _cell_text(value))
        values.extend([""] * (self.width - len(values)))
        return values


def header_problems(sheet: str, headers: list[str], problems: list[RowError]) -> bool:
    """Report headers that are not the template's: missing, unknown or repeated. True when any."""
    expected = sheet_headers(sheet)
    found = False
    seen = set()
    for index, header in enumerate(headers):
        letter = get_column_letter(index + 1)
        if header in seen:
            problems.append(row_error(sheet, 1, letter, f"Tiêu đề cột “{header}” bị lặp."))
            found = True
        elif header not in expected:
            problems.append(row_error(
                sheet, 1, letter,
                f"Tiêu đề cột “{header}” không có trong mẫu của sheet “{SHEET_TITLES[sheet]}”.",
            ))
            found = True
        seen.add(header)
    optional = set(getattr(RESOURCES[sheet], "OPTIONAL_COLUMNS", ()))  # columns added later: blank when absent
    missing = [h for h in expected if h not in seen and h not in optional]
    if missing:
        problems.append(row_error(
            sheet, 1, "", f"Thiếu cột: {', '.join(f'“{h}”' for h in missing)} (tải mẫu mới để xem đủ các cột).",
        ))
        found = True
    return found


def _to_dataset(sheet: str, reader: _SheetReader, rows: Iterator[tuple[int, list, list | None]]) -> tablib.Dataset:
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


def _xlsx_rows(path: Path, title: str, reader: _SheetReader) -> Iterator[tuple[int, list, list]]:
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
        return WorkbookRefused("Tệp bị từ chối: XML trong bảng tính có khai báo thực thể (DOCTYPE/ENTITY).")
    return WorkbookRefused(f"Tệp bị từ chối: không đọc được bảng tính ({type(error).__name__}).")


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
                title, 0, "", f"Sheet “{title}” không có trong mẫu; đổi tên cho đúng hoặc xóa sheet này.",
            ))
            continue
        if sheet in workbook.sheets:
            workbook.problems.append(row_error(sheet, 0, "", f"Sheet “{SHEET_TITLES[sheet]}” xuất hiện hai lần."))
            continue
        reader = _SheetReader(sheet, workbook.problems)
        target = workbook.sheets
        if not reader.read_header(header_rows[title]):
            # Kept only to be given back in the error workbook; its cells are not checked.
            reader.problems, target = [], workbook.unchecked
        if sheet == ACTUALS:
            target[sheet] = _stream(reader, lambda t=title, r=reader: _xlsx_rows(path, t, r), sizes[title] - 1)
        else:
            target[sheet] = _to_dataset(sheet, reader, _xlsx_rows(path, title, reader))
    return workbook


def _stream(reader: _SheetReader, raw_rows: Callable[[], Iterator[tuple[int, list, list | None]]], total: int) -> SheetRows:
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
    reader = _SheetReader(ACTUALS, [])
    reader.headers, reader.width = headers, len(headers)
    return _stream(reader, lambda: _csv_raw_rows(path), _count_lines(path) - 1)


def _read_csv(path: Path, sheet: str, workbook: Workbook) -> None:
    reader = _SheetReader(sheet, workbook.problems)
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


# ---------------------------------------------------------------------------------------------
# Importing


def _columns(resource: ModelResource) -> dict[str, str]:
    columns = {}
    for name, resource_field in resource.fields.items():
        columns[name] = resource_field.column_name
        if resource_field.attribute:
            columns.setdefault(resource_field.attribute, resource_field.column_name)
    return columns


def _collect_errors(sheet: str, dataset, resource: ModelResource, result) -> list[RowError]:
    columns = _columns(resource)
    errors = []
    for row_number, row_errors in result.row_errors():
        for error in row_errors:
            errors.append(RowError(sheet, _row_number(dataset, row_number), str(error.error)))
    for invalid in result.invalid_rows:
        for field_name, messages in invalid.error_dict.items():
            column = columns.get(field_name, "") if field_name != "__all__" else ""
            for message in messages:
                errors.append(row_error(sheet, _row_number(dataset, invalid.number), column, message))
    for error in result.base_errors:
        errors.append(RowError(sheet, 0, str(error.error)))
    return errors


def _key_text(resource: ModelResource, row) -> str:
    return " · ".join(str(row.get(resource.fields[f].column_name) or "") for f in resource.get_import_id_fields())


def _collect_changes(sheet: str, dataset, resource: ModelResource, result) -> list[RowChange]:
    columns = [f.column_name for f in resource.get_import_fields()]
    changes = []
    for index, row_result in enumerate(result.rows, start=1):
        if row_result.import_type != "update":
            continue
        pairs = getattr(row_result.diff, "pairs", None) or []
        fields = [(column, before, after) for column, (before, after) in zip(columns, pairs) if before != after]
        if fields:
            row = dict(zip(dataset.headers, dataset[index - 1]))
            changes.append(RowChange(sheet, _row_number(dataset, index), _key_text(resource, row), fields))
    return changes


def _import_sheet(name: str, dataset, *, user, result: WorkbookResult, import_record=None) -> list[RowError]:
    resource = SHEETS[name]()
    sheet_result = resource.import_data(
        dataset, dry_run=False, raise_errors=False, use_transactions=False, collect_failed_rows=True, user=user,
        import_record=import_record,
    )
    totals = sheet_result.totals
    result.totals[name] = SheetTotals(new=totals.get("new", 0), update=totals.get("update", 0), skip=totals.get("skip", 0))
    for change in _collect_changes(name, dataset, resource, sheet_result):
        if len(result.changes) < MAX_CHANGES_KEPT:
            result.changes.append(change)
    return _collect_errors(name, dataset, resource, sheet_result)


def _as_stream(sheet) -> SheetRows:
    if isinstance(sheet, SheetRows):
        return sheet
    return SheetRows(headers=list(sheet.headers), open_rows=lambda: dataset_rows(sheet), total=len(sheet))


def import_workbook(
    sheets: dict[str, tablib.Dataset | SheetRows],
    *,
    dry_run: bool = False,
    user=None,
    problems: list[RowError] | None = None,
    progress: Callable[[int, int], None] | None = None,
    reason: str = "",
    import_record: ImportRecord | None = None,
) -> WorkbookResult:
    """Import the sheets in load order, in one transaction: everything or nothing.

    A dry run, or any error in any sheet (including `problems` found while reading the file),
    rolls everything back; the result still says, per sheet, how many rows are new, changed,
    unchanged or wrong, what each changed row changes, and lists every error. The figures written
    name `import_record` as the import they came in by.
    """
    from indicators.bulk_actuals import import_actuals

    result = WorkbookResult()
    reported = set()
    for problem in problems or []:
        result.add_error(problem)
        reported.add((problem.sheet, problem.row, problem.column))
    total = sum(len(sheet) for sheet in sheets.values())
    done = 0
    try:
        with transaction.atomic():
            for name in RESOURCES:
                if name not in sheets:
                    continue
                headers = list(sheets[name].headers or [])
                header_errors: list[RowError] = []
                if header_problems(name, headers, header_errors):
                    for error in header_errors:
                        if (error.sheet, error.row, error.column) not in reported:
                            result.add_error(error)
                    continue
                if name == ACTUALS:
                    bulk = import_actuals(
                        _as_stream(sheets[name]), user=user, write=not dry_run and not result.has_errors,
                        reason=reason, progress=(lambda n: progress(done + n, total)) if progress else None,
                        import_record=import_record,
                    )
                    result.totals[name] = SheetTotals(new=bulk.new, update=bulk.changed, skip=bulk.unchanged, error=bulk.wrong)
                    errors = bulk.errors
                    result.error_count += bulk.error_count - len(bulk.errors)
                    for change in bulk.changes:
                        if len(result.changes) < MAX_CHANGES_KEPT:
                            result.changes.append(change)
                else:
                    errors = _import_sheet(name, sheets[name], user=user, result=result, import_record=import_record)
                for error in errors:
                    if (error.sheet, error.row, error.column) not in reported:
                        result.add_error(error)
                if transaction.get_connection().needs_rollback:
                    # A database error (a constraint the checks missed) ends the transaction.
                    result.add_error(RowError(name, 0, "Lỗi cơ sở dữ liệu ở sheet này; các sheet sau chưa được kiểm tra."))
                    raise _RollBack
                done += len(sheets[name])
                if progress:
                    progress(done, total)
            for name, totals in result.totals.items():
                if name != ACTUALS:
                    totals.error = len({e.row for e in result.errors if e.sheet == name and e.row > 1})
            if dry_run or result.has_errors:
                raise _RollBack
    except _RollBack:
        pass
    return result


# ---------------------------------------------------------------------------------------------
# Import records: upload, check (preview), apply; in the request or in a worker process

# Above this many rows, checking and applying run in a worker process (see launch_worker).
BACKGROUND_ROWS = 5_000


def store_upload(*, user, files: list) -> ImportRecord:
    """Check the uploaded file(s) and keep them as an ImportRecord (status CHECKING).

    Several files must all be sheet CSVs; they are kept together as one zip. Raises
    WorkbookRefused, having written nothing, for a file refused as a whole.
    """
    if not files:
        raise WorkbookRefused("Hãy chọn một tệp .xlsx hoặc các tệp .csv.")
    names = [Path(upload.name).name for upload in files]
    try:
        uploads.check_size(sum(upload.size for upload in files), name=", ".join(names), limit=max_upload_bytes())
    except uploads.UploadRefused as refusal:
        raise _refused(refusal) from None
    with tempfile.TemporaryDirectory(prefix="povertyplan-upload-") as folder:
        saved = []
        for name, upload in zip(names, files):
            path = Path(folder) / f"{len(saved)}{Path(name).suffix.lower()}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            saved.append((name, path))
        if len(saved) > 1:
            if not all(name.lower().endswith(".csv") for name in names):
                raise WorkbookRefused("Khi tải nhiều tệp cùng lúc, tất cả phải là tệp .csv (mỗi sheet một tệp).")
            for name, path in saved:
                inspect_file(path, name)
            bundle = Path(folder) / "bundle.zip"
            bundle_csv_files([(name, path) for name, path in saved], bundle)
            path, reading_name, file_name = bundle, "bundle.zip", ", ".join(names)[:255]
        else:
            (file_name, path), reading_name = saved[0], saved[0][0]
        workbook = read_upload(path, reading_name)
        record = ImportRecord(
            user=user if user is not None and user.is_authenticated else None,
            file_name=file_name, checksum=file_checksum(path), size=path.stat().st_size,
            rows_total=workbook.rows_total,
        )
        with path.open("rb") as handle:
            record.file.save(Path(reading_name).name, File(handle), save=False)
        record.save()
    return record


def stored_path(record: ImportRecord) -> tuple[Path, str]:
    """The stored file and the name to read it by (a single CSV is named by its sheet)."""
    path = Path(record.file.path)
    return path, (record.file_name if path.suffix.lower() == ".csv" else path.name)


def _store_result(record: ImportRecord, result: WorkbookResult) -> None:
    record.counts = {name: totals.as_dict() for name, totals in result.totals.items()}
    record.changes = [change.as_dict() for change in result.changes]
    record.errors = [error.as_dict() for error in result.errors]
    record.error_count = result.error_count


def check_record(record: ImportRecord, *, workbook: Workbook | None = None, progress=None) -> ImportRecord:
    """The preview: import everything in a transaction that is always rolled back."""
    try:
        if workbook is None:
            workbook = read_upload(*stored_path(record))
        with worker_lease(record.pk):
            result = import_workbook(workbook.sheets, dry_run=True, user=record.user, problems=workbook.problems, progress=progress)
    except WorkbookRefused as refusal:
        record.status, record.message = ImportStatus.FAILED, str(refusal)
        record.save()
        return record
    warnings = []
    for check in PREVIEW_CHECKS:
        found, blocking = check(workbook.sheets)
        warnings += found
        for error in blocking:
            result.add_error(error)
    _store_result(record, result)
    record.errors += [{**warning.as_dict(), "warning": True} for warning in warnings[:MAX_ERRORS_KEPT]]
    record.status, record.checked_at, record.message = ImportStatus.CHECKED, timezone.now(), ""
    record.rows_done = record.rows_total = max(record.rows_total, workbook.rows_total)
    record.save()
    return record


class NotApplicable(Exception):
    """The record cannot be applied (already applied, still running, or it has errors)."""


def claim_for_apply(record_id: int, *, user) -> ImportRecord:
    """Mark a checked, error-free record as being applied; refuses a second confirmation."""
    with transaction.atomic():
        record = ImportRecord.objects.select_for_update().get(pk=record_id)
        if record.status == ImportStatus.APPLIED:
            raise NotApplicable("Tệp này đã được ghi rồi; tải lên lại nếu muốn nhập lần nữa.")
        if record.status != ImportStatus.CHECKED:
            raise NotApplicable("Chỉ ghi được tệp đã kiểm tra xong.")
        if record.error_count:
            raise NotApplicable("Tệp còn lỗi: sửa rồi tải lên lại; không ghi gì.")
        record.status, record.rows_done, record.message = ImportStatus.APPLYING, 0, ""
        if user is not None and user.is_authenticated:
            record.user = user
        record.save()
    return record


def apply_record(record: ImportRecord, *, progress=None) -> ImportRecord:
    """Write everything or nothing. Checked again: the data may have changed since the preview."""
    try:
        path, name = stored_path(record)
        if file_checksum(path) != record.checksum:
            raise WorkbookRefused("Tệp đã lưu không còn khớp mã kiểm tra; hãy tải lên lại.")
        workbook = read_upload(path, name)
        with worker_lease(record.pk):
            result = import_workbook(
                workbook.sheets, user=record.user, problems=workbook.problems, progress=progress,
                reason=f"Nhập từ tệp {record.file_name}"[:300], import_record=record,
            )
    except WorkbookRefused as refusal:
        record.status, record.message = ImportStatus.FAILED, str(refusal)
        record.save()
        return record
    _store_result(record, result)
    record.rows_done = record.rows_total = max(record.rows_total, workbook.rows_total)
    if result.has_errors:
        record.status = ImportStatus.CHECKED
        record.message = "Dữ liệu đã thay đổi từ lúc kiểm tra và tệp nay có lỗi; không ghi gì."
    else:
        record.status, record.applied_at = ImportStatus.APPLIED, timezone.now()
    record.save()
    return record


# A worker (a process, or a request for a small file) holds a PostgreSQL advisory lock on its
# record while it checks or applies. The lock goes with the worker's connection, so a killed worker
# is seen at once; its transaction is rolled back by the same token. SQLite has no such lock: there
# a record is taken as abandoned after STALE_AFTER_SECONDS without progress.
WORKER_LOCK_SPACE = 7301
WORKER_START_SECONDS = 20  # a launched worker needs a moment to start and take its lock
STALE_AFTER_SECONDS = 600


def _advisory(function: str, record_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [WORKER_LOCK_SPACE, record_id])
        return cursor.fetchone()[0] is True


@contextmanager
def worker_lease(record_id: int):
    if connection.vendor != "postgresql":
        yield
        return
    _advisory("pg_advisory_lock", record_id)
    try:
        yield
    finally:
        _advisory("pg_advisory_unlock", record_id)


def worker_is_gone(record: ImportRecord) -> bool:
    """Whether a record said to be checking or applying has nobody working on it any more."""
    if not record.is_running:
        return False
    quiet = (timezone.now() - record.updated_at).total_seconds()
    if connection.vendor != "postgresql":
        return quiet > STALE_AFTER_SECONDS
    if quiet < WORKER_START_SECONDS or not _advisory("pg_try_advisory_lock", record.pk):
        return False
    _advisory("pg_advisory_unlock", record.pk)
    return True


def settle_abandoned(record: ImportRecord) -> ImportRecord:
    """A record whose worker died (killed, machine restarted) is given back to the user.

    Its transaction died with it, so nothing was written: an interrupted apply returns to
    "checked" and may be confirmed again; an interrupted check asks for the file again.
    """
    if not worker_is_gone(record):
        return record
    if record.status == ImportStatus.APPLYING:
        status, message = ImportStatus.CHECKED, (
            "Lần ghi trước đã dừng giữa chừng (tiến trình bị ngắt); cơ sở dữ liệu không thay đổi. "
            "Có thể xác nhận ghi lại."
        )
    else:
        status, message = ImportStatus.FAILED, (
            "Lần kiểm tra đã dừng giữa chừng (tiến trình bị ngắt); không có gì được ghi. Hãy tải tệp lên lại."
        )
    ImportRecord.objects.filter(pk=record.pk, status=record.status, updated_at=record.updated_at).update(
        status=status, message=message, rows_done=0, updated_at=timezone.now(),
    )
    record.refresh_from_db()
    return record


class RecordProgress:
    """Writes a worker's progress to its record through a connection of its own (a short thread),
    so that the page sees it while the import's own transaction is still open."""

    def __init__(self, record_id: int, every_seconds: float = 1.0):
        self.record_id = record_id
        self.every = every_seconds
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.every and done < total:
            return
        self.last = now
        thread = threading.Thread(target=self._write, args=(done, total))
        thread.start()
        thread.join()

    def _write(self, done: int, total: int) -> None:
        try:
            ImportRecord.objects.filter(pk=self.record_id).update(
                rows_done=min(done, max(total, done)), rows_total=max(total, done), updated_at=timezone.now()
            )
        finally:
            connections.close_all()  # this thread's connections only


def launch_worker(record: ImportRecord, phase: str) -> subprocess.Popen:
    """Run `manage.py import_workbook --record ID --phase check|apply` as a detached process.

    A process rather than a thread: it survives the web worker being recycled, and its memory
    (a million-row file) is given back when it ends. No broker is needed.
    """
    log = Path(record.file.path).with_suffix(f".{phase}.log")
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "import_workbook",
             "--record", str(record.pk), "--phase", phase],
            stdin=subprocess.DEVNULL, stdout=output, stderr=output, start_new_session=True, close_fds=True,
        )
