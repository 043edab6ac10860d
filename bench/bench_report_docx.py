"""The annual monitoring report (.docx, TT 10/2022 Mẫu số 01) of a province at national scale.

Data of its own, kept apart by the "BENCH-DOCX" prefix and generated once (a rerun reuses it):
the country map, 40 indicators ("BENCH-DOCX01".."40") with a plan of thành phố Cần Thơ (2025 map)
holding a province target on each and a target on one indicator for every one of its communes,
300 tasks led by 12 agencies, approved yearly figures 2020–BENCH_YEAR for the province and its
communes and BENCH_YEAR figures of every other province and commune of the 2025 map (COPY into
the yearly table), the household review table of its communes for BENCH_YEAR, and a narrative.

Measures reports.docx_report.monitoring_report (gather + render) as the province's leader (not a
superuser: every read goes through plans.access): one warm-up, then RUNS timed; goal < 5 s.
"""

import io
import os
import random
import statistics
import time
from datetime import date

from bench import report

PREFIX = "BENCH-DOCX"
INDICATORS = 40
AGENCIES = 12
TASKS = 300
BENCH_YEAR = 2025
FIRST_YEAR = 2020
PROVINCE = "92"  # thành phố Cần Thơ on the 2025 map
RUNS = 5
GOAL_SECONDS = 5


