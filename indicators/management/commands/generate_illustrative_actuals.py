"""Illustrative yearly figures for the demo and the benchmarks: deterministic, labelled, fast.

Every figure written here has source ILLUSTRATIVE ("Minh họa") and every page that shows one says
so. The same options give the same figures on every run and every database: each value comes
from a random generator seeded with the indicator's and the unit's codes, never from row ids.

What is generated, for every indicator of the catalogue (or those given):
- the 2025 map: every commune, and every province as the sum of its communes (rates from the
  summed numerators and denominators), for the years asked (2020–2026 by default: 2020 is the
  baseline year of the 2021–2025 targets);
- the map before 1/7/2025: every district, and every province as the sum of its districts, for
  the years up to 2024 (the last year-end before the merger);
- indicators about districts (yes/no per district, number of districts) only on the old map;
- the nation and the regions are not generated: indicators.rollups adds them up.
Most figures are approved; in the last year about one in eight is submitted (pending review), and
a few of the two years before are approved late corrections, so that every mark on the pages
shows.

One figure per indicator, unit and year: a key that has a figure of any other source (entered,
imported, the household register, real or synthetic) is never written, and a province one of
whose units has such a figure that year is left to indicators.rollups to add up, labelled with
every source it adds. Where the register has figures for a unit (the demo's synthetic register
covers a few localities for 2023–2025), its other years are drawn from the register's nearest
figure, so that a series does not jump where its source changes. A register recompute run after
this command replaces the illustrative figures of the keys it produces (households.services).
Rates move smoothly: a "lower is better" rate falls each year by 8–18 % of where it started,
between 0,1 and 3 points, never rises and stops at 0,05 %; counts agree with rates (poor and
near-poor households are the rates' numerators, households reviewed their denominator, and the
households leaving and entering poverty add up to the change in poor households).

With task reports (the default), approved completion reports for some tasks with a lead agency,
their narrative starting with "[Minh họa]", so that the four task categories show in the demo.
"""

import csv
import hashlib
import io
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from indicators import rollups
from indicators.models import (
    Actual,
    ActualSource,
    Aggregation,
    Direction,
    Evidence,
    Indicator,
    MeasureUnit,
    PeriodKind,
    YearlyValue,
)
from plans.models import AdminMap, AdministrativeUnit, ProgressState, Recurrence, ReviewStatus, Task, TaskReport, UnitLevel

FIRST_YEAR, LAST_YEAR = 2020, 2026
LEGACY_LAST_YEAR = 2024  # the last year-end before the 1/7/2025 merger
SEED = "povertyplan"
ILLUSTRATIVE_NARRATIVE = "[Minh họa] Báo cáo minh họa do lệnh generate_illustrative_actuals tạo, không phải báo cáo thật."
CORRECTION_REASON = "Minh họa: số liệu được sửa sau khi đã duyệt."
PENDING_SHARE = 0.12
LATE_CORRECTION_SHARE = 0.02

# Scale hints for the seed catalogue (per leaf unit and year); other indicators get generic ones.
FLOW_PER_COMMUNE = {"LD02": (60, 330), "LD03": (1, 12)}
# Counts made from a rate's figures of the same unit and year, so that counts and rates agree:
# poor households = GN01's numerator, near-poor ones = GN02's, households reviewed = GN01's denominator.
NUMERATOR_OF = {"GN03": "GN01", "HN02": "GN02"}
DENOMINATOR_OF = {"HN01": "GN01"}
# Rates of the same households share their denominator (the near-poor rate counts GN01's households).
BASE_OF = {"GN02": "GN01"}
# The year's movements in and out of poverty, consistent with the change in poor households.
MOVEMENTS_OF = {"HN03": "escaped", "HN04": "new_poor", "HN05": "fallen_back"}
POOR_RATE = "GN01"
# A count of districts that is the yes/no indicator of each district added up.
DISTRICT_FLAG_OF = {"GN08": "GN07"}
DERIVED = {*NUMERATOR_OF, *DENOMINATOR_OF, *MOVEMENTS_OF, *DISTRICT_FLAG_OF}

