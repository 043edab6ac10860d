"""Data-quality rules over a year of national-scale figures (quality.engine).

Data of its own: 46 indicators ("BENCH-CL01".."BENCH-CL46", kept apart from the other benchmarks
by the "BENCH-" prefix) with a yearly figure for every unit of the 63-province map (nation, 6
regions, 63 provinces, 696 districts, ~10.000 communes) in BENCH_YEAR: about 500.000 figures,
plus the previous year of the two indicators the rules look back to. Communes get figures, every
level above is their sum (one district in 97 is off by 7, one rate in 101 is printed wrong; the
random movements do not balance the poor from one year to the next), so the run writes findings. Generated once with COPY into the yearly table; a rerun reuses it.

Rules: the seed catalogue (data/quality_rules.csv) and the benchmark's own ("bench-cl-...": count
within total, rate = count / total to the printed rounding, numerator = count, the balance of the
poor, the year-on-year band, and the sum of the units below for every count indicator).
Measures one national run (evaluate + replace the findings); goal < 30 s. The ratio is the run
over a plain read of the same rows (the floor any engine pays).
"""

import io
import random
import time
from decimal import ROUND_HALF_UP, Decimal

from bench import report

PREFIX = "BENCH-CL"
INDICATORS = 46
BENCH_YEAR = 2018  # the dashboards use 2020–2026, the register 2024–2025
GOAL_SECONDS = 30
# 01 total households, 02 poor, 03 poor rate, 04 escaped, 05 fell back, 06 newly poor, 07.. other counts
TOTAL, POOR, RATE, ESCAPED, FELL_BACK, NEW_POOR = (f"{PREFIX}{n:02d}" for n in range(1, 7))


def _indicators() -> dict[str, int]:
    from indicators.models import Indicator

    for n in range(1, INDICATORS + 1):
        code = f"{PREFIX}{n:02d}"
        rate = code == RATE
        Indicator.objects.get_or_create(code=code, defaults={
            "name": f"Chỉ số thử tốc độ kiểm tra chất lượng {n:02d}", "measure_unit": "percent" if rate else "households",
            "direction": "lower", "aggregation": "ratio" if rate else "sum"})
    return dict(Indicator.objects.filter(code__startswith=PREFIX).values_list("code", "pk"))


def _rules(codes: dict[str, int]) -> int:
    from quality.models import QualityRule

    def c(code: str) -> str:
        return "#{" + code + "}"

    rules = [
        ("bench-cl-count-within-total", c(POOR), "<=", c(TOTAL), None),
        ("bench-cl-rate-matches-counts", f"{c(RATE)}.value", "==", f"{c(RATE)}.rate", 2),
        ("bench-cl-numerator-is-count", f"{c(RATE)}.numerator", "==", c(POOR), None),
        ("bench-cl-balance", c(POOR), "==", f"{c(POOR)}[year-1] - {c(ESCAPED)} + {c(FELL_BACK)} + {c(NEW_POOR)}", None),
        ("bench-cl-rate-up", f"{c(RATE)} - {c(RATE)}[year-1]", "<=", "10", None),
        ("bench-cl-rate-down", f"{c(RATE)}[year-1] - {c(RATE)}", "<=", "10", None),
    ] + [(f"bench-cl-sum-{code[-2:]}", c(code), "==", f"sum_children({c(code)})", None)
         for code in sorted(codes) if code != RATE]
    for position, (code, left, operator, right, decimals) in enumerate(rules, start=1000):
        QualityRule.objects.update_or_create(code=code, defaults={
            "name": f"Thử tốc độ: {code}", "left_side": left, "operator": operator, "right_side": right,
            "rounding_decimals": decimals, "position": position, "is_active": True})
    return QualityRule.objects.filter(is_active=True).count()


def _units():
    from plans.models import AdministrativeUnit, AdminMap, UnitLevel

    return list(AdministrativeUnit.objects.filter(admin_map__in=(AdminMap.LEGACY, AdminMap.STATISTICAL))
                .values_list("pk", "parent_id", "region_id", "level"))


