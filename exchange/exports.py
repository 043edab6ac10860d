"""Lists exported as .xlsx or .csv: the same columns as the workbook, limited to what the user may see.

Every list starts from plans.access.scope(); every cell passes through the resources' formula
escaping (and once more here, for the headers and anything else), so that a cell beginning with
=, +, -, @, a tab or a carriage return is never run by a spreadsheet.

CSV streams any size from a server-side cursor; an .xlsx must be built whole before it is sent,
so a request builds one only up to xlsx_row_limit() rows (the `export` command has no limit).
The figures' list also says what produced each figure (plans.provenance).
"""

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from import_export.resources import ModelResource

from common.spreadsheets import escape_formula, write_xlsx
from exchange.models import ImportRecord
from indicators.models import Actual
from indicators.resources import ActualResource, TargetResource
from plans import access
from plans.resources import DocumentResource, TaskResource
from plans.widgets import VietnameseDecimalWidget
from review.models import RecordSource
from review.provenance import produced_by

CHUNK = 2000
User = get_user_model()


def xlsx_row_limit() -> int:
    """Above this many rows an .xlsx is not built during a request (CSV streams any size)."""
    return settings.EXPORT_XLSX_MAX_ROWS


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
    # Places in the order the map was loaded (nation, regions, provinces, their units), not by code:
    # PostgreSQL then reads the figures from their unique index instead of sorting them all.
    "actuals": ListExport(
        _("Số liệu thực hiện"), ActualResource, "unit", ("indicator__code", "unit_id", "year", "period_kind", "period_number")
    ),
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


def count_rows(kind: str, user) -> int:
    return visible_rows(kind, user).count()


def export_rows(kind: str, user, *, numbers: bool = False) -> tuple[list[str], Iterator[list]]:
    """The list's headers and its rows, read as the rows are written (nothing is held in memory).

    With `numbers` (an .xlsx) decimal columns stay numbers, which a spreadsheet shows in its own
    locale and adds up; otherwise (CSV) they are written as people type them (1,84 ; 75.000)."""
    if kind in VALUE_ROWS:
        return VALUE_ROWS[kind](visible_rows(kind, user), numbers=numbers)
    resource = EXPORTS[kind].resource()
    fields = resource.get_export_fields()
    headers = [safe_cell(str(f.column_name)) for f in fields]
    queryset = visible_rows(kind, user)
    raw = {f.column_name for f in fields if numbers and isinstance(f.widget, VietnameseDecimalWidget)}

    def rows() -> Iterator[list]:
        for instance in queryset.iterator(chunk_size=CHUNK):
            yield [f.get_value(instance) if f.column_name in raw else safe_cell(resource.export_field(f, instance))
                   for f in fields]

    return headers, rows()


# The figures' list is the large one (half a million rows for the whole country): it is read as
# plain values through a server-side cursor, rendered with the resource's own widgets, so that
# a row costs neither a model instance nor a query.
PROVENANCE_HEADERS = ("Nguồn số liệu", "Tạo bởi")
PROVENANCE_PATHS = (
    "source", "created_by_id", "created_by__username", "created_by__first_name", "created_by__last_name",
    "import_record_id", "import_record__file_name", "import_record__applied_at", "import_record__created_at",
)
FOREIGN_KEY_PATHS = {"indicator": "indicator__code", "unit": "unit__code"}
DECIMALS_REMEMBERED = 20_000  # per column: a few MB


def _memo(render: Callable[[object], object], limit: int | None = None) -> Callable[[object], object]:
    """`render` remembered per value (codes, years and labels repeat; so do most figures): at most
    `limit` values are kept, so that memory stays flat however many distinct ones come."""
    cache: dict = {}

    def remembered(value):
        try:
            return cache[value]
        except KeyError:
            result = render(value)
            if limit is None or len(cache) < limit:
                cache[value] = result
            return result

    return remembered


def _rendered_safe(render: Callable[[object], object], value):
    return "" if value is None else safe_cell(render(value))  # every widget here renders None as ""


def provenance_renderer(start: int) -> Callable[[tuple], tuple[str, str]]:
    """From a row whose PROVENANCE_PATHS values begin at `start`: the source's label and
    plans.provenance.produced_by()'s words, worked out once per (source, person, import)."""
    labels = {value: str(label) for value, label in RecordSource.choices}
    cache: dict[tuple, tuple[str, str]] = {}

    def render(row: tuple) -> tuple[str, str]:
        key = (row[start], row[start + 1], row[start + 5])  # source, created_by_id, import_record_id
        try:
            return cache[key]
        except KeyError:
            pass
        source, user_id, username, first_name, last_name, import_id, file_name, applied_at, created_at = row[start:]
        record = Actual(
            source=source,
            created_by=User(pk=user_id, username=username, first_name=first_name, last_name=last_name) if user_id else None,
            import_record=(
                ImportRecord(pk=import_id, file_name=file_name, applied_at=applied_at, created_at=created_at)
                if import_id else None
            ),
        )
        cache[key] = (safe_cell(labels.get(source, source)), safe_cell(produced_by(record)))
        return cache[key]

    return render


def actual_value_rows(queryset: QuerySet, *, numbers: bool = False) -> tuple[list[str], Iterator[list]]:
    """ActualResource's columns and the provenance, from values_list() rows of `queryset`
    (decimal columns as numbers with `numbers`)."""
    fields = ActualResource().get_export_fields()
    paths, renders = [], []
    for field in fields:
        if field.attribute in FOREIGN_KEY_PATHS:
            paths.append(FOREIGN_KEY_PATHS[field.attribute])
            renders.append(_memo(lambda value: safe_cell("" if value is None else value)))
        else:
            paths.append(field.attribute)
            if numbers and isinstance(field.widget, VietnameseDecimalWidget):
                renders.append(_as_number)
                continue
            render = partial(_rendered_safe, field.widget.render)
            renders.append(_memo(render, DECIMALS_REMEMBERED if isinstance(field.widget, VietnameseDecimalWidget) else None))
    headers = [safe_cell(str(f.column_name)) for f in fields] + [safe_cell(h) for h in PROVENANCE_HEADERS]
    provenance = provenance_renderer(len(paths))
    values = queryset.values_list(*paths, *PROVENANCE_PATHS)

    def rows() -> Iterator[list]:
        # Inside a transaction PostgreSQL's named cursor streams; in autocommit Django declares it
        # WITH HOLD, and the whole result is computed and stored before the first row comes out.
        with transaction.atomic():
            for row in values.iterator(chunk_size=CHUNK):
                cells = [render(value) for render, value in zip(renders, row)]
                cells.extend(provenance(row))
                yield cells

    return headers, rows()


def _as_number(value):
    return value


VALUE_ROWS: dict[str, Callable[..., tuple[list[str], Iterator[list]]]] = {"actuals": actual_value_rows}


def write_csv(headers: list[str], rows: Iterator[list]) -> Iterator[str]:
    """CSV lines, UTF-8 with a BOM so that Excel reads Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers)
    yield buffer.getvalue()  # the download starts before the rows are read
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else v for v in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_xlsx_path(kind: str, user) -> str:
    headers, rows = export_rows(kind, user, numbers=True)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.close()
    write_xlsx([(EXPORTS[kind].title, headers, rows)], handle.name)
    return handle.name
