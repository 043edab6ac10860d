"""Importing actuals at national scale, side by side on one generated file.

- 20.000 rows: our import (bulk path) against django-import-export's default row-by-row import
  of the same rows through ActualResource (the path of the admin's Import button);
- 1.000.000 rows from CSV: our import (checks every row, COPY into a staging table, set-based
  writes, committed) against a plain PostgreSQL COPY of the same rows, already resolved to ids,
  into the actuals table without any validation. The rebuild of the dashboards' yearly table that
  follows our import's commit is timed apart, and the time of both printed too.

Each run is a separate process on an emptied table; its peak memory is its own ru_maxrss.
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
from pathlib import Path

SMALL_ROWS = int(os.environ.get("BENCH_IMPORT_SMALL_ROWS", "20000"))
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


def generate(folder: Path, rows: int) -> tuple[Path, Path, Path]:
    """One generated file (CSV, Vietnamese headers); the small file is its first 20.000 rows; the
    COPY baseline file holds the same rows resolved to ids."""
    from indicators.models import Indicator
    from plans.models import AdministrativeUnit, UnitLevel

    indicators = list(Indicator.objects.order_by("code").values_list("code", "pk", "measure_unit"))
    units = list(
        AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE).order_by("admin_map", "code")
        .values_list("code", "admin_map", "pk")
    )
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
            for unit_code, admin_map, unit_id in units:
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
    from django.db import connection

    from indicators.models import Actual, YearlyValue
    from plans.models import AuditEntry

    AuditEntry.objects.filter(action="import", content_type__model="actual").delete()
    with connection.cursor() as cursor:
        # The bench database's dashboards table is rebuilt by each import; empty it with the figures.
        cursor.execute(f"DELETE FROM {YearlyValue._meta.db_table}")
        cursor.execute(f"DELETE FROM {Actual._meta.db_table} WHERE source = 'imported'")
    connection.close()
    with connection.cursor() as cursor:  # autocommit: VACUUM runs outside a transaction
        cursor.execute(f"VACUUM ANALYZE {Actual._meta.db_table}")


# ---------------------------------------------------------------------------------------------
# What each child process runs


def _ours(path: str) -> dict:
    """Read, check and write the file (committed), then the dashboards' table rebuilt after the
    commit (timed apart: the COPY baseline has no such table to keep)."""
    from indicators import bulk_actuals
    from indicators.workbook import import_workbook, read_upload

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


def child(run: str, path: str) -> None:
    import resource

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "povertyplan.settings")
    django.setup()
    started = time.perf_counter()
    figures = RUNS[run](path)
    total = time.perf_counter() - started
    figures["total"] = total
    figures["seconds"] = total - figures.get("dashboards", 0.0)
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
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