# Poverty is higher in the mountains: the starting rate of "lower is better" rates by region.
REGION_RATE = {"TDMNPB": (7.0, 18.0), "TN": (4.0, 11.0), "BTBDHMT": (2.5, 8.0), "DBSCL": (2.0, 6.0),
               "DBSH": (0.5, 3.0), "DNB": (0.3, 2.0)}
REGION_DIFFICULT = {"TDMNPB": 0.45, "TN": 0.3, "BTBDHMT": 0.2, "DBSCL": 0.12, "DBSH": 0.03, "DNB": 0.03}
# A "lower is better" rate falls each year by a share of where it started, in points, within these
# bounds; each year's figure strays from the line by at most NOISE of that fall, so a series never
# rises, and it stops at RATE_FLOOR. A province's series, an average of its units', does the same.
RATE_DECLINE_SHARE = (0.08, 0.18)
RATE_DECLINE_POINTS = (0.1, 3.0)
NOISE = 0.12
RATE_FLOOR = 0.05
COMMUNE_HOUSEHOLDS, DISTRICT_HOUSEHOLDS = (4000, 12000), (20000, 56000)
# A rising rate (trained workers...) gains this many points a year.
RATE_GAIN_POINTS = (0.4, 3.0)


def _rng(*parts) -> random.Random:
    digest = hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


@dataclass
class Leaf:
    """A unit whose figures are drawn (a commune of the 2025 map, a district of the old one)."""

    unit_id: int
    key: str  # map and code: stable across databases
    region: str
    level: int
    parent_id: int


@dataclass
class Figure:
    value: Decimal | None = None
    numerator: int | None = None
    denominator: int | None = None


def _is_district_concept(indicator: Indicator) -> bool:
    return indicator.measure_unit in (MeasureUnit.YES_NO, MeasureUnit.DISTRICTS)


def _nearest(anchor: dict[int, Figure], year: int) -> int:
    return min(anchor, key=lambda y: (abs(y - year), y))


def _rate_series(indicator: Indicator, leaf: Leaf, years: list[int], seed: str, anchor: dict[int, Figure]) -> dict:
    """A rate's numerators and denominators: a straight line with a little noise, or, for a unit the
    household register has figures for, the register's figures and a line through the nearest one."""
    rng = _rng(seed, indicator.code, leaf.key)
    is_commune = leaf.level == UnitLevel.COMMUNE
    lower = indicator.direction == Direction.LOWER_IS_BETTER
    base_rng = _rng(seed, "base", BASE_OF.get(indicator.code, indicator.code), leaf.key)
    # About 26 million households on either map: 3.321 communes today, 696 districts before 2025.
    base = base_rng.randint(*COMMUNE_HOUSEHOLDS) if is_commune else base_rng.randint(*DISTRICT_HOUSEHOLDS)
    if lower:
        low, high = REGION_RATE.get(leaf.region, (1.0, 6.0))
        start = rng.uniform(low, high) * (2.5 if "X2" in indicator.code else 1.0)
        step = -min(max(start * rng.uniform(*RATE_DECLINE_SHARE), RATE_DECLINE_POINTS[0]), RATE_DECLINE_POINTS[1])
    else:
        start, step = rng.uniform(50, 72), rng.uniform(*RATE_GAIN_POINTS)
    out: dict[int, Figure] = {}
    last = None  # the numerator of the year before: a falling rate's count never grows back by rounding
    for y in years:
        noise = rng.uniform(-NOISE, NOISE) * abs(step)
        if y in anchor:
            out[y] = anchor[y]
            last = int(anchor[y].numerator)
            continue
        if anchor:
            near = anchor[_nearest(anchor, y)]
            rate = float(near.numerator) * 100 / float(near.denominator) + step * (y - _nearest(anchor, y)) + noise
            denominator = int(float(near.denominator) * (1.01 ** (y - _nearest(anchor, y))))
        else:
            rate = start + step * (y - FIRST_YEAR) + noise
            denominator = int(base * (1.01 ** (y - FIRST_YEAR)))
        rate = min(max(rate, RATE_FLOOR if lower else 1.0), 99.0)
        numerator = round(denominator * rate / 100)
        if lower and last is not None:
            numerator = min(numerator, last)
        out[y] = Figure(numerator=numerator, denominator=denominator)
        last = numerator
    return out


