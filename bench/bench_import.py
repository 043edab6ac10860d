"""Importing actuals at national scale, side by side on one generated file.

- 20.000 rows: our import (bulk path) against django-import-export's default row-by-row import
  of the same rows through ActualResource (the path of the admin's Import button);
- 1.000.000 rows from CSV: our import (checks every row, COPY into a staging table, set-based
  writes, committed) against a plain PostgreSQL COPY of the same rows, already resolved to ids,
  into the actuals table without any validation. The rebuild of the dashboards' yearly table that
  follows our import's commit is timed apart, and the time of both printed too.

Each year's rows are the communes that existed at the end of that year (a figure describes its
place at the end of its period: indicators.closures): the 63-province map's up to 2024, the
34-province map's from 2025, so that every row is one the import takes.

The benchmark keeps to rows of its own: 20 indicators of its own (codes "BENCH-NK01".."BENCH-NK20",
created on first use), whose figures it deletes before each run and at the end (their audit entries
stay: the trail is append-only), so it never meets the figures other benchmarks wrote and leaves
theirs alone, in any order and on any rerun.
Each run is a separate process; its peak memory is its own (VmHWM).
BENCH_IMPORT_ROWS and BENCH_IMPORT_SMALL_ROWS scale the two files down for a quick look
(defaults 1.000.000 and 20.000; the row-by-row import of 20.000 rows takes about 20 minutes,
most of it in the per-figure refresh of the dashboards' table).
"""

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

SMALL_ROWS = int(os.environ.get("BENCH_IMPORT_SMALL_ROWS", "20000"))
INDICATOR_PREFIX = "BENCH-NK"
# Measure units, good directions and aggregations of its indicators, in turn (a mix like the catalogue's).
KINDS = [("percent", "lower", "ratio"), ("households", "lower", "sum"), ("workers", "higher", "sum"),
         ("percent", "higher", "ratio"), ("points", "higher", "none")]
INDICATORS = 20
HEADERS = ["Mã chỉ số", "Mã địa bàn", "Bản đồ", "Năm", "Kỳ", "Số kỳ", "Giá trị", "Tử số", "Mẫu số", "Trạng thái"]
COPY_COLUMNS = (
    "indicator_id, unit_id, period_kind, year, period_number, value, numerator, denominator, source, status, "
    "review_comment, version, is_late_correction, correction_reason, created_at, updated_at"
)


def _value(measure_unit: str, n: int) -> str:
    if measure_unit == "percent":
        return f"{(n * 37) % 10000 / 100:.2f}".replace(".", ",")
    if measure_unit == "points":
        return f"{(n * 13) % 500 / 100:.2f}".replace(".", ",")
    if measure_unit == "yes_no":
        return str(n % 2)
    return f"{(n * 7919) % 250000:,}".replace(",", ".")


def own_indicators():
    """The benchmark's own indicators (created on first use): no other benchmark writes their figures."""
    from indicators.models import Indicator

    for n in range(1, INDICATORS + 1):
        measure_unit, direction, aggregation = KINDS[(n - 1) % len(KINDS)]
        Indicator.objects.get_or_create(code=f"{INDICATOR_PREFIX}{n:02d}", defaults={
            "name": f"Chỉ số thử tốc độ nhập số liệu {n:02d}", "measure_unit": measure_unit,
            "direction": direction, "aggregation": aggregation})
    return Indicator.objects.filter(code__startswith=INDICATOR_PREFIX).order_by("code")


def communes_of(year: int) -> list[tuple[str, str, int]]:
    """(code, map, id) of the communes that existed on 31/12 of `year`: the ones that take its figures."""
    from django.db.models import Q

    from plans.models import AdministrativeUnit, UnitLevel

    end = date(year, 12, 31)
    communes = list(
        AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=end), Q(valid_to__isnull=True) | Q(valid_to__gte=end))
        .order_by("admin_map", "code").values_list("code", "admin_map", "pk")
    )
    assert communes, f"no commune exists at the end of {year} (load_units)"
    return communes


