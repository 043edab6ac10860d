"""Illustrative yearly figures for the demo and the benchmarks: deterministic, labelled, fast.

Every figure written here has source ILLUSTRATIVE ("Minh họa") and every page that shows one says
so. The figures themselves are drawn by indicators.illustrative (for every indicator of the
catalogue, or those given, and the years asked: 2020–2026 by default, 2020 being the baseline year
of the 2021–2025 targets); this command decides what may be written, writes it and has the
dashboards' yearly table rebuilt.

One figure per indicator, unit and year: a key that has a figure of any other source (entered,
imported, the household register, real or synthetic) is never written, and a province one of
whose units has such a figure that year is left to indicators.rollups to add up, labelled with
every source it adds. The register's figures (the demo's synthetic register covers a few
localities for 2023–2025) are handed to the drawing, which continues them into the other years.
A register recompute run after this command replaces the illustrative figures of the keys it
produces (households.services).

With task reports (the default), approved completion reports for some tasks with a lead agency,
their narrative starting with "[Minh họa]", so that the four task categories show in the demo.
"""

import time
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from common.pg_copy import copy_rows
from indicators import rollups
from indicators.illustrative import FIRST_YEAR, LAST_YEAR, SEED, Figure, Key, Row, draw, seeded_random
from indicators.models import Actual, ActualSource, Indicator, PeriodKind, YearlyValue
from indicators.poverty_standards import Standards
from plans.models import AdministrativeUnit, AdminMap, Recurrence, Task, UnitLevel
from review.models import Evidence, ProgressState, ReviewStatus, TaskReport

ILLUSTRATIVE_NARRATIVE = "[Minh họa] Báo cáo minh họa do lệnh generate_illustrative_actuals tạo, không phải báo cáo thật."
CORRECTION_REASON = "Minh họa: số liệu được sửa sau khi đã duyệt."


COLUMNS = [
    "indicator_id", "unit_id", "period_kind", "year", "period_number", "value", "numerator", "denominator",
    "source", "status", "review_comment", "version", "is_late_correction", "correction_reason",
    "submitted_at", "reviewed_at", "created_at", "updated_at", "standard",
]


_MOMENTS: dict[tuple[int, int, int], datetime] = {}


def _moment(year: int, month: int, day: int) -> datetime:
    key = (year, month, day)
    if key not in _MOMENTS:
        _MOMENTS[key] = timezone.make_aware(datetime(year, month, day, 9, 0))
    return _MOMENTS[key]


def _record(row: Row, now: datetime, standard: str = "") -> list:
    # Submitted in February and reviewed in March of the next year, but never after now: a figure
    # of the current year cannot have been sent yet on those dates.
    submitted_at = min(_moment(row.year + 1, 2, 1), now)
    approved = row.status == ReviewStatus.APPROVED
    reviewed_at = min(_moment(row.year + 1, 3, 15), now) if approved else None
    f = row.figure
    return [
        row.indicator_id, row.unit_id, PeriodKind.YEAR, row.year, 0, f.value, f.numerator, f.denominator,
        ActualSource.ILLUSTRATIVE, row.status, "", 2 if row.is_late_correction else 1, row.is_late_correction,
        CORRECTION_REASON if row.is_late_correction else "", submitted_at, reviewed_at, now, now, standard,
    ]


