"""Reported figures in bulk: the yearly actuals of every commune, checked row by row, written at once.

The same columns as indicators.resources.ActualResource (indicator code, unit code and map,
period, value or numerator/denominator, status) and the same checks (services.validate_figure,
the period rules), but without a query per row: indicators and units are looked up in memory,
and the rows reach the database through its bulk path:

- PostgreSQL: the checked rows stream through COPY into a temporary table; one statement counts
  new / changed / unchanged rows, and three set-based statements write the audit entries of
  changed figures, update them and insert the new ones.
- other databases (SQLite): the existing figures of the file's indicators and years are read
  once, and new and changed rows are written with batched bulk_create / bulk_update.

A figure created by an import has no audit entry of its own: the ImportRecord (who, which file,
its checksum, the counts) is its trail, and the row says source = imported and who created it.
A figure an import changes gets an audit entry with its values before and after. Bulk writes
bypass the per-figure signal that keeps the dashboards' yearly table, so once the import has
committed, that table is rebuilt once for the indicators and years it touched (indicators.rollups).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from indicators.models import Actual, ActualSource, Indicator, PeriodKind
from indicators.resources import DEFAULT_IMPORT_STATUS, IMPORT_STATUSES, PERIOD_NUMBERS, period_error
from indicators.services import validate_figure
from indicators.workbook import ACTUALS, MAX_CHANGES_KEPT, MAX_ERRORS_KEPT, FORMULA_MESSAGE, Formula, RowChange, RowError, SheetRows, row_error
from plans.models import AdministrativeUnit, AuditEntry, ReviewStatus
from plans.resources import MAP_COLUMN
from plans.text import format_number, parse_number

COL_INDICATOR, COL_UNIT, COL_MAP = "Mã chỉ số", "Mã địa bàn", MAP_COLUMN
COL_YEAR, COL_KIND, COL_NUMBER = "Năm", "Kỳ", "Số kỳ"
COL_VALUE, COL_NUMERATOR, COL_DENOMINATOR, COL_STATUS = "Giá trị", "Tử số", "Mẫu số", "Trạng thái"
COLUMN_OF = {"value": COL_VALUE, "numerator": COL_NUMERATOR, "denominator": COL_DENOMINATOR, "year": COL_YEAR}

FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_MAGNITUDE = Decimal(10) ** 12  # numeric(16, 4)
PROGRESS_EVERY = 20_000
BATCH_SIZE = 1_000


def _labels(choices) -> dict[str, str]:
    labels = {}
    for value, label in choices.choices:
        labels[str(label).lower()] = value
        labels[str(value).lower()] = value
    return labels


KINDS = {**_labels(PeriodKind), "cả năm": PeriodKind.YEAR, "": PeriodKind.YEAR}
STATUSES = {key: value for key, value in _labels(ReviewStatus).items() if value in IMPORT_STATUSES}
STATUSES[""] = DEFAULT_IMPORT_STATUS


@dataclass
class BulkResult:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    wrong: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    changes: list[RowChange] = field(default_factory=list)

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(row_error(ACTUALS, row, column, message))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _whole(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _text(value)
    if not text:
        return None
    if text.isdecimal() and len(text) < 10:  # isdigit() would let "²" through to int()
        return int(text)
    raise ValueError(f"“{text}” không phải là số nguyên (ví dụ 2025).")


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    if value.__class__ is str:
        text = value.strip()
        if not text:
            return None
        if text.isdecimal():
            number = Decimal(text)
        else:
            whole, comma, fraction = text.partition(",")
            # "2,41": the usual shape, read without the regular expression; else parse_number
            number = Decimal(f"{whole}.{fraction}") if comma and whole.isdecimal() and fraction.isdecimal() else parse_number(text)
    elif isinstance(value, bool):
        raise ValueError(f"“{value}” không phải là số.")
    elif isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        raise ValueError(f"“{value}” không phải là số.")
    if not number.is_finite():  # a NaN or infinite cell of a crafted workbook
        raise ValueError(f"“{value}” không phải là số.")
    if abs(number) >= MAX_MAGNITUDE:
        raise ValueError(f"“{value}” quá lớn (tối đa 12 chữ số phần nguyên).")
    if number.as_tuple().exponent < -4:
        raise ValueError(f"“{value}” có quá 4 chữ số thập phân.")
    return number


# A checked row, ready to stage: (row, indicator id, unit id, period kind, year, period number,
# value, numerator, denominator, status).
Staged = tuple[int, int, int, str, int, int, Decimal | None, Decimal | None, Decimal | None, str]


class _Checker:
    def __init__(self, headers: list[str], result: BulkResult):
        index = {header: i for i, header in enumerate(headers)}
        self.columns = [index[c] for c in (
            COL_INDICATOR, COL_UNIT, COL_MAP, COL_YEAR, COL_KIND, COL_NUMBER,
            COL_VALUE, COL_NUMERATOR, COL_DENOMINATOR, COL_STATUS,
        )]
        self.headers = headers
        self.result = result
        self.indicators = {i.code: i for i in Indicator.objects.all()}
        self.units = {
            (code, admin_map): pk for code, admin_map, pk in AdministrativeUnit.objects.values_list("code", "admin_map", "pk")
        }
        self.seen: dict[tuple, int] = {}

    def check(self, row_number: int, values: list) -> Staged | None:
        if Formula in map(type, values):
            return self._fail(row_number, [
                (self.headers[i], FORMULA_MESSAGE.format(formula=cell)) for i, cell in enumerate(values) if type(cell) is Formula
            ])
        c_ind, c_unit, c_map, c_year, c_kind, c_number, c_value, c_num, c_den, c_status = self.columns
        # The common case first, inline (a million rows): text cells that are exactly right.
        code, unit_code, admin_map, year, kind, number, value, numerator, denominator, status = (
            values[c_ind], values[c_unit], values[c_map], values[c_year], values[c_kind], values[c_number],
            values[c_value], values[c_num], values[c_den], values[c_status],
        )
        indicator = self.indicators.get(code)
        unit_id = self.units.get((unit_code, admin_map))
        if (
            indicator is not None and unit_id is not None and year.__class__ is str and year.isdecimal()
            and len(year) == 4 and FIRST_YEAR <= (year := int(year)) <= LAST_YEAR and kind.__class__ is str
            and (kind := KINDS.get(kind.lower())) is not None and number.__class__ is str
            and (number := int(number) if number.isdecimal() and len(number) < 10 else 0 if number == "" else None) is not None
            and status.__class__ is str and (status := STATUSES.get(status.lower())) is not None
            and number in PERIOD_NUMBERS[kind]
        ):
            try:
                figures = (_decimal(value), _decimal(numerator), _decimal(denominator))
            except (ValueError, InvalidOperation):
                return self._check_slowly(row_number, values)
            try:
                validate_figure(indicator=indicator, value=figures[0], numerator=figures[1], denominator=figures[2])
            except ValidationError:
                return self._check_slowly(row_number, values)
            return self._stage(row_number, indicator, unit_id, kind, year, number, figures, status)
        return self._check_slowly(row_number, values)

    def _stage(self, row_number, indicator, unit_id, kind, year, number, figures, status) -> Staged | None:
        key = (indicator.pk, unit_id, kind, year, number)
        first = self.seen.setdefault(key, row_number)
        if first != row_number:
            return self._fail(row_number, [(COL_INDICATOR, f"Trùng chỉ số, địa bàn và kỳ với dòng {first}.")])
        return (row_number, indicator.pk, unit_id, kind, year, number, *figures, status)

    def _check_slowly(self, row_number: int, values: list) -> Staged | None:
        """Every cell, any type, with a message for each problem."""
        problems: list[tuple[str, str]] = []
        c_ind, c_unit, c_map, c_year, c_kind, c_number, c_value, c_num, c_den, c_status = self.columns

        code = _text(values[c_ind])
        indicator = self.indicators.get(code)
        if indicator is None:
            problems.append((COL_INDICATOR, f"Không có chỉ số mã “{code}” (xem sheet chỉ số)." if code else "Không được để trống."))
        unit_code, admin_map = _text(values[c_unit]), _text(values[c_map])
        unit_id = self.units.get((unit_code, admin_map))
        if unit_id is None:
            map_label = f"bản đồ {admin_map} tỉnh" if admin_map else "cả nước/vùng"
            problems.append((COL_UNIT, f"Không có địa bàn mã “{unit_code}” ({map_label})." if unit_code else "Không được để trống."))
        try:
            year = _whole(values[c_year])
            if year is None:
                problems.append((COL_YEAR, "Không được để trống."))
            elif not FIRST_YEAR <= year <= LAST_YEAR:
                problems.append((COL_YEAR, f"Năm {year} nằm ngoài khoảng {FIRST_YEAR}–{LAST_YEAR}."))
        except ValueError as error:
            year = None
            problems.append((COL_YEAR, str(error)))
        kind = KINDS.get(_text(values[c_kind]).lower())
        if kind is None:
            allowed = ", ".join(f"“{label}”" for _, label in PeriodKind.choices)
            problems.append((COL_KIND, f"“{_text(values[c_kind])}” không có trong danh mục; dùng một trong: {allowed}."))
        try:
            number = _whole(values[c_number]) or 0
        except ValueError as error:
            number = None
            problems.append((COL_NUMBER, str(error)))
        if kind is not None and number is not None:
            message = period_error(kind, number)
            if message:
                problems.append((COL_NUMBER, message))
        figures = []
        for column, position in ((COL_VALUE, c_value), (COL_NUMERATOR, c_num), (COL_DENOMINATOR, c_den)):
            try:
                figures.append(_decimal(values[position]))
            except (ValueError, InvalidOperation) as error:
                figures.append(None)
                problems.append((column, str(error)))
        status = STATUSES.get(_text(values[c_status]).lower())
        if status is None:
            allowed = ", ".join(f"“{ReviewStatus(s).label}”" for s in IMPORT_STATUSES)
            problems.append((COL_STATUS, f"“{_text(values[c_status])}” không hợp lệ; dùng {allowed} (để trống: Đã duyệt)."))
        if problems:
            return self._fail(row_number, problems)

        value, numerator, denominator = figures
        try:
            validate_figure(indicator=indicator, value=value, numerator=numerator, denominator=denominator)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                problems.extend((COLUMN_OF.get(name, COL_VALUE), message) for message in messages)
            return self._fail(row_number, problems)
        return self._stage(row_number, indicator, unit_id, kind, year, number, tuple(figures), status)

    def _fail(self, row_number: int, problems: list[tuple[str, str]]) -> None:
        self.result.wrong += 1
        for column, message in problems:
            self.result.add_error(row_number, column, message)
        return None


def _checked_rows(sheet: SheetRows, checker: _Checker, progress: Callable[[int], None] | None) -> Iterator[Staged]:
    count = 0
    for row_number, values in sheet.open_rows():
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
        staged = checker.check(row_number, values)
        if staged is not None:
            yield staged
    if progress:
        progress(count)


def _figure(value) -> str:
    return "" if value is None else format_number(value, max_decimals=4)


def _change(row, units_label: str, before: tuple, after: tuple) -> RowChange:
    fields = []
    for column, old, new in zip((COL_VALUE, COL_NUMERATOR, COL_DENOMINATOR), before[:3], after[:3]):
        if old != new:
            fields.append((column, _figure(old), _figure(new)))
    if before[3] != after[3]:
        fields.append((COL_STATUS, str(ReviewStatus(before[3]).label), str(ReviewStatus(after[3]).label)))
    return RowChange(ACTUALS, row, units_label, fields)


def import_actuals(
    sheet: SheetRows,
    *,
    user=None,
    write: bool = True,
    reason: str = "",
    progress: Callable[[int], None] | None = None,
    method: str | None = None,
    import_record=None,
) -> BulkResult:
    """Check every row of the actuals sheet; when `write` and nothing is wrong, write them.

    `method` forces "copy" (PostgreSQL only) or "batched"; by default the database decides.
    Call inside a transaction: the caller rolls back a dry run or a workbook with errors.
    The figures written say source = imported and name `import_record` (the upload) when given.
    """
    result = BulkResult()
    checker = _Checker(sheet.headers, result)
    rows = _checked_rows(sheet, checker, progress)
    method = method or ("copy" if connection.vendor == "postgresql" else "batched")
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    reason = reason or "Nhập từ bảng tính"
    record_id = import_record.pk if import_record is not None else None
    with transaction.atomic():
        if method == "copy":
            path = _CopyPath(result, user_id, reason, record_id)
        else:
            path = _BatchedPath(result, user_id, reason, record_id)
        path.run(rows, lambda: write and not result.error_count and not sheet.problems)
    for problem in sheet.problems:
        result.error_count += 1
        if len(result.errors) < MAX_ERRORS_KEPT:
            result.errors.append(problem)
    result.wrong += len({p.row for p in sheet.problems})
    return result


# ---------------------------------------------------------------------------------------------
# PostgreSQL: COPY into a temporary table, then set-based statements


class _LineReader:
    """A file-like view of an iterator of CSV lines, for psycopg2's copy_expert."""

    def __init__(self, lines: Iterator[str]):
        self.lines = lines

    def read(self, size: int = -1) -> str:
        chunk, length = [], 0
        for line in self.lines:
            chunk.append(line)
            length += len(line)
            if 0 < size <= length:
                break
        return "".join(chunk)

    readline = read


