"""The reporting cycle at national scale: obligations and reminders for the whole country, and the
receiving board for a province and for the nation.

Data of its own (kept apart by its prefixes, made idempotently, so any order and any rerun):
three indicators "BENCH-RP01".."BENCH-RP03" and four regimes "bench-rp-..." on the 34-province
map (34 provinces, 3.321 communes): a monthly commune regime (months 1–12, due on the 5th of the
next month), a 6-month commune regime (15 working days after the half), a 6-month province regime
(15 working days after) and an annual province regime (before 1/12). Submitted figures of its
own indicators for a share of the units in each period, some on time, some late, some only part
of the regime's indicators (so every status occurs), generated once; users of its own
("bench.rp....": an officer per commune and province, a reviewer and a leader per province, a
national leader), made once. Holidays from `manage.py load_holidays`.

`reporting_obligations_seconds`: obligations.refresh of 2026 for its regimes on 31/12/2026 plus
reporting.reminders.send_reminders on that day (goal < 60 s). Its notifications (keys naming its
obligations) are deleted before the run and after it, with their queued emails, so a rerun does
the same work; the obligations stay and are updated in place. A second send_reminders must make
no notification (one per obligation and step).

`reporting_board_{province,nation}_p95`: /lich-bao-cao/?nam=2026&che-do=<monthly commune regime>
through Django's test client as a reviewer of the biggest province and as the national leader:
warm-up, then BENCH_REPORTING_REQUESTS (default 40) timed requests; goal p95 < 300 ms. The query
count of both pages is printed: it must not grow with the number of units.
"""

import os
import random
import statistics
import time
from datetime import date, datetime, timedelta

from bench import page_times, percentile, report, server

YEAR = 2026
TODAY = date(2026, 12, 31)
INDICATOR_PREFIX = "BENCH-RP"
REGIME_PREFIX = "bench-rp-"
USER_PREFIX = "bench.rp."
GOAL_SECONDS = 60
TARGET_MS = 300
REQUESTS = int(os.environ.get("BENCH_REPORTING_REQUESTS", "40"))
WARM_UP = 3
MONTHLY = f"{REGIME_PREFIX}thang-xa"
# code, name, level, receiving level, frequency, rule, rule fields, indicators
REGIMES = [
    (MONTHLY, "Thử tốc độ: báo cáo tháng của xã", "commune", "province", "monthly", "day_of_next_month",
     {"deadline_day": 5}, ["01", "02"]),
    (f"{REGIME_PREFIX}6-thang-xa", "Thử tốc độ: báo cáo 6 tháng của xã", "commune", "province", "half_yearly",
     "working_days_after", {"deadline_working_days": 15}, ["01", "02", "03"]),
    (f"{REGIME_PREFIX}6-thang-tinh", "Thử tốc độ: báo cáo 6 tháng của tỉnh", "province", "nation", "half_yearly",
     "working_days_after", {"deadline_working_days": 15}, ["01", "02"]),
    (f"{REGIME_PREFIX}nam-tinh", "Thử tốc độ: báo cáo năm của tỉnh", "province", "nation", "yearly",
     "fixed_date", {"deadline_day": 30, "deadline_month": 11}, ["01", "02", "03"]),
]
# Share of units that send each period's figures (the rest send nothing); of those, one in ten
# sends only the first indicator, one in four sends after the due date.
SHARES = {"month": [0.9, 0.9, 0.85, 0.85, 0.8, 0.8, 0.75, 0.7, 0.7, 0.65, 0.6, 0.3],
          "half": [0.7, 0.2], "year": [0.4]}
LAST_SENT = datetime(2026, 12, 31, 10, 0)  # the morning of the scenario's today


def _units() -> dict[str, list]:
    from plans.models import AdministrativeUnit, AdminMap, UnitLevel

    current = AdministrativeUnit.objects.filter(admin_map=AdminMap.CURRENT, valid_to__isnull=True)
    units = {
        "province": list(current.filter(level=UnitLevel.PROVINCE).order_by("code")),
        "commune": list(current.filter(level=UnitLevel.COMMUNE).order_by("code")),
    }
    print(f"Bản đồ 34 tỉnh: {len(units['province'])} tỉnh, {len(units['commune'])} xã "
          f"(cả bảng đơn vị hành chính: {AdministrativeUnit.objects.count()} dòng)", flush=True)
    return units


def _indicators() -> dict[str, int]:
    from indicators.models import Indicator

    for n in range(1, 4):
        Indicator.objects.get_or_create(code=f"{INDICATOR_PREFIX}{n:02d}", defaults={
            "name": f"Chỉ số thử tốc độ lịch báo cáo {n:02d}", "measure_unit": "households",
            "direction": "lower", "aggregation": "sum"})
    return {code[-2:]: pk for code, pk in Indicator.objects.filter(code__startswith=INDICATOR_PREFIX)
            .values_list("code", "pk")}


