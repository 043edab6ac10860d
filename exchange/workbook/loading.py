"""Importing the sheets in load order, in one transaction: everything or nothing.

One path for every import of plans: `load_cascade` (the seed CSVs), the admin, the workbook
upload page and `manage.py import_workbook` all go through `import_workbook`. The reference
sheets go row by row through the django-import-export resources; the actuals sheet, which may
hold every commune's yearly figures, goes through the bulk path (exchange.workbook.bulk_actuals).
"""

from collections.abc import Callable

import tablib
from django.db import transaction
from django.utils.translation import gettext as _
from import_export.resources import ModelResource

from exchange.models import ImportRecord
from exchange.workbook.bulk_actuals import import_actuals
from exchange.workbook.results import (
    MAX_CHANGES_KEPT,
    RowChange,
    RowError,
    SheetRows,
    SheetTotals,
    WorkbookResult,
    dataset_rows,
    row_error,
)
from exchange.workbook.sheets import ACTUALS, RESOURCES, SHEETS, header_problems


class _RollBack(Exception):
    """Raised inside the transaction to undo a dry run or a workbook with errors."""


def _row_number(dataset, index: int) -> int:
    """The spreadsheet row of the dataset's `index`-th row (1-based, as import-export counts)."""
    numbers = getattr(dataset, "sheet_rows", None)
    return numbers[index - 1] if numbers and 0 < index <= len(numbers) else index + 1


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
                    result.add_error(RowError(name, 0, _("Lỗi cơ sở dữ liệu ở sheet này; các sheet sau chưa được kiểm tra.")))
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
