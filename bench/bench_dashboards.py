"""The dashboard pages at national scale: p50/p95 per page and the ratio to its main query.

Data: the country map and the seed cascade, and illustrative yearly figures 2020–2026 (2020 is the
baseline year of the 2021–2025 targets) for 20 indicators and every unit: 34 provinces and
3.321 communes of the 2025 map, the 63 provinces and 696 districts of the old map up to 2024; the
nation and regions added up by indicators.rollups. The seed catalogue holds 13 indicators (more
if other apps add theirs); the benchmark adds illustrative ones ("MH..") up to 20. Generated
once: a rerun reuses them. Indicators that other benchmarks keep for themselves (codes starting
"BENCH-") are never counted or used here, so the set is the same in any order and on any rerun.

Each page is requested through Django's test client as a signed-in national leader (not a
superuser: every read goes through plans.access.scope): a few warm-up requests, then
BENCH_DASHBOARD_REQUESTS (default 40) timed ones. The page's main aggregate query (the slowest
read of indicators_yearlyvalue it ran) is then run alone as many times; the ratio is the page's
median over that query's median.
"""

import os
import statistics
import time

from bench import page_times, percentile, report, server

REQUESTS = int(os.environ.get("BENCH_DASHBOARD_REQUESTS", "40"))
WARM_UP = 3
INDICATORS = 20
TARGET_MS = 300
PRIVATE_PREFIX = "BENCH-"  # indicators another benchmark keeps to itself (bench_import's)
EXTRA = [  # code, name, measure unit, direction, aggregation
    ("MH01", "Tỷ lệ hộ có nhà ở an toàn (minh họa)", "percent", "higher", "ratio"),
    ("MH02", "Tỷ lệ hộ dùng nước sạch (minh họa)", "percent", "higher", "ratio"),
    ("MH03", "Số hộ thoát nghèo trong năm (minh họa)", "households", "higher", "sum"),
    ("MH04", "Tỷ lệ trẻ em hộ nghèo đi học đúng tuổi (minh họa)", "percent", "higher", "ratio"),
    ("MH05", "Số hộ tái nghèo (minh họa)", "households", "lower", "sum"),
    ("MH06", "Tỷ lệ hộ nghèo có thẻ BHYT (minh họa)", "percent", "higher", "ratio"),
    ("MH07", "Số lao động được hỗ trợ đào tạo nghề (minh họa)", "workers", "higher", "sum"),
    ("MH08", "Tỷ lệ hộ cận nghèo thoát cận nghèo (minh họa)", "percent", "higher", "ratio"),
    ("MH09", "Số nhà đại đoàn kết được xây (minh họa)", "households", "higher", "sum"),
]


def _ensure_data() -> None:
    from django.core.management import call_command

    from indicators.management.commands.generate_illustrative_actuals import generate
    from indicators.models import Actual, ActualSource, Indicator, Target
    from plans.models import AdministrativeUnit, UnitLevel

    if not AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE).exists():
        started = time.perf_counter()
        call_command("load_units", verbosity=0)
        print(f"Nạp bản đồ hành chính: {time.perf_counter() - started:.1f} s", flush=True)
    if not Target.objects.filter(document__number="05-CT/TW").exists():  # other benchmarks add targets of their own
        call_command("load_cascade", verbosity=0)
    catalogue = Indicator.objects.exclude(code__startswith=PRIVATE_PREFIX)
    for code, name, measure_unit, direction, aggregation in EXTRA:
        if catalogue.count() >= INDICATORS:
            break
        Indicator.objects.get_or_create(code=code, defaults={
            "name": name, "measure_unit": measure_unit, "direction": direction, "aggregation": aggregation})
    indicators = list(catalogue.order_by("code")[:INDICATORS])
    have = (
        Actual.objects.filter(source=ActualSource.ILLUSTRATIVE, unit__level=UnitLevel.COMMUNE, year=2026,
                              indicator__in=indicators)
        .values("indicator").distinct().count()
    )
    usable = sum(1 for i in indicators if i.measure_unit not in ("yes_no", "districts"))
    if have < usable:
        started = time.perf_counter()
        counts = generate(indicators, years=list(range(2020, 2027)))
        seconds = time.perf_counter() - started
        print(f"Số liệu minh họa: {counts['actuals']} số liệu năm, {counts['yearly_values']} dòng tổng hợp, "
              f"{seconds:.1f} s", flush=True)
        report("dashboards_generate_illustrative", seconds, "s")
        report("dashboards_illustrative_actuals", counts["actuals"], "rows")


