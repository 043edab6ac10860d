"""Lists exported as .xlsx or .csv: the same columns as the workbook, limited to what the user may see.

Every list starts from plans.access.scope(); every cell passes through the resources' formula
escaping (and once more here, for the headers and anything else), so that a cell beginning with
=, +, -, @, a tab or a carriage return is never run by a spreadsheet.
"""

import csv
import io
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import openpyxl
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from import_export.resources import ModelResource

from indicators.resources import ActualResource, TargetResource
from plans import access
from plans.resources import DocumentResource, TaskResource, escape_formula

ILLEGAL_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
CHUNK = 2000


@dataclass(frozen=True)
class ListExport:
    title: str
    resource: type[ModelResource]
    unit_path: str  # how scope() reaches the record's unit
    order: tuple[str, ...]


# Households will add their review lists here.
EXPORTS: dict[str, ListExport] = {
    "documents": ListExport(_("Văn bản"), DocumentResource, "territory", ("issued_on", "number", "pk")),
    "tasks": ListExport(_("Nhiệm vụ"), TaskResource, "document__territory", ("document", "position", "pk")),
    "targets": ListExport(_("Chỉ tiêu"), TargetResource, "territory", ("document", "position", "pk")),
    "actuals": ListExport(_("Số liệu thực hiện"), ActualResource, "unit", ("indicator", "unit", "year", "pk")),
}
FORMATS = ("xlsx", "csv")


def visible_rows(kind: str, user) -> QuerySet:
    """The records of the list the user may see (everything for an operator's command, user=None)."""
    export = EXPORTS[kind]
    queryset = export.resource().get_queryset().order_by(*export.order)
    return queryset if user is None else access.scope(user, queryset, unit_path=export.unit_path)


def safe_cell(value):
    if isinstance(value, str):
        return escape_formula(value)
    return value


def export_rows(kind: str, user) -> tuple[list[str], Iterator[list]]:
    resource = EXPORTS[kind].resource()
    fields = resource.get_export_fields()
    headers = [safe_cell(str(f.column_name)) for f in fields]
    queryset = visible_rows(kind, user)

    def rows() -> Iterator[list]:
        for instance in queryset.iterator(chunk_size=CHUNK):
            yield [safe_cell(resource.export_field(f, instance)) for f in fields]

    return headers, rows()


def write_csv(headers: list[str], rows: Iterator[list]) -> Iterator[str]:
    """CSV lines, UTF-8 with a BOM so that Excel reads Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers)
    for count, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else v for v in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(sheets: list[tuple[str, list[str], Iterator[list]]], target) -> None:
    """Sheets streamed into an .xlsx (write-only mode keeps memory flat); text never becomes a formula."""
    book = openpyxl.Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(str(title)[:31])
        sheet.append([xlsx_value(h) for h in headers])
        for row in rows:
            sheet.append([xlsx_value(v) for v in row])
    book.save(target)


def xlsx_value(value):
    if isinstance(value, str):
        return ILLEGAL_XML.sub("", safe_cell(value))
    return value


def export_xlsx_path(kind: str, user) -> str:
    headers, rows = export_rows(kind, user)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.close()
    write_xlsx([(EXPORTS[kind].title, headers, rows)], handle.name)
    return handle.name