def _regimes(indicators: dict[str, int]) -> list:
    from plans.models import UnitLevel
    from reporting.models import Regime

    levels = {"commune": UnitLevel.COMMUNE, "province": UnitLevel.PROVINCE, "nation": UnitLevel.NATION}
    regimes = []
    for code, name, level, receiving, frequency, rule, fields, codes in REGIMES:
        regime, _ = Regime.objects.update_or_create(code=code, defaults={
            "name": name, "content": "figures", "reporting_level": levels[level], "receiving_level": levels[receiving],
            "receiver": "Thử tốc độ", "frequency": frequency, "period_numbers": "", "deadline_rule": rule,
            "deadline_day": None, "deadline_month": None, "deadline_working_days": None, **fields,
            "cutoff_day": None, "cutoff_month": None, "lock_grace_days": 30, "is_active": True,
            "first_year": 2021, "last_year": 2030})
        regime.indicators.set([indicators[c] for c in codes])
        regimes.append(regime)
    return regimes


def _figure_rows(regimes, units, indicators) -> list[tuple]:
    """(indicator, unit, kind, number, submitted_at) of every figure sent, the same on every run."""
    from django.utils import timezone

    from plans.models import UnitLevel
    from reporting import deadlines

    rng = random.Random(2026)
    rows = []
    codes_of = {code: codes for code, *_rest, codes in REGIMES}
    for regime in regimes:
        kind = regime.period_kind
        level = "commune" if regime.reporting_level == UnitLevel.COMMUNE else "province"
        codes = codes_of[regime.code]
        for number in deadlines.period_numbers(regime):
            due = deadlines.due_on(regime, YEAR, number)
            end = deadlines.period_end(YEAR, kind, number)
            share = SHARES[kind][max(number, 1) - 1]
            for unit in units[level]:
                if rng.random() >= share:
                    continue
                late = rng.random() < 0.25
                day = due + timedelta(days=rng.randint(1, 20)) if late else due - timedelta(days=rng.randint(0, 4))
                day = max(day, end)  # a period's figure is sent once it has ended, by the scenario's today
                sent = min(datetime.combine(day, datetime.min.time()) + timedelta(hours=rng.randint(8, 16)), LAST_SENT)
                sent = timezone.make_aware(sent)
                sent_codes = codes[:1] if rng.random() < 0.1 else codes
                rows.extend((indicators[c], unit.pk, kind, number, sent) for c in sent_codes)
    return rows


def _figures(regimes, units, indicators) -> int:
    from django.db import transaction

    from indicators.models import Actual

    rows = _figure_rows(regimes, units, indicators)
    mine = Actual.objects.filter(indicator_id__in=indicators.values(), year=YEAR)
    stored = set(mine.values_list("indicator_id", "unit_id", "period_kind", "period_number", "submitted_at"))
    if stored == set(rows):
        return len(rows)
    started = time.perf_counter()
    with transaction.atomic():  # made again when anything differs (a changed holiday moves a due date)
        mine.delete()
        Actual.objects.bulk_create([
            Actual(indicator_id=indicator, unit_id=unit, year=YEAR, period_kind=kind, period_number=number,
                   value=position % 1000, status="submitted", source="entered", submitted_at=sent)
            for position, (indicator, unit, kind, number, sent) in enumerate(rows)
        ], batch_size=5000)
    print(f"Số liệu đã gửi của các chỉ số thử: {len(rows)} dòng, {time.perf_counter() - started:.1f} s", flush=True)
    return len(rows)


def _users(units) -> dict[str, int]:
    """An officer per commune and province, a reviewer and a leader per province, a national leader."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from plans.models import AdministrativeUnit, Membership, Role, UnitLevel

    User = get_user_model()
    nation = AdministrativeUnit.objects.get(level=UnitLevel.NATION)
    wanted = [(f"{USER_PREFIX}xa.{u.code}", u, Role.OFFICER) for u in units["commune"]]
    for u in units["province"]:
        wanted += [(f"{USER_PREFIX}tinh.{u.code}", u, Role.OFFICER), (f"{USER_PREFIX}duyet.{u.code}", u, Role.REVIEWER),
                   (f"{USER_PREFIX}lanhdao.{u.code}", u, Role.LEADER)]
    wanted.append((f"{USER_PREFIX}lanhdao", nation, Role.LEADER))
    have = set(User.objects.filter(username__startswith=USER_PREFIX).values_list("username", flat=True))
    password = make_password(None)
    User.objects.bulk_create([User(username=name, email=f"{name}@example.invalid", password=password)
                              for name, _unit, _role in wanted if name not in have], batch_size=2000)
    ids = dict(User.objects.filter(username__startswith=USER_PREFIX).values_list("username", "pk"))
    held = set(Membership.objects.filter(user_id__in=ids.values()).values_list("user_id", "unit_id", "role"))
    Membership.objects.bulk_create([Membership(user_id=ids[name], unit=unit, role=role) for name, unit, role in wanted
                                    if (ids[name], unit.pk, role) not in held], batch_size=2000)
    return ids


def _analyze(*models) -> None:
    """Planner statistics for the tables just written: this cluster runs without autovacuum
    (postgresql.conf: autovacuum = off), where production's autovacuum would have analysed them."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def _my_notifications():
    """This benchmark's notifications: reporting.reminders keys them "obligation:<regime code>:…"."""
    from notifications.models import Notification

    return Notification.objects.filter(key__startswith=f"obligation:{REGIME_PREFIX}")