def _csv_line(row: Staged) -> str:
    number, indicator_id, unit_id, kind, year, period_number, value, numerator, denominator, status = row
    return (
        f"{number},{indicator_id},{unit_id},{kind},{year},{period_number},"
        f"{'' if value is None else value},{'' if numerator is None else numerator},"
        f"{'' if denominator is None else denominator},{status}\n"
    )


STAGE = "povertyplan_actual_stage"
KEY = (
    "a.indicator_id = s.indicator_id AND a.unit_id = s.unit_id AND a.period_kind = s.period_kind "
    "AND a.year = s.year AND a.period_number = s.period_number"
)
DIFFERS = (
    "(a.value IS DISTINCT FROM s.value OR a.numerator IS DISTINCT FROM s.numerator "
    "OR a.denominator IS DISTINCT FROM s.denominator OR a.status <> s.status)"
)


class _CopyPath:
    def __init__(self, result: BulkResult, user_id: int | None, reason: str, import_record_id: int | None = None):
        self.result, self.user_id, self.reason = result, user_id, reason
        self.import_record_id = import_record_id
        self.actual = Actual._meta.db_table

    def run(self, rows: Iterator[Staged], may_write: Callable[[], bool]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE} (row_no integer, indicator_id bigint, unit_id bigint, "
                "period_kind varchar(10), year smallint, period_number smallint, value numeric(16,4), "
                "numerator numeric(16,4), denominator numeric(16,4), status varchar(20)) ON COMMIT DROP"
            )
            cursor.copy_expert(
                f"COPY {STAGE} FROM STDIN WITH (FORMAT csv)", _LineReader(map(_csv_line, rows)), 1 << 16
            )
            cursor.execute(f"ANALYZE {STAGE}")
            self._count(cursor)
            self._collect_changes(cursor)
            if may_write() and (self.result.new or self.result.changed):
                if self.result.changed or self.result.unchanged:
                    cursor.execute(
                        f"SELECT DISTINCT s.indicator_id, s.year FROM {STAGE} s LEFT JOIN {self.actual} a ON {KEY} "
                        f"WHERE s.period_kind = %s AND (a.id IS NULL OR {DIFFERS})",
                        [PeriodKind.YEAR],
                    )
                else:  # every row is new
                    cursor.execute(f"SELECT DISTINCT indicator_id, year FROM {STAGE} WHERE period_kind = %s", [PeriodKind.YEAR])
                affected = cursor.fetchall()
                self._write(cursor)
                transaction.on_commit(partial(refresh_dashboards, affected))
            cursor.execute(f"DROP TABLE {STAGE}")

    def _count(self, cursor) -> None:
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE a.id IS NULL), count(*) FILTER (WHERE a.id IS NOT NULL AND {DIFFERS}), "
            f"count(*) FILTER (WHERE a.id IS NOT NULL AND NOT {DIFFERS}) "
            f"FROM {STAGE} s LEFT JOIN {self.actual} a ON {KEY}"
        )
        self.result.new, self.result.changed, self.result.unchanged = cursor.fetchone()

    def _collect_changes(self, cursor) -> None:
        if not self.result.changed:
            return
        cursor.execute(
            f"SELECT s.row_no, i.code, u.code, u.admin_map, s.year, s.period_kind, s.period_number, "
            f"a.value, a.numerator, a.denominator, a.status, s.value, s.numerator, s.denominator, s.status "
            f"FROM {STAGE} s JOIN {self.actual} a ON {KEY} "
            f"JOIN {Indicator._meta.db_table} i ON i.id = s.indicator_id "
            f"JOIN {AdministrativeUnit._meta.db_table} u ON u.id = s.unit_id "
            f"WHERE {DIFFERS} ORDER BY s.row_no LIMIT %s",
            [MAX_CHANGES_KEPT],
        )
        for row in cursor.fetchall():
            label = _key_label(row[1], row[2], row[3], row[4], row[5], row[6])
            self.result.changes.append(_change(row[0], label, row[7:11], row[11:15]))

    def _write(self, cursor) -> None:
        content_type = ContentType.objects.get_for_model(Actual).pk
        params = {"user": self.user_id, "reason": self.reason, "ct": content_type, "record": self.import_record_id}
        if self.result.changed:
            self._update(cursor, params)
        if self.result.new:
            self._insert(cursor, params)

    def _update(self, cursor, params: dict) -> None:
        figures = (
            "jsonb_build_object('value', {t}.value::text, 'numerator', {t}.numerator::text, "
            "'denominator', {t}.denominator::text, 'status', {t}.status)"
        )
        cursor.execute(
            f"INSERT INTO {AuditEntry._meta.db_table} "
            "(content_type_id, object_id, object_repr, action, user_id, at, before, after, reason) "
            f"SELECT %(ct)s, a.id, left(i.code || ' ' || u.name || ' ' || s.year, 300), 'import', %(user)s::integer, now(), "
            f"{figures.format(t='a')}, {figures.format(t='s')}, %(reason)s "
            f"FROM {STAGE} s JOIN {self.actual} a ON {KEY} "
            f"JOIN {Indicator._meta.db_table} i ON i.id = s.indicator_id "
            f"JOIN {AdministrativeUnit._meta.db_table} u ON u.id = s.unit_id WHERE {DIFFERS}",
            params,
        )
        cursor.execute(
            f"UPDATE {self.actual} a SET value = s.value, numerator = s.numerator, denominator = s.denominator, "
            "status = s.status, source = %(source)s, import_record_id = %(record)s::bigint, "
            "version = a.version + 1, updated_at = now(), review_comment = '', "
            "is_late_correction = a.is_late_correction OR a.status = 'approved', "
            "correction_reason = CASE WHEN a.status = 'approved' THEN %(reason)s ELSE a.correction_reason END, "
            "submitted_at = CASE WHEN s.status = 'draft' THEN a.submitted_at ELSE now() END, "
            "reviewed_by_id = CASE WHEN s.status = 'approved' THEN %(user)s::integer END, "
            "reviewed_at = CASE WHEN s.status = 'approved' THEN now() END "
            f"FROM {STAGE} s WHERE {KEY} AND {DIFFERS}",
            {**params, "source": ActualSource.IMPORTED},
        )

    def _insert(self, cursor, params: dict) -> None:
        source = STAGE
        if self.result.changed or self.result.unchanged:
            # Set the new rows apart first: probing the table while inserting into it can make
            # the planner scan the growing table once per row.
            source = f"{STAGE}_new"
            cursor.execute(f"DROP TABLE IF EXISTS {source}")
            cursor.execute(
                f"CREATE TEMP TABLE {source} ON COMMIT DROP AS SELECT s.* FROM {STAGE} s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {self.actual} a WHERE {KEY})"
            )
        cursor.execute(
            f"INSERT INTO {self.actual} (indicator_id, unit_id, period_kind, year, period_number, value, numerator, "
            "denominator, source, status, review_comment, version, is_late_correction, correction_reason, "
            "created_by_id, import_record_id, submitted_at, reviewed_by_id, reviewed_at, created_at, updated_at) "
            "SELECT s.indicator_id, s.unit_id, s.period_kind, s.year, s.period_number, s.value, s.numerator, "
            "s.denominator, %(source)s, s.status, '', 1, false, '', %(user)s::integer, %(record)s::bigint, "
            "CASE WHEN s.status <> 'draft' THEN now() END, CASE WHEN s.status = 'approved' THEN %(user)s::integer END, "
            "CASE WHEN s.status = 'approved' THEN now() END, now(), now() "
            f"FROM {source} s",
            {**params, "source": ActualSource.IMPORTED},
        )