def _leader():
    from django.contrib.auth import get_user_model

    from plans.models import AdministrativeUnit, Membership, Role, UnitLevel

    user, _ = get_user_model().objects.get_or_create(username="bench.lanhdao")
    Membership.objects.get_or_create(user=user, unit=AdministrativeUnit.objects.get(level=UnitLevel.NATION), role=Role.LEADER)
    return user


def _pages() -> list[tuple[str, str]]:
    from django.db.models import Count
    from django.urls import reverse

    from indicators.models import Indicator, Target
    from plans.models import AdminMap, AdministrativeUnit, Document, UnitLevel

    mt1 = Target.objects.get(document__number="05-CT/TW", code="MT.1")
    hg = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")
    gn01 = Indicator.objects.get(code="GN01")
    biggest = (
        AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, admin_map=AdminMap.CURRENT)
        .annotate(n=Count("children")).order_by("-n").first()
    )
    plan = Document.objects.get(number="18/KH-UBND")
    return [
        ("dashboard_nation", reverse("dashboard")),
        ("dashboard_nation_pending", reverse("dashboard") + "?cho_duyet=1"),
        ("target_national", reverse("dashboard_target", args=[mt1.pk])),
        ("target_merged_province", reverse("dashboard_target", args=[hg.pk])),
        ("compare_34_provinces", reverse("dashboard_compare", args=[gn01.pk])),
        (f"compare_{biggest.children.count()}_communes", reverse("dashboard_compare", args=[gn01.pk]) + f"?dia_ban={biggest.pk}"),
        ("cascade_national", reverse("dashboard_cascade", args=[mt1.pk])),
        ("iptt", reverse("dashboard_iptt", args=[plan.pk])),
        ("iptt_excel", reverse("dashboard_iptt_excel", args=[plan.pk])),
        # The overview opens with tiles and a dot map: of the provinces, and of the biggest province's communes.
        ("map_34_provinces_by_rate", reverse("dashboard") + "?mau=ty_le"),
        (f"map_{biggest.children.count()}_communes_by_status", reverse("dashboard") + f"?dia_ban={biggest.pk}"),
    ]


def _main_query(captured: list[dict]) -> str | None:
    reads = [q for q in captured if "indicators_yearlyvalue" in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")]
    if not reads:
        return None
    return max(reads, key=lambda q: float(q["time"]))["sql"]


def main() -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    _ensure_data()
    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host in the default settings
    server.log_in(client, _leader())
    slowest = 0.0
    for name, url in _pages():
        for _ in range(WARM_UP):
            assert client.get(url).status_code == 200, url
        reset_queries()  # the request starts by emptying the log: start the capture from empty
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        times = page_times(client, url, REQUESTS)
        sql = _main_query(captured.captured_queries)
        query_times = []
        if sql:
            with connection.cursor() as cursor:
                for _ in range(REQUESTS):
                    started = time.perf_counter()
                    cursor.execute(sql)
                    cursor.fetchall()
                    query_times.append((time.perf_counter() - started) * 1000)
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        query = statistics.median(query_times) if query_times else 0.0
        ratio = p50 / query if query else 0.0
        slowest = max(slowest, p95)
        verdict = "ok" if p95 < TARGET_MS else f"CHẬM (mục tiêu < {TARGET_MS} ms)"
        print(f"{name:<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {len(captured):3d} truy vấn  "
              f"truy vấn chính {query:6.2f} ms  tỷ lệ {ratio:6.1f}  {verdict}", flush=True)
        report(f"dashboards_{name}_p50", p50, "ms")
        report(f"dashboards_{name}_p95", p95, "ms")
        report(f"dashboards_{name}_queries", len(captured), "queries")
        report(f"dashboards_{name}_main_query", query, "ms")
        report(f"dashboards_{name}_ratio_to_main_query", ratio, "x")
    report("dashboards_slowest_p95", slowest, "ms")