def generate(folder: Path, rows: int) -> tuple[Path, Path, Path]:
    """One generated file (CSV, Vietnamese headers); the small file is its first 20.000 rows; the
    COPY baseline file holds the same rows resolved to ids."""
    indicators = list(own_indicators().values_list("code", "pk", "measure_unit"))
    big, small, baseline = folder / "actuals.csv", folder / "small" / "actuals.csv", folder / "baseline.csv"
    small.parent.mkdir()
    with big.open("w", encoding="utf-8", newline="") as big_file, \
            small.open("w", encoding="utf-8", newline="") as small_file, \
            baseline.open("w", encoding="utf-8", newline="") as baseline_file:
        big_writer, small_writer = csv.writer(big_file), csv.writer(small_file)
        big_writer.writerow(HEADERS)
        small_writer.writerow(HEADERS)
        n = 0
        year = 2021
        while n < rows:
            for unit_code, admin_map, unit_id in communes_of(year):
                for code, indicator_id, measure_unit in indicators:
                    value = _value(measure_unit, n)
                    row = [code, unit_code, admin_map, year, "Năm", 0, value, "", "", ""]
                    big_writer.writerow(row)
                    if n < SMALL_ROWS:
                        small_writer.writerow(row)
                    plain = value.replace(".", "").replace(",", ".")
                    baseline_file.write(
                        f'{indicator_id},{unit_id},year,{year},0,{plain},,,imported,approved,"",1,f,"",now,now\n'
                    )
                    n += 1
                    if n >= rows:
                        break
                if n >= rows:
                    break
            year += 1
    return big, small, baseline


