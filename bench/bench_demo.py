"""Demo data that steps aside (PostgreSQL): removing one province's illustrative figures and
rebuilding its yearly values (indicators.demo_data), goal < 10 s.

Needs the demo's illustrative figures for the whole country: generated once when absent (the
generate_illustrative_actuals command, every indicator, 2020–2026, no task reports). The province's
figures are copied aside before the timed removal and put back after it, with their yearly values,
so that every run finds the same figures.
"""

import time

from django.core.management import call_command
from django.db import connection, transaction

from bench import report
from indicators import rollups
from indicators.demo_data import remove_demo_data, subtree_ids
from indicators.models import Actual, ActualSource, YearlyValue
from plans.models import AdministrativeUnit, AdminMap, UnitLevel

GOAL_SECONDS = 10.0
PROVINCE = ("92", AdminMap.CURRENT)  # Cần Thơ today: with Hậu Giang and Sóc Trăng merged into it, both maps
ASIDE = "bench_demo_aside"


def _ensure_data() -> None:
    if AdministrativeUnit.objects.filter(admin_map=AdminMap.CURRENT, level=UnitLevel.COMMUNE).count() < 3321:
        call_command("load_units", verbosity=0)
    call_command("load_cascade", verbosity=0)
    if not Actual.objects.filter(source=ActualSource.ILLUSTRATIVE).exists():
        started = time.monotonic()
        call_command("generate_illustrative_actuals", "--no-task-reports", verbosity=0, skip_checks=True)
        print(f"generated the illustrative figures in {time.monotonic() - started:.1f} s")


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _yearly_checksum() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), sum(coalesce(value, 0)), sum(coalesce(numerator, 0)), count(*) FILTER (WHERE is_headline), "
            f"count(*) FILTER (WHERE is_illustrative), count(*) FILTER (WHERE is_computed) FROM {_quoted(YearlyValue)}"
        )
        return cursor.fetchone()


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def main() -> None:
    if connection.vendor != "postgresql":
        print("bench_demo needs PostgreSQL (make bench).")
        return
    _ensure_data()
    province = AdministrativeUnit.objects.get(code=PROVINCE[0], admin_map=PROVINCE[1])
    unit_ids = sorted(subtree_ids([province]))
    table = _quoted(Actual)
    marks = ", ".join(["%s"] * len(unit_ids))
    with connection.cursor() as cursor:  # what the removal takes, kept aside (outside the timing)
        cursor.execute(f"DROP TABLE IF EXISTS {ASIDE}")
        cursor.execute(f"CREATE UNLOGGED TABLE {ASIDE} AS SELECT * FROM {table} WHERE source = %s AND unit_id IN ({marks})",
                       [ActualSource.ILLUSTRATIVE, *unit_ids])
        cursor.execute(f"SELECT count(*) FROM {ASIDE}")
        aside = cursor.fetchone()[0]
    total = Actual.objects.filter(source=ActualSource.ILLUSTRATIVE).count()
    table_before = _yearly_checksum()
    print(f"{province.name}: {len(unit_ids)} units on both maps, {_n(aside)} of {_n(total)} illustrative figures")
    assert aside > 0, "no illustrative figure in the province"
    try:
        started = time.perf_counter()
        result = remove_demo_data(units=[province], illustrative=True)
        seconds = time.perf_counter() - started
        assert result.illustrative == aside, (result.illustrative, aside)
        left = Actual.objects.filter(source=ActualSource.ILLUSTRATIVE, unit_id__in=unit_ids).count()
        assert left == 0 and Actual.objects.filter(source=ActualSource.ILLUSTRATIVE).count() == total - aside
        assert not YearlyValue.every.filter(unit_id__in=unit_ids, is_illustrative=True).exists()
        print(f"removed {_n(result.illustrative)} figures, rebuilt the yearly values of the province "
              f"({_n(result.yearly_values)} rows, {len(result.years)} years) in {seconds:.2f} s; "
              f"goal < {GOAL_SECONDS:.0f} s, ratio {seconds / GOAL_SECONDS:.2f}")
        report("demo_remove_province_seconds", seconds, "s")
    finally:  # put the province's figures back, so that the next run finds them
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} SELECT * FROM {ASIDE} ON CONFLICT DO NOTHING")
            cursor.execute(f"SELECT DISTINCT indicator_id, year FROM {ASIDE} WHERE period_kind = 'year'")
            touched = cursor.fetchall()
            rollups.refresh_subtrees(indicator_ids={i for i, _ in touched}, years={y for _, y in touched}, unit_ids=unit_ids)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {ASIDE}")
    assert Actual.objects.filter(source=ActualSource.ILLUSTRATIVE).count() == total
    assert _yearly_checksum() == table_before, "the yearly table differs after putting the figures back"
