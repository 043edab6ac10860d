"""The plan workbook: its sheets, in load order, imported all-or-nothing.

One path for every import of plans: `load_cascade` (the seed CSVs), the admin and the
workbook upload all go through `import_workbook`.
"""

from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.db import transaction
from import_export.resources import ModelResource

from indicators.resources import IndicatorResource, TargetResource
from plans.resources import (
    AgencyResource,
    AgencySuccessionResource,
    DocumentBasisResource,
    DocumentResource,
    TaskResource,
)

# Sheet name (also the CSV file stem) -> resource, in the order references need.
SHEETS: dict[str, type[ModelResource]] = {
    "agencies": AgencyResource,
    "agency_successions": AgencySuccessionResource,
    "documents": DocumentResource,
    "document_bases": DocumentBasisResource,
    "indicators": IndicatorResource,
    "tasks": TaskResource,
    "targets": TargetResource,
}

SHEET_TITLES = {
    "agencies": "Cơ quan",
    "agency_successions": "Kế thừa cơ quan",
    "documents": "Văn bản",
    "document_bases": "Căn cứ",
    "indicators": "Chỉ số",
    "tasks": "Nhiệm vụ",
    "targets": "Chỉ tiêu",
}


@dataclass
class RowError:
    sheet: str
    row: int  # 1-based data row, as a spreadsheet user counts below the header (header = row 1)
    message: str


@dataclass
class SheetTotals:
    new: int = 0
    update: int = 0
    skip: int = 0
    error: int = 0


@dataclass
class WorkbookResult:
    totals: dict[str, SheetTotals] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def changed(self) -> int:
        return sum(t.new + t.update for t in self.totals.values())


class _RollBack(Exception):
    """Raised inside the transaction to undo a dry run or a workbook with errors."""


def read_csv_folder(folder: Path) -> dict[str, tablib.Dataset]:
    sheets = {}
    for name in SHEETS:
        path = folder / f"{name}.csv"
        if path.exists():
            sheets[name] = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
    return sheets


def _collect_errors(sheet: str, resource: ModelResource, result) -> list[RowError]:
    columns = {name: field.column_name for name, field in resource.fields.items()}
    errors = []
    for row_number, row_errors in result.row_errors():
        for error in row_errors:
            errors.append(RowError(sheet, row_number + 1, str(error.error)))
    for invalid in result.invalid_rows:
        for field_name, messages in invalid.error_dict.items():
            for message in messages:
                errors.append(RowError(sheet, invalid.number + 1, f"{columns.get(field_name, field_name)}: {message}"))
    for error in result.base_errors:
        errors.append(RowError(sheet, 0, str(error.error)))
    return errors


def import_workbook(sheets: dict[str, tablib.Dataset], *, dry_run: bool = False) -> WorkbookResult:
    """Import the sheets in load order, in one transaction: everything or nothing.

    A dry run, or any row error in any sheet, rolls everything back; the result still says,
    per sheet, how many rows are new, changed or unchanged, and lists every error.
    """
    result = WorkbookResult()
    try:
        with transaction.atomic():
            for name, resource_class in SHEETS.items():
                if name not in sheets:
                    continue
                resource = resource_class()
                sheet_result = resource.import_data(
                    sheets[name], dry_run=False, raise_errors=False, use_transactions=False, collect_failed_rows=True
                )
                totals = sheet_result.totals
                result.totals[name] = SheetTotals(
                    new=totals.get("new", 0), update=totals.get("update", 0), skip=totals.get("skip", 0),
                    error=totals.get("error", 0) + totals.get("invalid", 0),
                )
                result.errors.extend(_collect_errors(name, resource, sheet_result))
            if dry_run or result.errors:
                raise _RollBack
    except _RollBack:
        pass
    return result