def _generate(codes: dict[str, int]) -> int:
    """Commune figures, every level above their sum; COPY into the yearly table."""
    from django.db import connection, transaction

    from indicators.models import YearlyValue
    from plans.models import UnitLevel

    rng = random.Random(13)
    units = _units()
    levels = {pk: level for pk, _p, _r, level in units}
    parents = {pk: parent for pk, parent, _r, _l in units}
    regions = {pk: region for pk, _p, region, level in units if level == UnitLevel.PROVINCE}
    communes = [pk for pk, level in levels.items() if level == UnitLevel.COMMUNE]
    buffer = io.StringIO()
    counts = sorted(code for code in codes if code != RATE)
    sums: dict[tuple[str, int, int], int] = {}
    for commune in communes:
        for year in (BENCH_YEAR - 1, BENCH_YEAR):
            total = rng.randint(800, 4000)
            poor = rng.randint(0, total // 10)
            values = {TOTAL: total, POOR: poor, ESCAPED: rng.randint(0, 30), FELL_BACK: rng.randint(0, 5),
                      NEW_POOR: rng.randint(0, 20)}
            for code in counts[6:] if year == BENCH_YEAR else []:
                values[code] = rng.randint(0, 500)
            for code, value in values.items():
                if year == BENCH_YEAR or code in (POOR, TOTAL):
                    node = commune
                    while node is not None:  # the commune and every unit above it, with the region
                        sums[(code, node, year)] = sums.get((code, node, year), 0) + value
                        if levels[node] == UnitLevel.PROVINCE and regions.get(node):
                            key = (code, regions[node], year)
                            sums[key] = sums.get(key, 0) + value
                        node = parents.get(node)
    for n, ((code, unit, year), value) in enumerate(sorted(sums.items())):
        if code in (TOTAL, POOR) and year == BENCH_YEAR - 1 and code == TOTAL:
            continue
        if levels[unit] == UnitLevel.DISTRICT and n % 97 == 0:
            value += 7
        if year == BENCH_YEAR or code == POOR:
            buffer.write(f"{codes[code]},{unit},{year},{value},,\n")
        if code == POOR:
            total = sums[(TOTAL, unit, BENCH_YEAR)] if (TOTAL, unit, BENCH_YEAR) in sums else None
            total_year = sums.get((TOTAL, unit, year)) or total
            if total_year:
                rate = (Decimal(value) * 100 / total_year).quantize(Decimal("0.01"), ROUND_HALF_UP)
                if n % 101 == 0:
                    rate += Decimal("0.3")
                buffer.write(f"{codes[RATE]},{unit},{year},{rate},{value},{total_year}\n")
    buffer.seek(0)
    table = YearlyValue._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE indicator_id = ANY(%s)", [list(codes.values())])
        cursor.execute(
            "CREATE TEMP TABLE bench_quality_rows (indicator_id bigint, unit_id bigint, year smallint, "
            "value numeric, numerator numeric, denominator numeric) ON COMMIT DROP")
        cursor.copy_expert("COPY bench_quality_rows FROM STDIN WITH (FORMAT csv)", buffer)
        cursor.execute(
            f"INSERT INTO {table} (indicator_id, unit_id, year, standard, breakdown, is_headline, value, numerator, "
            "denominator, is_computed, children_count, is_late_correction, is_illustrative, is_synthetic) "
            "SELECT indicator_id, unit_id, year, '', '', true, value, numerator, denominator, false, 0, false, true, false "
            "FROM bench_quality_rows")
        return cursor.rowcount


def main() -> None:
    from django.core.management import call_command
    from django.db import connection

    from indicators.models import YearlyValue
    from plans.models import AdministrativeUnit, UnitLevel
    from quality import engine

    if connection.vendor != "postgresql":
        print("bench_quality needs PostgreSQL (make bench).")
        return
    if not AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE).exists():
        call_command("load_units", verbosity=0)
    call_command("load_quality_rules", verbosity=0)
    codes = _indicators()
    rule_count = _rules(codes)
    rows = YearlyValue.every.filter(indicator_id__in=codes.values(), year=BENCH_YEAR).count()
    if rows < 400_000:
        started = time.perf_counter()
        written = _generate(codes)
        print(f"Số liệu năm để kiểm tra: {written} dòng, {time.perf_counter() - started:.1f} s", flush=True)
        rows = YearlyValue.every.filter(indicator_id__in=codes.values(), year=BENCH_YEAR).count()
    nation = AdministrativeUnit.objects.get(level=UnitLevel.NATION)

    started = time.perf_counter()
    read = sum(1 for _ in YearlyValue.objects.filter(year__in=(BENCH_YEAR - 1, BENCH_YEAR)).values_list(
        "indicator_id", "year", "unit_id", "value", "numerator", "denominator").iterator(chunk_size=20000))
    read_seconds = time.perf_counter() - started

    started = time.perf_counter()
    findings = engine.run(territory=nation, year=BENCH_YEAR)
    seconds = time.perf_counter() - started
    print(f"{rule_count} quy tắc, {rows} số liệu năm {BENCH_YEAR} (đọc {read} dòng: {read_seconds:.1f} s), "
          f"{len(findings)} kết quả cần kiểm tra: {seconds:.1f} s (mục tiêu < {GOAL_SECONDS} s)", flush=True)
    report("quality_rules_national_seconds", seconds, "s")
    report("quality_rules_national_goal_ratio", seconds / GOAL_SECONDS, "x")
    report("quality_rules_national_read_ratio", seconds / read_seconds if read_seconds else 0, "x")
    report("quality_rules_national_figures", rows, "rows")
    report("quality_rules_national_findings", len(findings), "rows")