def _movements(poor: dict[int, Figure], leaf: Leaf, seed: str) -> dict[int, dict[str, int]]:
    """Households that left poverty, fell into it and fell back into it, each year: what the
    change in poor households (GN01's numerators) allows. The year before the first is estimated."""
    rng = _rng(seed, "movements", leaf.key)
    out = {}
    for year in sorted(poor):
        now = int(poor[year].numerator)
        before = int(poor[year - 1].numerator) if year - 1 in poor else round(now * 1.15)
        escaped = round(before * rng.uniform(0.2, 0.3))
        inflow = now - before + escaped
        if inflow < 0:
            escaped, inflow = escaped - inflow, 0
        fallen_back = round(inflow * rng.uniform(0.1, 0.25))
        out[year] = {"escaped": escaped, "new_poor": inflow - fallen_back, "fallen_back": fallen_back}
    return out


def _leaf_series(indicator: Indicator, leaf: Leaf, years: list[int], seed: str, drawn: dict,
                 anchor: dict[int, Figure] | None = None) -> dict[int, Figure]:
    """One leaf's yearly figures for one indicator (`anchor`: the register's figures of the leaf)."""
    anchor = anchor or {}
    rng = _rng(seed, indicator.code, leaf.key)
    is_commune = leaf.level == UnitLevel.COMMUNE
    lower = indicator.direction == Direction.LOWER_IS_BETTER
    unit = indicator.measure_unit
    code = indicator.code
    if code in NUMERATOR_OF and (NUMERATOR_OF[code], leaf.unit_id) in drawn:
        source = drawn[(NUMERATOR_OF[code], leaf.unit_id)]
        return {y: Figure(value=Decimal(f.numerator)) for y, f in source.items() if f.numerator is not None}
    if code in DENOMINATOR_OF and (DENOMINATOR_OF[code], leaf.unit_id) in drawn:
        source = drawn[(DENOMINATOR_OF[code], leaf.unit_id)]
        return {y: Figure(value=Decimal(f.denominator)) for y, f in source.items() if f.denominator is not None}
    if code in MOVEMENTS_OF and (POOR_RATE, leaf.unit_id) in drawn:
        moves = _movements(drawn[(POOR_RATE, leaf.unit_id)], leaf, seed)
        return {y: Figure(value=Decimal(m[MOVEMENTS_OF[code]])) for y, m in moves.items()}
    if code in DISTRICT_FLAG_OF and (DISTRICT_FLAG_OF[code], leaf.unit_id) in drawn:
        source = drawn[(DISTRICT_FLAG_OF[code], leaf.unit_id)]
        return {y: Figure(value=f.value) for y, f in source.items()}
    if indicator.aggregation == Aggregation.RATIO:
        return _rate_series(indicator, leaf, years, seed, anchor)
    if unit == MeasureUnit.YES_NO:
        poor = rng.random() < 0.11
        leaves_in = rng.randint(FIRST_YEAR + 1, 2030)
        return {y: Figure(value=Decimal(1 if poor and y < leaves_in else 0)) for y in years}
    if unit == MeasureUnit.PERCENT:  # a rate that does not add up: drawn for every unit alike
        start, slope = rng.uniform(62, 88), rng.uniform(-0.5, 2.5)
        return {y: Figure(value=Decimal(str(round(min(start + slope * (y - FIRST_YEAR), 100.0), 2)))) for y in years}
    if anchor:  # a count the register has for some years: the nearest one, a little less each year on
        change = rng.uniform(0.03, 0.12) * (-1 if lower else 1)
        out = {}
        for y in years:
            near = _nearest(anchor, y)
            out[y] = anchor[y] if y in anchor else Figure(
                value=Decimal(max(0, round(float(anchor[near].value) * (1 + change) ** (y - near)))))
        return out
    if lower:  # a stock that should fall: difficult communes, villages, poor households...
        if unit == MeasureUnit.COMMUNES:
            share = REGION_DIFFICULT.get(leaf.region, 0.1)
            start = (1 if rng.random() < share else 0) if is_commune else rng.randint(0, int(30 * share) + 1)
        elif unit == MeasureUnit.VILLAGES:
            start = rng.randint(0, 6) if is_commune else rng.randint(0, 50)
        else:
            start = rng.randint(0, 4) if is_commune else rng.randint(0, 40)
        decline, ends = rng.uniform(0.05, 0.35), FIRST_YEAR + rng.randint(1, 9)
        return {
            y: Figure(value=Decimal(round(start * (1 - decline) ** (y - FIRST_YEAR)) if start > 1 else (start if y < ends else 0)))
            for y in years
        }
    low, high = FLOW_PER_COMMUNE.get(code, (50, 400))
    if not is_commune:  # a district of the old map held about ten communes
        low, high = low * 10, high * 10
    mean = rng.uniform(low, high)
    return {y: Figure(value=Decimal(max(0, round(mean * rng.uniform(0.8, 1.2))))) for y in years}