def _write(records: list[list]) -> None:
    """COPY on PostgreSQL (seconds for half a million rows), bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            copy_rows(cursor, table=connection.ops.quote_name(Actual._meta.db_table), columns=COLUMNS, rows=records)
        return
    # Elsewhere (SQLite for the demo) one prepared INSERT, values adapted as Django would.
    adapt = {}
    for index, name in enumerate(COLUMNS):
        field = Actual._meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name)
        if field.get_internal_type() in ("DateTimeField", "DecimalField"):
            adapt[index] = field
    cache: dict = {}

    def prepared(record: list) -> list:
        out = list(record)
        for index, field in adapt.items():
            value = out[index]
            if value is not None:
                key = (index, value)
                if key not in cache:
                    cache[key] = field.get_db_prep_save(value, connection)
                out[index] = cache[key]
        return out

    table = connection.ops.quote_name(Actual._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    with connection.cursor() as cursor:
        for start in range(0, len(records), 20000):
            cursor.executemany(sql, [prepared(r) for r in records[start:start + 20000]])


@transaction.atomic
def generate(indicators: list[Indicator], *, years: list[int], communes: bool = True, seed: str = SEED,
             task_reports: bool = True) -> dict[str, int]:
    """Replace the illustrative figures of these indicators; returns counts for the report."""
    indicator_ids = [i.pk for i in indicators]
    illustrative = Actual.objects.filter(source=ActualSource.ILLUSTRATIVE, indicator_id__in=indicator_ids)
    Evidence.objects.filter(actual__in=illustrative).delete()
    YearlyValue.every.filter(indicator_id__in=indicator_ids).delete()
    # Raw delete: no per-row signal for half a million rows (the table is rebuilt below).
    with connection.cursor() as cursor:
        params = [ActualSource.ILLUSTRATIVE, *indicator_ids]
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(Actual._meta.db_table)} WHERE source = %s "
            f"AND indicator_id IN ({', '.join(['%s'] * len(indicator_ids))})",
            params,
        )
    taken: set[Key] = set()
    register: dict[tuple[int, int], dict[int, Figure]] = defaultdict(dict)
    for indicator_id, unit_id, year, source, value, numerator, denominator in Actual.objects.filter(
        indicator_id__in=indicator_ids, period_kind=PeriodKind.YEAR
    ).values_list("indicator_id", "unit_id", "year", "source", "value", "numerator", "denominator").iterator(chunk_size=10000):
        taken.add((indicator_id, unit_id, year))
        if source in (ActualSource.REGISTER, ActualSource.SYNTHETIC) and (value is not None or denominator):
            register[(indicator_id, unit_id)][year] = Figure(value, numerator, denominator)
    now = timezone.now()
    # Figures of an indicator that depends on the poverty standard: under the one in force each year.
    standards = Standards()
    depends = {i.pk for i in indicators if i.depends_on_standard}
    in_force = {year: standards.in_force(year) for year in years}
    # The last year of a standard is measured under the next one too (as the 2021 review was under
    # NĐ 07/2021): the next standard's series has a baseline, and no change is taken across the two.
    rebased = {year: later for year in years
               if in_force[year] and (later := standards.in_force(year + 1)) and later != in_force[year]}
    records = []
    for row in draw(indicators, years=years, communes=communes, seed=seed, register=register, taken=taken):
        if row.indicator_id not in depends:
            records.append(_record(row, now))
            continue
        records.append(_record(row, now, in_force.get(row.year, "")))
        if row.year in rebased:
            records.append(_record(row, now, rebased[row.year]))
    _write(records)
    counts = {"actuals": len(records)}
    counts["yearly_values"] = rollups.refresh_yearly_values(indicator_ids=indicator_ids)
    if task_reports:
        counts["task_reports"] = generate_task_reports(last_year=years[-1], seed=seed)
    return counts


def _task_due(task: Task) -> date | None:
    if task.due_on:
        return task.due_on
    if task.document.end_year:
        return date(task.document.end_year, 12, 31)
    return None


def generate_task_reports(*, last_year: int, seed: str = SEED) -> int:
    """Approved completion reports, labelled, for some tasks with a lead agency."""
    TaskReport.objects.filter(narrative__startswith="[Minh họa]").delete()
    taken = set(TaskReport.objects.values_list("task_id", "agency_id", "period_kind", "year", "period_number"))
    tasks = (
        Task.objects.filter(lead_agency__isnull=False, children__isnull=True)
        .exclude(recurrence=Recurrence.CONTINUOUS)
        .select_related("document")
        .order_by("document__number", "document__issuer__code", "position")
    )
    reports = []
    reviewed_at = min(timezone.make_aware(datetime(last_year, 1, 15, 9, 0)), timezone.now())

    def add(task: Task, year: int, completed_on: date) -> None:
        key = (task.pk, task.lead_agency_id, PeriodKind.YEAR, year, 0)
        if key in taken:
            return
        taken.add(key)
        reports.append(TaskReport(
            task=task, agency_id=task.lead_agency_id, period_kind=PeriodKind.YEAR, year=year, period_number=0,
            progress=ProgressState.COMPLETED, percent_done=100, completed_on=completed_on,
            narrative=ILLUSTRATIVE_NARRATIVE, status=ReviewStatus.APPROVED, reviewed_at=reviewed_at,
            submitted_at=reviewed_at, source=ActualSource.ILLUSTRATIVE,  # never counted as a report that was sent
        ))

    for task in tasks:
        rng = seeded_random(seed, "task", task.document.number, task.document.issuer_id, task.number)
        if task.recurrence == Recurrence.YEARLY:
            first = task.document.start_year or (task.document.issued_on.year if task.document.issued_on else last_year)
            for year in range(first, min(last_year, task.document.end_year or last_year) + 1):
                draw_ = rng.random()
                if draw_ < 0.7:
                    add(task, year, date(year, 12, rng.randint(1, 28)))
                elif draw_ < 0.82:
                    add(task, year, date(year + 1, 1, rng.randint(5, 28)))
            continue
        due = _task_due(task)
        if due is None:
            continue
        draw_ = rng.random()
        if task.due_on is None:  # due at the end of the plan: some are done already
            first = task.document.start_year or last_year
            if draw_ >= 0.35 or first >= last_year:
                continue
            completed_on = date(rng.randint(first, last_year - 1), rng.randint(1, 12), rng.randint(1, 28))
        elif draw_ < 0.45:
            completed_on = due - timedelta(days=rng.randint(0, 20))
        elif draw_ < 0.7:
            completed_on = due + timedelta(days=rng.randint(5, 60))
        else:
            continue
        if completed_on.year > last_year:
            continue
        add(task, completed_on.year, completed_on)
    TaskReport.objects.bulk_create(reports)
    return len(reports)


class Command(BaseCommand):
    help = (
        "Tạo số liệu minh họa (nguồn “Minh họa”) cho mọi xã, huyện, tỉnh: xác định, chạy lại cho cùng kết quả. "
        "Chỉ dành cho cơ sở dữ liệu demo và đo tốc độ."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from-year", type=int, default=FIRST_YEAR)
        parser.add_argument("--to-year", type=int, default=LAST_YEAR)
        parser.add_argument("--indicators", default="", help="mã chỉ số, cách nhau bởi dấu phẩy (mặc định: tất cả)")
        parser.add_argument("--no-communes", action="store_true", help="không ghi số liệu từng xã (tỉnh vẫn là tổng các xã)")
        parser.add_argument("--no-task-reports", action="store_true", help="không tạo báo cáo nhiệm vụ minh họa")
        parser.add_argument("--if-empty", action="store_true", help="không làm gì nếu đã có số liệu minh họa")
        parser.add_argument("--seed", default=SEED)

    def handle(self, *args, from_year, to_year, indicators, no_communes, no_task_reports, if_empty, seed, **options):
        if if_empty and Actual.objects.filter(source=ActualSource.ILLUSTRATIVE).exists():
            self.stdout.write("Đã có số liệu minh họa; bỏ qua (chạy lại không có --if-empty để tạo lại).")
            return
        if from_year > to_year:
            raise CommandError("--from-year phải không lớn hơn --to-year.")
        chosen = Indicator.objects.order_by("code")
        codes = [c.strip() for c in indicators.split(",") if c.strip()]
        if codes:
            chosen = chosen.filter(code__in=codes)
            missing = set(codes) - set(chosen.values_list("code", flat=True))
            if missing:
                raise CommandError(f"Không có chỉ số: {', '.join(sorted(missing))}.")
        chosen = list(chosen)
        if not chosen:
            raise CommandError("Chưa có chỉ số nào: hãy nạp hệ thống văn bản (load_cascade) trước.")
        if not AdministrativeUnit.objects.filter(Q(level=UnitLevel.COMMUNE) & Q(admin_map=AdminMap.CURRENT)).exists():
            raise CommandError("Chưa có bản đồ hành chính: hãy chạy load_units trước.")
        started = time.perf_counter()
        counts = generate(chosen, years=list(range(from_year, to_year + 1)), communes=not no_communes, seed=seed,
                          task_reports=not no_task_reports)
        self.stdout.write(
            f"Số liệu minh họa: {counts['actuals']} số liệu năm ({len(chosen)} chỉ số, {from_year}–{to_year}), "
            f"{counts['yearly_values']} dòng tổng hợp, {counts.get('task_reports', 0)} báo cáo nhiệm vụ minh họa; "
            f"{time.perf_counter() - started:.1f} giây."
        )