def _setup():
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from households.models import PovertyStandard
    from indicators.models import Indicator, Target
    from plans.models import Agency, AdministrativeUnit, AdminMap, Document, Membership, Role, Task, UnitLevel

    if not AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, admin_map=AdminMap.CURRENT).exists():
        call_command("load_units", verbosity=0)
    if not PovertyStandard.objects.exists():
        call_command("load_standards", verbosity=0)
    province = AdministrativeUnit.objects.get(code=PROVINCE, admin_map=AdminMap.CURRENT)
    communes = list(AdministrativeUnit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code"))
    for n in range(1, INDICATORS + 1):
        Indicator.objects.get_or_create(code=f"{PREFIX}{n:02d}", defaults={
            "name": f"Chỉ số thử tốc độ báo cáo giám sát {n:02d}", "measure_unit": "households",
            "direction": "lower", "aggregation": "sum"})
    indicators = list(Indicator.objects.filter(code__startswith=PREFIX).order_by("code"))
    agencies = []
    for n in range(1, AGENCIES + 1):
        agency, _ = Agency.objects.get_or_create(code=f"{PREFIX.lower()}-{n:02d}", defaults={
            "name": f"Sở thử tốc độ {n:02d}", "kind": "peoples_committee", "unit": province})
        agencies.append(agency)
    document, created = Document.objects.get_or_create(key=f"{PREFIX.lower()}-ke-hoach", defaults={
        "number": f"{PREFIX}/KH-UBND", "kind": "plan", "issuer": agencies[0], "territory": province,
        "title": "Kế hoạch thử tốc độ báo cáo giám sát", "issued_on": date(2021, 3, 1),
        "start_year": 2021, "end_year": 2030})
    if created or not Target.objects.filter(document=document).exists():
        targets = [Target(document=document, code=f"T{n:02d}", territory=province, indicator=indicator, kind="level",
                          unit="households", max_value=1000 + n, start_year=2021, end_year=2030, position=n,
                          source_quote=f"Giảm số hộ thiếu hụt {n:02d}")
                   for n, indicator in enumerate(indicators, start=1)]
        targets += [Target(document=document, code=f"X{i:03d}", territory=commune, indicator=indicators[0], kind="level",
                           unit="households", max_value=40, start_year=2021, end_year=2030, position=100 + i,
                           source_quote="Số hộ thiếu hụt của xã")
                    for i, commune in enumerate(communes, start=1)]
        Target.objects.bulk_create(targets)
        rng = random.Random(7)
        Task.objects.bulk_create([
            Task(document=document, number=f"{n}", position=n, title=f"Nhiệm vụ thử tốc độ {n}",
                 lead_agency=agencies[n % AGENCIES], due_on=date(2021 + n % 9, 1 + n % 12, 1 + n % 28),
                 recurrence=rng.choice(["", "", "yearly"]))
            for n in range(1, TASKS + 1)
        ])
    leader = get_user_model().objects.filter(username="bench-docx-leader").first()
    if leader is None:
        leader = get_user_model().objects.create_user("bench-docx-leader", password=None)
        Membership.objects.create(user=leader, unit=province, role=Role.LEADER)
    return province, communes, indicators, leader


def _figures(province, communes, indicators) -> int:
    """Approved yearly values (COPY): the province and its communes every year, the rest of the
    2025 map in BENCH_YEAR."""
    from django.db import connection, transaction

    from indicators.models import YearlyValue
    from plans.models import AdministrativeUnit, AdminMap

    rng = random.Random(11)
    own = {province.pk, *(c.pk for c in communes)}
    others = AdministrativeUnit.objects.filter(admin_map=AdminMap.CURRENT).exclude(pk__in=own).values_list("pk", flat=True)
    buffer = io.StringIO()
    for indicator in indicators:
        for unit_id in own:
            for year in range(FIRST_YEAR, BENCH_YEAR + 1):
                buffer.write(f"{indicator.pk},{unit_id},{year},{rng.randint(10, 2000)}\n")
        for unit_id in others:
            buffer.write(f"{indicator.pk},{unit_id},{BENCH_YEAR},{rng.randint(10, 2000)}\n")
    buffer.seek(0)
    table = YearlyValue._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE indicator_id = ANY(%s)", [[i.pk for i in indicators]])
        cursor.execute("CREATE TEMP TABLE bench_docx_rows (indicator_id bigint, unit_id bigint, year smallint, "
                       "value numeric) ON COMMIT DROP")
        cursor.copy_expert("COPY bench_docx_rows FROM STDIN WITH (FORMAT csv)", buffer)
        cursor.execute(
            f"INSERT INTO {table} (indicator_id, unit_id, year, standard, breakdown, is_headline, value, "
            "is_computed, children_count, is_late_correction, is_illustrative, is_synthetic) "
            "SELECT indicator_id, unit_id, year, '', '', true, value, false, 0, false, false, false FROM bench_docx_rows")
        return cursor.rowcount


def _review_table(province, communes) -> None:
    from households.aggregate_models import AggregateReview
    from households.models import PovertyStandard

    if AggregateReview.objects.filter(unit__in=communes, year=BENCH_YEAR).count() >= len(communes):
        return
    standard = PovertyStandard.objects.filter(first_year__lte=BENCH_YEAR, last_year__gte=BENCH_YEAR).order_by("code").first()
    rng = random.Random(5)
    rows = []
    for commune in communes:
        start = rng.randint(50, 400)
        escaped, back, new = rng.randint(0, start // 3), rng.randint(0, 5), rng.randint(0, 30)
        rows.append(AggregateReview(unit=commune, year=BENCH_YEAR, standard=standard, total=rng.randint(2000, 9000),
                                    poor_start=start, escaped=escaped, fallen_back=back, new_poor=new,
                                    poor_end=start - escaped + back + new))
    AggregateReview.objects.filter(unit__in=communes, year=BENCH_YEAR).delete()
    AggregateReview.objects.bulk_create(rows)


def _narrative(province) -> None:
    from reports.models import MonitoringReport

    text = "\n".join(f"[BENCH] Đoạn {n}: tình hình thực hiện chương trình giảm nghèo trên địa bàn." for n in range(40))
    MonitoringReport.objects.update_or_create(
        unit=province, year=BENCH_YEAR, period_kind="year", period_number=0,
        defaults={"general_situation": text, "results_commentary": text, "difficulties": text, "proposals": text})


def main() -> None:
    from django.db import connection

    from indicators.models import YearlyValue
    from reports import docx_report

    if connection.vendor != "postgresql":
        print("bench_report_docx needs PostgreSQL (make bench).")
        return
    province, communes, indicators, leader = _setup()
    if not YearlyValue.objects.filter(indicator__in=indicators, unit=province, year=BENCH_YEAR).exists():
        started = time.perf_counter()
        written = _figures(province, communes, indicators)
        print(f"Số liệu năm: {written} dòng, {time.perf_counter() - started:.1f} s", flush=True)
    _review_table(province, communes)
    _narrative(province)

    def run() -> tuple[float, int]:
        started = time.perf_counter()
        content = docx_report.monitoring_report(user=leader, unit=province, year=BENCH_YEAR, period_kind="year",
                                                period_number=0)
        return time.perf_counter() - started, len(content)

    run()  # warm-up
    timings = [run() for _ in range(RUNS)]
    seconds = statistics.median(t for t, _size in timings)
    size = timings[-1][1]
    if os.environ.get("BENCH_REPORT_DOCX_SAVE"):  # the last report, to look at (LibreOffice → PNG)
        with open(os.environ["BENCH_REPORT_DOCX_SAVE"], "wb") as out:
            out.write(docx_report.monitoring_report(user=leader, unit=province, year=BENCH_YEAR, period_kind="year",
                                                    period_number=0))
    print(f"Báo cáo năm {BENCH_YEAR} của {province.name}: {len(communes)} xã, {INDICATORS + len(communes)} chỉ tiêu, "
          f"{TASKS} nhiệm vụ; tệp {size / 1024:.0f} KB; trung vị {seconds:.2f} s (mục tiêu < {GOAL_SECONDS} s)", flush=True)
    report("report_docx_province_seconds", seconds, "s")
    report("report_docx_province_goal_ratio", seconds / GOAL_SECONDS, "x")