def clear() -> None:
    """Delete every figure of the benchmark's own indicators (and their dashboard rows); other
    benchmarks' figures stay.

    Their audit entries stay too: the trail is append-only, a PostgreSQL trigger refuses deleting
    them (plans/migrations/0008_auditentry_append_only.py), and the benchmark takes no way around
    it. Only the row-by-row run writes entries (one per figure, SMALL_ROWS a run); they keep the
    ids of deleted figures, which are never reused, so a rerun meets none of them."""
    from django.db import connection

    from indicators.models import Actual, YearlyValue

    ids = tuple(own_indicators().values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {YearlyValue._meta.db_table} WHERE indicator_id = ANY(%s)", [list(ids)])
        cursor.execute(f"DELETE FROM {Actual._meta.db_table} WHERE indicator_id = ANY(%s)", [list(ids)])
    connection.close()
    with connection.cursor() as cursor:  # autocommit: VACUUM runs outside a transaction
        cursor.execute(f"VACUUM ANALYZE {Actual._meta.db_table}")


# ---------------------------------------------------------------------------------------------
# What each child process runs


def _ours(path: str) -> dict:
    """Read, check and write the file (committed), then the dashboards' table rebuilt after the
    commit (timed apart: the COPY baseline has no such table to keep)."""
    from exchange.workbook import bulk_actuals
    from exchange.workbook.loading import import_workbook
    from exchange.workbook.reading import read_upload

    spent = {"dashboards": 0.0}
    refresh = bulk_actuals.refresh_dashboards

    def timed_refresh(affected) -> None:
        started = time.perf_counter()
        refresh(affected)
        spent["dashboards"] += time.perf_counter() - started

    bulk_actuals.refresh_dashboards = timed_refresh
    workbook = read_upload(Path(path), Path(path).name)
    result = import_workbook(workbook.sheets, problems=workbook.problems)
    assert not result.has_errors, result.errors[:5]
    return {"rows": result.changed, **spent}


def _import_export(path: str) -> int:
    import tablib

    from indicators.resources import ActualResource

    dataset = tablib.Dataset().load(Path(path).read_text(encoding="utf-8"), format="csv")
    result = ActualResource().import_data(dataset)
    assert not result.has_errors() and not result.has_validation_errors()
    return {"rows": result.totals["new"]}


def _copy(path: str) -> int:
    from django.db import connection, transaction

    from indicators.models import Actual

    with transaction.atomic(), connection.cursor() as cursor, open(path, encoding="utf-8") as source:
        cursor.copy_expert(f"COPY {Actual._meta.db_table} ({COPY_COLUMNS}) FROM STDIN WITH (FORMAT csv)", source)
        return {"rows": cursor.rowcount}


RUNS = {"ours": _ours, "import_export": _import_export, "copy": _copy}


def _peak_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux keeps it across exec, so a child
    of the large `python -m bench` process would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(run: str, path: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertyplan.settings")
    django.setup()
    started = time.perf_counter()
    figures = RUNS[run](path)
    total = time.perf_counter() - started
    figures["total"] = total
    figures["seconds"] = total - figures.get("dashboards", 0.0)
    figures["peak_mb"] = _peak_mb()
    print(json.dumps(figures))


def measure(run: str, path: Path) -> dict:
    clear()
    command = [sys.executable, "-c", f"import bench.bench_import as b; b.child({run!r}, {str(path)!r})"]
    output = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    if output.returncode:
        raise RuntimeError(f"{run} failed:\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    from django.core.management import call_command

    from bench import report
    from plans.models import AdministrativeUnit

    if not AdministrativeUnit.objects.exists():
        call_command("load_units", verbosity=0)
    call_command("load_cascade", verbosity=0)
    rows = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        started = time.perf_counter()
        big, small, baseline = generate(Path(folder), rows)
        print(f"generated {rows:,} rows in {time.perf_counter() - started:.1f} s", flush=True)

        copy_big = measure("copy", baseline)
        ours_big = measure("ours", big)
        ours_small = measure("ours", small)
        iex_small = measure("import_export", small)
        print(f"{SMALL_ROWS:,} rows: ours {ours_small['seconds']:.2f} s ({ours_small['peak_mb']:.0f} MB), "
              f"django-import-export row by row {iex_small['seconds']:.2f} s ({iex_small['peak_mb']:.0f} MB): "
              f"{iex_small['seconds'] / ours_small['total']:.1f}× faster (ours with its dashboards rebuild: "
              f"{ours_small['total']:.2f} s)", flush=True)
        clear()
        print(f"{rows:,} rows from CSV: ours {ours_big['seconds']:.2f} s ({ours_big['peak_mb']:.0f} MB), "
              f"plain COPY {copy_big['seconds']:.2f} s ({copy_big['peak_mb']:.0f} MB): "
              f"{ours_big['seconds'] / copy_big['seconds']:.2f}× the COPY; then the dashboards' table rebuilt "
              f"in {ours_big['dashboards']:.2f} s after the commit ({ours_big['total']:.2f} s in all)", flush=True)

    report("import_20k_ours", ours_small["seconds"], "s")
    report("import_20k_ours_with_dashboards", ours_small["total"], "s")
    report("import_20k_import_export", iex_small["seconds"], "s")
    report("import_20k_speedup", iex_small["seconds"] / ours_small["total"], "x")
    report("import_20k_ours_peak", ours_small["peak_mb"], "MB")
    report("import_20k_import_export_peak", iex_small["peak_mb"], "MB")
    report("import_1m_ours", ours_big["seconds"], "s")
    report("import_1m_ours_dashboards_after_commit", ours_big["dashboards"], "s")
    report("import_1m_ours_with_dashboards", ours_big["total"], "s")
    report("import_1m_copy", copy_big["seconds"], "s")
    report("import_1m_ratio_to_copy", ours_big["seconds"] / copy_big["seconds"], "x")
    report("import_1m_ratio_to_copy_with_dashboards", ours_big["total"] / copy_big["seconds"], "x")
    report("import_1m_ours_peak", ours_big["peak_mb"], "MB")
    report("import_1m_copy_peak", copy_big["peak_mb"], "MB")