def refresh_dashboards(affected) -> None:
    """Bulk writes bypass the per-figure signal: rebuild the dashboards' yearly table for the
    indicators and years the import touched, in one set-based pass (indicators.rollups).

    Run once the import has committed, in a transaction of its own: the table is derived (it can
    always be rebuilt with `manage.py refresh_yearly_values`), and keeping its million rows out
    of the import's transaction halves the time the import holds its locks.
    """
    from indicators import rollups

    affected = set(affected)
    if affected:
        rollups.refresh_yearly_values(
            indicator_ids={indicator for indicator, _ in affected}, years={year for _, year in affected}
        )


def _key_label(indicator_code, unit_code, admin_map, year, kind, number) -> str:
    period = str(year) if kind == PeriodKind.YEAR else f"{PeriodKind(kind).label} {number}/{year}"
    return f"{indicator_code} · {unit_code}@{admin_map} · {period}"


# ---------------------------------------------------------------------------------------------
# Other databases: one read of the existing figures, batched writes


class _BatchedPath:
    def __init__(self, result: BulkResult, user_id: int | None, reason: str, import_record_id: int | None = None):
        self.result, self.user_id, self.reason = result, user_id, reason
        self.import_record_id = import_record_id

    def run(self, rows: Iterator[Staged], may_write: Callable[[], bool]) -> None:
        staged = list(rows)
        existing = self._existing(staged)
        new_rows, changed = [], []
        for row in staged:
            actual = existing.get(row[1:6])
            if actual is None:
                new_rows.append(row)
            elif (actual.value, actual.numerator, actual.denominator, actual.status) != row[6:10]:
                changed.append((row, actual))
        self.result.new, self.result.changed = len(new_rows), len(changed)
        self.result.unchanged = len(staged) - len(new_rows) - len(changed)
        for row, actual in changed[:MAX_CHANGES_KEPT]:
            label = _key_label(actual.indicator.code, actual.unit.code, actual.unit.admin_map, row[4], row[3], row[5])
            self.result.changes.append(_change(row[0], label, (actual.value, actual.numerator, actual.denominator, actual.status), row[6:10]))
        if may_write() and (new_rows or changed):
            self._write(new_rows, changed)
            transaction.on_commit(partial(refresh_dashboards, {
                (row[1], row[4]) for row in [*new_rows, *(row for row, _ in changed)] if row[3] == PeriodKind.YEAR
            }))

    def _existing(self, staged: list[Staged]) -> dict[tuple, Actual]:
        if not staged:
            return {}
        indicator_ids = {row[1] for row in staged}
        years = {row[4] for row in staged}
        actuals = Actual.objects.filter(indicator_id__in=indicator_ids, year__in=years).select_related("indicator", "unit")
        return {(a.indicator_id, a.unit_id, a.period_kind, a.year, a.period_number): a for a in actuals.iterator(chunk_size=5000)}

    def _write(self, new_rows: list[Staged], changed: list[tuple[Staged, Actual]]) -> None:
        now = timezone.now()
        content_type = ContentType.objects.get_for_model(Actual)
        entries, updated = [], []
        for row, actual in changed:
            before = {"value": _json(actual.value), "numerator": _json(actual.numerator),
                      "denominator": _json(actual.denominator), "status": actual.status}
            if actual.status == ReviewStatus.APPROVED:
                actual.is_late_correction = True
                actual.correction_reason = self.reason
            actual.value, actual.numerator, actual.denominator, actual.status = row[6:10]
            _set_review_fields(actual, self.user_id, now)
            actual.source, actual.version, actual.updated_at, actual.review_comment = ActualSource.IMPORTED, actual.version + 1, now, ""
            actual.import_record_id = self.import_record_id
            updated.append(actual)
            entries.append(AuditEntry(
                content_type=content_type, object_id=actual.pk, object_repr=str(actual)[:300], action="import",
                user_id=self.user_id, before=before, reason=self.reason,
                after={"value": _json(actual.value), "numerator": _json(actual.numerator),
                       "denominator": _json(actual.denominator), "status": actual.status},
            ))
        Actual.objects.bulk_update(updated, [
            "value", "numerator", "denominator", "status", "source", "import_record_id", "version", "updated_at", "review_comment",
            "is_late_correction", "correction_reason", "submitted_at", "reviewed_by_id", "reviewed_at",
        ], batch_size=BATCH_SIZE)
        AuditEntry.objects.bulk_create(entries, batch_size=BATCH_SIZE)
        created = []
        for row in new_rows:
            actual = Actual(
                indicator_id=row[1], unit_id=row[2], period_kind=row[3], year=row[4], period_number=row[5],
                value=row[6], numerator=row[7], denominator=row[8], status=row[9],
                source=ActualSource.IMPORTED, created_by_id=self.user_id, import_record_id=self.import_record_id,
            )
            _set_review_fields(actual, self.user_id, now)
            created.append(actual)
            if len(created) >= BATCH_SIZE:
                Actual.objects.bulk_create(created)
                created = []
        Actual.objects.bulk_create(created)


def _json(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _set_review_fields(actual: Actual, user_id: int | None, now) -> None:
    if actual.status != ReviewStatus.DRAFT:
        actual.submitted_at = now
    approved = actual.status == ReviewStatus.APPROVED
    actual.reviewed_by_id = user_id if approved else None
    actual.reviewed_at = now if approved else None
