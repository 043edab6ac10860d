"""Reported figures in bulk: the yearly actuals of every commune, checked row by row, written at once.

The same columns as indicators.resources.ActualResource and the same checks, but without a query
per row: exchange.workbook.bulk_rows reads and checks each row in memory, and the rows that pass reach
the database through its bulk path:

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
from decimal import Decimal
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from common.pg_copy import LineReader
from exchange.workbook.bulk_rows import (
    COL_DENOMINATOR,
    COL_NUMERATOR,
    COL_STATUS,
    COL_VALUE,
    BulkResult,
    RowChecker,
    Staged,
    checked_rows,
)
from exchange.workbook.results import MAX_CHANGES_KEPT, MAX_ERRORS_KEPT, RowChange, SheetRows
from exchange.workbook.sheets import ACTUALS
from indicators import demo_data, rollups
from indicators.models import Actual, ActualSource, Indicator, PeriodKind
from plans.models import AdministrativeUnit
from plans.text import format_number
from reporting import obligations
from review.models import AuditEntry, ReviewStatus

BATCH_SIZE = 1_000


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
    checker = RowChecker(sheet.headers, result)
    rows = checked_rows(sheet, checker, progress)
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
        checker.finish()  # after the COPY: the refusals of closed units' rows are worded by queries
    for problem in sheet.problems:
        result.error_count += 1
        if len(result.errors) < MAX_ERRORS_KEPT:
            result.errors.append(problem)
    result.wrong += len({p.row for p in sheet.problems})
    return result


# ---------------------------------------------------------------------------------------------
# PostgreSQL: COPY into a temporary table, then set-based statements


def _csv_line(row: Staged) -> str:
    # Not common.pg_copy.copy_rows: its generic per-value encoding costs three times this one
    # f-string per row (1,1 s against 0,32 s per 200.000 rows) on the path that loads a million figures.
    number, indicator_id, unit_id, kind, year, period_number, value, numerator, denominator, status, standard, breakdown = row
    # Codes are slugs (no comma, no quote); "" is quoted so that COPY reads an empty string, not NULL.
    return (
        f"{number},{indicator_id},{unit_id},{kind},{year},{period_number},"
        f"{'' if value is None else value},{'' if numerator is None else numerator},"
        f"{'' if denominator is None else denominator},{status},\"{standard}\",\"{breakdown}\"\n"
    )


STAGE = "povertyplan_actual_stage"
KEY = (
    "a.indicator_id = s.indicator_id AND a.unit_id = s.unit_id AND a.period_kind = s.period_kind "
    "AND a.year = s.year AND a.period_number = s.period_number AND a.standard = s.standard AND a.breakdown = s.breakdown"
)
# An illustrative or synthetic figure is replaced even by the same value: the real one is new.
DEMO = f"a.source IN ('{ActualSource.ILLUSTRATIVE.value}', '{ActualSource.SYNTHETIC.value}')"
DIFFERS = (
    "(a.value IS DISTINCT FROM s.value OR a.numerator IS DISTINCT FROM s.numerator "
    f"OR a.denominator IS DISTINCT FROM s.denominator OR a.status <> s.status OR {DEMO})"
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
                "numerator numeric(16,4), denominator numeric(16,4), status varchar(20), standard varchar(20), "
                "breakdown varchar(40)) ON COMMIT DROP"
            )
            cursor.copy_expert(
                f"COPY {STAGE} FROM STDIN WITH (FORMAT csv)", LineReader(map(_csv_line, rows)), 1 << 16
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
            f"SELECT %(ct)s, a.id, left(i.code || ' ' || u.name || ' ' || s.year, 300), "
            f"CASE WHEN {DEMO} THEN %(replace)s ELSE 'import' END, %(user)s::integer, now(), "
            f"{figures.format(t='a')}, {figures.format(t='s')}, CASE WHEN {DEMO} THEN %(replace_reason)s ELSE %(reason)s END "
            f"FROM {STAGE} s JOIN {self.actual} a ON {KEY} "
            f"JOIN {Indicator._meta.db_table} i ON i.id = s.indicator_id "
            f"JOIN {AdministrativeUnit._meta.db_table} u ON u.id = s.unit_id WHERE {DIFFERS}",
            {**params, "replace": demo_data.REPLACE_ACTION, "replace_reason": demo_data.REPLACE_REASON},
        )
        cursor.execute(
            f"UPDATE {self.actual} a SET value = s.value, numerator = s.numerator, denominator = s.denominator, "
            "status = s.status, source = %(source)s, import_record_id = %(record)s::bigint, "
            # Over a demo figure: a new figure (version 1, no late correction); SET reads the old row.
            f"version = CASE WHEN {DEMO} THEN 1 ELSE a.version + 1 END, updated_at = now(), review_comment = '', "
            f"is_late_correction = NOT {DEMO} AND (a.is_late_correction OR a.status = 'approved'), "
            f"correction_reason = CASE WHEN {DEMO} THEN '' WHEN a.status = 'approved' THEN %(reason)s "
            "ELSE a.correction_reason END, "
            f"created_by_id = CASE WHEN {DEMO} THEN %(user)s::integer ELSE a.created_by_id END, "
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
            f"INSERT INTO {self.actual} (indicator_id, unit_id, period_kind, year, period_number, standard, breakdown, "
            "value, numerator, "
            "denominator, source, status, review_comment, version, is_late_correction, correction_reason, "
            "created_by_id, import_record_id, submitted_at, reviewed_by_id, reviewed_at, created_at, updated_at) "
            "SELECT s.indicator_id, s.unit_id, s.period_kind, s.year, s.period_number, s.standard, s.breakdown, "
            "s.value, s.numerator, "
            "s.denominator, %(source)s, s.status, '', 1, false, '', %(user)s::integer, %(record)s::bigint, "
            "CASE WHEN s.status <> 'draft' THEN now() END, CASE WHEN s.status = 'approved' THEN %(user)s::integer END, "
            "CASE WHEN s.status = 'approved' THEN now() END, now(), now() "
            f"FROM {source} s",
            {**params, "source": ActualSource.IMPORTED},
        )


def refresh_dashboards(affected) -> None:
    """Bulk writes bypass the per-figure signals: rebuild the dashboards' yearly table for the
    indicators and years the import touched, in one set-based pass (indicators.rollups), and the
    reporting obligations that ask for those figures (reporting.obligations).

    Run once the import has committed, in a transaction of its own: the table is derived (it can
    always be rebuilt with `manage.py refresh_yearly_values`), and keeping its million rows out
    of the import's transaction halves the time the import holds its locks.
    """
    affected = set(affected)
    if affected:
        indicator_ids, years = {indicator for indicator, _ in affected}, {year for _, year in affected}
        rollups.refresh_yearly_values(indicator_ids=indicator_ids, years=years)
        obligations.refresh_for_figures(indicator_ids=indicator_ids, years=years)  # who has now reported


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
            actual = existing.get((*row[1:6], *row[10:12]))
            if actual is None:
                new_rows.append(row)
            elif (actual.value, actual.numerator, actual.denominator, actual.status) != row[6:10] or actual.source in demo_data.DEMO_SOURCES:
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
        return {(a.indicator_id, a.unit_id, a.period_kind, a.year, a.period_number, a.standard, a.breakdown): a
                for a in actuals.iterator(chunk_size=5000)}

    def _write(self, new_rows: list[Staged], changed: list[tuple[Staged, Actual]]) -> None:
        now = timezone.now()
        content_type = ContentType.objects.get_for_model(Actual)
        entries, updated = [], []
        for row, actual in changed:
            before = {"value": _json(actual.value), "numerator": _json(actual.numerator),
                      "denominator": _json(actual.denominator), "status": actual.status}
            demo = actual.source in demo_data.DEMO_SOURCES  # replaced by a new figure, not corrected
            if demo:
                actual.is_late_correction, actual.correction_reason, actual.version = False, "", 0
                actual.created_by_id = self.user_id
            elif actual.status == ReviewStatus.APPROVED:
                actual.is_late_correction = True
                actual.correction_reason = self.reason
            actual.value, actual.numerator, actual.denominator, actual.status = row[6:10]  # the key (row[10:12]) stays
            _set_review_fields(actual, self.user_id, now)
            actual.source, actual.version, actual.updated_at, actual.review_comment = ActualSource.IMPORTED, actual.version + 1, now, ""
            actual.import_record_id = self.import_record_id
            updated.append(actual)
            entries.append(AuditEntry(
                content_type=content_type, object_id=actual.pk, object_repr=str(actual)[:300],
                action=demo_data.REPLACE_ACTION if demo else "import", user_id=self.user_id, before=before,
                reason=demo_data.REPLACE_REASON if demo else self.reason,
                after={"value": _json(actual.value), "numerator": _json(actual.numerator),
                       "denominator": _json(actual.denominator), "status": actual.status},
            ))
        Actual.objects.bulk_update(updated, [
            "value", "numerator", "denominator", "status", "source", "import_record_id", "version", "updated_at", "review_comment",
            "is_late_correction", "correction_reason", "submitted_at", "reviewed_by_id", "reviewed_at", "created_by_id",
        ], batch_size=BATCH_SIZE)
        AuditEntry.objects.bulk_create(entries, batch_size=BATCH_SIZE)
        created = []
        for row in new_rows:
            actual = Actual(
                indicator_id=row[1], unit_id=row[2], period_kind=row[3], year=row[4], period_number=row[5],
                value=row[6], numerator=row[7], denominator=row[8], status=row[9], standard=row[10], breakdown=row[11],
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