def _sum(figures: list[Figure], aggregation: str) -> Figure:
    if aggregation == Aggregation.RATIO:
        return Figure(numerator=sum(int(f.numerator) for f in figures), denominator=sum(int(f.denominator) for f in figures))
    return Figure(value=sum((f.value for f in figures), Decimal(0)))


@dataclass
class Row:
    indicator_id: int
    unit_id: int
    year: int
    figure: Figure
    status: str
    is_late_correction: bool


Key = tuple[int, int, int]  # indicator id, unit id, year


def draw(indicators: list[Indicator], *, years: list[int], communes: bool = True, seed: str = SEED,
         register: dict[tuple[int, int], dict[int, Figure]] | None = None, taken: set[Key] | None = None) -> list[Row]:
    """Every illustrative figure, in memory, in a stable order.

    `register`: the household register's figures, {(indicator id, unit id): {year: Figure}}: a leaf
    the register has figures for gets its other years drawn from them. `taken`: keys that have a
    figure of another source already: never drawn; a province with such a leaf in a year is then
    not written either (indicators.rollups adds it up from its units, with every source's label).
    """
    register, taken = register or {}, taken or set()
    units = list(
        AdministrativeUnit.objects.filter(level__gte=UnitLevel.PROVINCE)
        .exclude(admin_map=AdminMap.LEGACY, level=UnitLevel.COMMUNE)
        .select_related("region", "parent__region")
        .order_by("admin_map", "level", "code")
    )
    provinces = {u.pk: u for u in units if u.level == UnitLevel.PROVINCE}
    keys = {u.pk: f"{u.admin_map}:{u.code}" for u in provinces.values()}
    leaves = [
        Leaf(u.pk, f"{u.admin_map}:{u.code}", provinces[u.parent_id].region.code if provinces[u.parent_id].region_id else "",
             u.level, u.parent_id)
        for u in units
        if (u.admin_map == AdminMap.CURRENT and u.level == UnitLevel.COMMUNE)
        or (u.admin_map == AdminMap.LEGACY and u.level == UnitLevel.DISTRICT)
    ]
    legacy_years = [y for y in years if y <= LEGACY_LAST_YEAR]
    ordered = sorted(indicators, key=lambda i: (i.code in DERIVED, i.code))
    drawn: dict[tuple[str, int], dict[int, Figure]] = {}
    rows: list[Row] = []
    for indicator in ordered:
        by_parent: dict[tuple[int, int], list[Figure]] = {}
        series_of = []
        for leaf in leaves:
            legacy = leaf.level == UnitLevel.DISTRICT
            if _is_district_concept(indicator) and not legacy:
                continue
            series = _leaf_series(indicator, leaf, legacy_years if legacy else years, seed, drawn,
                                  register.get((indicator.pk, leaf.unit_id)))
            drawn[(indicator.code, leaf.unit_id)] = series
            series_of.append((leaf, series))
        mixed = {
            (leaf.parent_id, year)
            for leaf, series in series_of for year in series if (indicator.pk, leaf.unit_id, year) in taken
        }
        for leaf, series in series_of:
            legacy = leaf.level == UnitLevel.DISTRICT
            for year, figure in series.items():
                by_parent.setdefault((leaf.parent_id, year), []).append(figure)
                if (communes or legacy) and (indicator.pk, leaf.unit_id, year) not in taken:
                    # Under a province that roll-ups add up, every figure must count: none pending.
                    rows.append(_row(indicator, leaf.unit_id, leaf.key, year, figure, years[-1], seed,
                                     may_pend=(leaf.parent_id, year) not in mixed))
        for (province_id, year), figures in sorted(by_parent.items()):
            if (indicator.pk, province_id, year) in taken:
                continue
            if indicator.aggregation == Aggregation.NONE:
                if indicator.measure_unit == MeasureUnit.YES_NO:
                    continue  # a yes/no of a district has no province value
                series = _leaf_series(indicator, Leaf(province_id, keys[province_id], "", UnitLevel.PROVINCE, 0), [year], seed, {})
                rows.append(_row(indicator, province_id, keys[province_id], year, series[year], years[-1], seed))
            elif (province_id, year) not in mixed:
                rows.append(_row(indicator, province_id, keys[province_id], year, _sum(figures, indicator.aggregation),
                                 years[-1], seed))
    return rows