def _clean_notifications() -> int:
    """Delete this benchmark's notifications and the queued email tasks that name only them."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        ids = set(_my_notifications().values_list("pk", flat=True))
        if not ids:
            return 0
        emails = DBTaskResult.objects.filter(task_path__startswith="notifications.tasks.send_notification_email",
                                             status="READY")
        queued = [
            pk for pk, args in emails.values_list("pk", "args_kwargs")
            if {n for arg in args.get("args", []) for n in (arg if isinstance(arg, list) else [arg])} <= ids
        ]
        DBTaskResult.objects.filter(pk__in=queued).delete()
        deleted, _ = _my_notifications().delete()
    return deleted


def _obligations_and_reminders(regimes) -> None:
    from reporting import obligations
    from reporting.models import Obligation

    try:
        from reporting import reminders
    except ImportError:
        reminders = None
        print("reporting.reminders chưa có: chỉ đo obligations.refresh (không có nhắc hạn).", flush=True)
    removed = _clean_notifications()
    if removed:
        print(f"Đã xóa {removed} thông báo của lần chạy trước.", flush=True)
    before = Obligation.objects.filter(regime__in=regimes).count()
    started = time.perf_counter()
    written = obligations.refresh(year=YEAR, regimes=regimes, today=TODAY)
    refresh_seconds = time.perf_counter() - started
    sent = None
    if reminders is not None:
        started = time.perf_counter()
        sent = reminders.send_reminders(today=TODAY)
        reminder_seconds = time.perf_counter() - started
    else:
        reminder_seconds = 0.0
    seconds = refresh_seconds + reminder_seconds
    count = Obligation.objects.filter(regime__in=regimes).count()
    # Counted for its own users only: another benchmark's users (a province's leader) get some too.
    notes = _my_notifications().filter(user__username__startswith=USER_PREFIX).count()
    others = _my_notifications().count() - notes
    path = "lần đầu" if before == 0 else "chạy lại"
    print(f"Nghĩa vụ báo cáo ({path}): {count} (trước: {before}, ghi {written}), {refresh_seconds:.1f} s; "
          f"nhắc hạn: {notes} thông báo (+{others} cho người dùng khác; send_reminders trả {sent}), "
          f"{reminder_seconds:.1f} s; "
          f"tổng {seconds:.1f} s (mục tiêu < {GOAL_SECONDS} s)", flush=True)
    _print_statuses(regimes)
    _print_notifications()
    report("reporting_obligations_seconds", seconds, "s")
    report("reporting_obligations_goal_ratio", seconds / GOAL_SECONDS, "x")
    report("reporting_obligations_refresh_seconds", refresh_seconds, "s")
    report("reporting_obligations_reminders_seconds", reminder_seconds, "s")
    report("reporting_obligations_count", count, "rows")
    report("reporting_obligations_written", written, "rows")
    report("reporting_notifications_count", notes, "rows")
    if reminders is not None:
        started = time.perf_counter()
        again = reminders.send_reminders(today=TODAY)
        again_seconds = time.perf_counter() - started
        new = _my_notifications().count() - notes - others
        print(f"Nhắc hạn lần hai cùng ngày: {new} thông báo mới (send_reminders trả {again}), "
              f"{again_seconds:.1f} s", flush=True)
        report("reporting_reminders_rerun_seconds", again_seconds, "s")
        report("reporting_reminders_rerun_new", new, "rows")
    _clean_notifications()


def _print_statuses(regimes) -> None:
    from django.db.models import Count

    from reporting.models import Obligation
    from reporting.status import status_expression

    rows = (Obligation.objects.filter(regime__in=regimes).annotate(status=status_expression(TODAY))
            .values("regime__code", "status").annotate(n=Count("pk")).order_by("regime__code", "status"))
    by_regime: dict[str, list[str]] = {}
    for row in rows:
        by_regime.setdefault(row["regime__code"], []).append(f"{row['status']} {row['n']}")
    for code, parts in by_regime.items():
        print(f"  {code}: {', '.join(parts)}", flush=True)


def _print_notifications() -> None:
    from django.db.models import Count

    mine = _my_notifications().filter(user__username__startswith=USER_PREFIX)
    kinds = ", ".join(f"{row['kind']} {row['n']}" for row in mine.values("kind").annotate(n=Count("pk")).order_by("kind"))
    most = mine.values("user__username").annotate(n=Count("pk")).order_by("-n", "user__username").first()
    print(f"  thông báo theo loại: {kinds or '–'}", flush=True)
    if most:
        print(f"  nhiều nhất một người: {most['user__username']} {most['n']}", flush=True)
        report("reporting_notifications_most_per_user", most["n"], "rows")


def _signed_in(user):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host in the default settings
    server.log_in(client, user)
    return client


def _query_count(client, url: str) -> int:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    reset_queries()  # the request starts by emptying the log: start the capture from empty
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def _board(name: str, user, url: str) -> int:
    """p50/p95 of the page for the user; its query count."""
    client = _signed_in(user)
    for _ in range(WARM_UP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    queries = _query_count(client, url)
    times = page_times(client, url, REQUESTS)
    p50, p95 = statistics.median(times), percentile(times, 0.95)
    verdict = "ok" if p95 < TARGET_MS else f"CHẬM (mục tiêu < {TARGET_MS} ms)"
    print(f"{name:<10} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries:3d} truy vấn  "
          f"{len(response.content) // 1024} KB  {verdict}", flush=True)
    report(f"reporting_board_{name}_p50", p50, "ms")
    report(f"reporting_board_{name}_p95", p95, "ms")
    report(f"reporting_board_{name}_goal_ratio", p95 / TARGET_MS, "x")
    report(f"reporting_board_{name}_queries", queries, "queries")
    return queries


def _boards(units, user_ids) -> None:
    """The biggest province's reviewer and the national leader, timed; the smallest province's
    reviewer for the query count only (the same count as the biggest's: independent of units)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.urls import reverse

    from plans.models import AdministrativeUnit

    User = get_user_model()
    provinces = list(AdministrativeUnit.objects.filter(pk__in=[u.pk for u in units["province"]])
                     .annotate(n=Count("children")).order_by("-n", "code"))
    biggest, smallest = provinces[0], provinces[-1]
    url = f"{reverse('reporting_board')}?nam={YEAR}&che-do={MONTHLY}"
    nation_leader = User.objects.get(pk=user_ids[f"{USER_PREFIX}lanhdao"])
    print(f"Bảng lịch báo cáo {url}: người duyệt {biggest.name} ({biggest.n} xã), lãnh đạo cả nước", flush=True)
    if _signed_in(nation_leader).get(url).status_code == 404:
        print("reporting.board_views.board chưa có (404): chưa đo bảng lịch báo cáo.", flush=True)
        return
    province = _board("province", User.objects.get(pk=user_ids[f"{USER_PREFIX}duyet.{biggest.code}"]), url)
    nation = _board("nation", nation_leader, url)
    small = _query_count(_signed_in(User.objects.get(pk=user_ids[f"{USER_PREFIX}duyet.{smallest.code}"])), url)
    report("reporting_board_small_province_queries", small, "queries")
    verdict = "không phụ thuộc số đơn vị" if small == province else "PHỤ THUỘC số đơn vị"
    print(f"Số truy vấn: {biggest.name} ({biggest.n} xã) {province}, {smallest.name} ({smallest.n} xã) {small}, "
          f"cả nước ({len(units['commune'])} xã) {nation}: {verdict}", flush=True)


def main() -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import connection

    from indicators.models import Actual
    from notifications.models import Notification
    from plans.models import AdministrativeUnit, Membership, UnitLevel
    from reporting.models import CalendarDay, Obligation

    if connection.vendor != "postgresql":
        print("bench_reporting needs PostgreSQL (make bench).")
        return
    if not AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE).exists():
        call_command("load_units", verbosity=0)
    try:
        call_command("load_holidays", verbosity=0)
        print(f"Ngày nghỉ lễ, ngày làm bù: {CalendarDay.objects.count()} dòng", flush=True)
    except CommandError as error:  # the command is not there: weekends only
        print(f"Không nạp được ngày nghỉ lễ ({error}): ngày làm việc chỉ trừ thứ Bảy, Chủ nhật.", flush=True)
    units = _units()
    report("reporting_provinces", len(units["province"]), "units")
    report("reporting_communes", len(units["commune"]), "units")
    indicators = _indicators()
    regimes = _regimes(indicators)
    report("reporting_submitted_figures", _figures(regimes, units, indicators), "rows")
    user_ids = _users(units)
    _analyze(AdministrativeUnit, Actual, get_user_model(), Membership, Obligation, Notification)
    _obligations_and_reminders(regimes)
    _analyze(Obligation, Notification)  # before the boards, as autovacuum would after a big refresh
    _boards(units, user_ids)