def _row(indicator: Indicator, unit_id: int, key: str, year: int, figure: Figure, last_year: int, seed: str,
         may_pend: bool = True) -> Row:
    rng = _rng(seed, "status", indicator.code, key, year)
    status, late = ReviewStatus.APPROVED, False
    draw_ = rng.random()
    if year == last_year and draw_ < PENDING_SHARE and may_pend:
        status = ReviewStatus.SUBMITTED
    elif last_year - 2 <= year < last_year and draw_ < LATE_CORRECTION_SHARE:
        late = True
    return Row(indicator.pk, unit_id, year, figure, status, late)


COLUMNS = [
    "indicator_id", "unit_id", "period_kind", "year", "period_number", "value", "numerator", "denominator",
    "source", "status", "review_comment", "version", "is_late_correction", "correction_reason",
    "submitted_at", "reviewed_at", "created_at", "updated_at",
]


_MOMENTS: dict[tuple[int, int, int], datetime] = {}


def _moment(year: int, month: int, day: int) -> datetime:
    key = (year, month, day)
    if key not in _MOMENTS:
        _MOMENTS[key] = timezone.make_aware(datetime(year, month, day, 9, 0))
    return _MOMENTS[key]


def _record(row: Row, now: datetime) -> list:
    submitted_at = _moment(row.year + 1, 2, 1)
    approved = row.status == ReviewStatus.APPROVED
    reviewed_at = _moment(row.year + 1, 3, 15) if approved else None
    f = row.figure
    return [
        row.indicator_id, row.unit_id, PeriodKind.YEAR, row.year, 0, f.value, f.numerator, f.denominator,
        ActualSource.ILLUSTRATIVE, row.status, "", 2 if row.is_late_correction else 1, row.is_late_correction,
        CORRECTION_REASON if row.is_late_correction else "", submitted_at, reviewed_at, now, now,
    ]


def _write(records: list[list]) -> None:
    """COPY on PostgreSQL (seconds for half a million rows), bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for record in records:
            writer.writerow(["\\N" if v is None else (str(v).lower() if isinstance(v, bool) else v) for v in record])
        buffer.seek(0)
        table = connection.ops.quote_name(Actual._meta.db_table)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
            )
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
    YearlyValue.objects.filter(indicator_id__in=indicator_ids).delete()
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
    records = [
        _record(row, now)
        for row in draw(indicators, years=years, communes=communes, seed=seed, register=register, taken=taken)
    ]
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
    reviewed_at = timezone.make_aware(datetime(last_year, 1, 15, 9, 0))

    def add(task: Task, year: int, completed_on: date) -> None:
        key = (task.pk, task.lead_agency_id, PeriodKind.YEAR, year, 0)
        if key in taken:
            return
        taken.add(key)
        reports.append(TaskReport(
            task=task, agency_id=task.lead_agency_id, period_kind=PeriodKind.YEAR, year=year, period_number=0,
            progress=ProgressState.COMPLETED, percent_done=100, completed_on=completed_on,
            narrative=ILLUSTRATIVE_NARRATIVE, status=ReviewStatus.APPROVED, reviewed_at=reviewed_at,
            submitted_at=reviewed_at,
        ))

    for task in tasks:
        rng = _rng(seed, "task", task.document.number, task.document.issuer_id, task.number)
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
