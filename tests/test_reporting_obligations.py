"""Regimes, their deadlines and the obligations derived from them: who owes what for which period,
from figures and task reports that arrived by every path (a form, an import, the demo generator)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction

from indicators import services
from indicators.models import Actual, Indicator
from plans.models import AdministrativeUnit, AdminMap, Role, Task, UnitLevel
from reporting import deadlines, obligations, periods
from reporting.models import Obligation, Regime
from reporting.status import Status, days_left, status_expression, status_of
from review.models import RecordSource, ReportingPeriod, ReviewStatus, TaskReport
from tests.conftest import make_user, unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def seeded(db):
    """The seeded regimes; these tests are about figures and task reports, so the monitoring reports'
    narrative (one more item, tested on its own below) is not asked for."""
    call_command("load_reporting_data", verbosity=0)
    Regime.objects.update(requires_narrative=False)
    return {regime.code: regime for regime in Regime.objects.prefetch_related("indicators")}


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VN)


# --- Deadlines ---------------------------------------------------------------------------------


def test_deadlines_of_the_seeded_regimes_2026(seeded):
    assert deadlines.due_on(seeded["giam-sat-6-thang-tinh"], 2026, 1) == date(2026, 5, 31)  # "trước 01/6"
    assert deadlines.due_on(seeded["giam-sat-nam-tinh"], 2026, 0) == date(2026, 11, 30)  # "trước 01/12"
    assert deadlines.due_on(seeded["ra-soat-so-bo-tinh"], 2026, 0) == date(2026, 11, 14)
    assert deadlines.due_on(seeded["ra-soat-chinh-thuc-tinh"], 2026, 0) == date(2026, 12, 19)
    monthly = seeded["ra-soat-thuong-xuyen-xa"]
    assert deadlines.period_numbers(monthly) == [1, 2, 3, 4, 5, 6, 7, 8]  # reported on the 5th, Feb–Sep
    assert deadlines.due_on(monthly, 2026, 1) == date(2026, 2, 5)
    assert deadlines.due_on(monthly, 2026, 8) == date(2026, 9, 5)
    assert deadlines.period_numbers(seeded["giam-sat-6-thang-tinh"]) == [1]


def test_working_day_deadline_skips_weekends_and_holidays(seeded):
    halves = seeded["giam-sat-6-thang-xa"]
    # The first half ends Tuesday 30/6/2026: 15 working days are 1–3, 6–10, 13–17, 20–21 July.
    assert deadlines.due_on(halves, 2026, 1) == date(2026, 7, 21)
    # The second half ends Thursday 31/12/2026; Friday 1/1/2027 is New Year's Day, then weekends.
    assert deadlines.due_on(halves, 2026, 2) == date(2027, 1, 22)


def test_cutoff_and_lock_dates(seeded):
    annual = seeded["giam-sat-nam-tinh"]
    assert deadlines.cutoff_on(annual, 2026, 0) == date(2026, 12, 31)
    assert deadlines.locks_on(annual, 2026, 0) == date(2027, 2, 15)  # 45 days of entry after the cut-off
    assert deadlines.locks_on(seeded["ra-soat-so-bo-tinh"], 2026, 0) is None  # never locks


@pytest.mark.parametrize("text, kind, numbers", [
    ("", ReportingPeriod.MONTH, list(range(1, 13))),
    ("1-8", ReportingPeriod.MONTH, list(range(1, 9))),
    ("1, 3", ReportingPeriod.QUARTER, [1, 3]),
    ("2", ReportingPeriod.HALF, [2]),
    ("", ReportingPeriod.YEAR, [0]),
])
def test_period_numbers_parse(text, kind, numbers):
    assert periods.parse_period_numbers(text, kind) == numbers


@pytest.mark.parametrize("text", ["0", "3", "1-x", "2-1"])
def test_period_numbers_refused_for_a_half(text):
    with pytest.raises(ValueError):
        periods.parse_period_numbers(text, ReportingPeriod.HALF)


def test_a_regime_with_a_fixed_date_needs_day_and_month(seeded):
    regime = seeded["giam-sat-nam-tinh"]
    regime.deadline_month = None
    with pytest.raises(IntegrityError), transaction.atomic():
        regime.save()


# --- Obligations -------------------------------------------------------------------------------


def province_obligation(regime, code="92", year=2026, number=0):
    return Obligation.objects.get(regime=regime, unit=unit(code, AdminMap.CURRENT), year=year, period_number=number)


def test_obligations_follow_the_map_in_force_at_the_period_end(seeded):
    annual = seeded["giam-sat-nam-tinh"]
    obligations.refresh(year=2024, regimes=[annual], today=date(2026, 12, 6))
    obligations.refresh(year=2026, regimes=[annual], today=date(2026, 12, 6))
    assert Obligation.objects.filter(regime=annual, year=2024).count() == 63
    assert Obligation.objects.filter(regime=annual, year=2026).count() == 34
    first_half = seeded["giam-sat-6-thang-tinh"]
    obligations.refresh(year=2025, regimes=[first_half], today=date(2026, 12, 6))
    assert Obligation.objects.get(regime=first_half, year=2025, unit=unit("93")).expected == 3  # Hậu Giang, to 30/6/2025


def test_periods_not_yet_begun_owe_nothing(seeded):
    monthly = seeded["ra-soat-thuong-xuyen-xa"]
    obligations.refresh(year=2026, regimes=[monthly], today=date(2026, 3, 10))
    assert set(Obligation.objects.filter(regime=monthly).values_list("period_number", flat=True)) == {1, 2, 3}
    communes = AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, admin_map=AdminMap.CURRENT).count()
    assert Obligation.objects.filter(regime=monthly).count() == 3 * communes == 3 * 3321


def test_a_figure_entered_and_submitted_on_time_meets_the_obligation(seeded):
    officer = make_user("canbo.ct", Role.OFFICER, ("92", AdminMap.CURRENT))
    half = seeded["giam-sat-6-thang-tinh"]
    can_tho = unit("92", AdminMap.CURRENT)
    indicators = list(half.indicators.order_by("code"))
    with time_machine.travel(at(date(2026, 5, 20)), tick=False):
        for indicator in indicators[:2]:
            figure = services.save_actual(user=officer, indicator=indicator, unit=can_tho, year=2026,
                                          period_kind=ReportingPeriod.HALF, period_number=1,
                                          **figure_values(indicator))
            services.submit_actual(user=officer, actual=figure)
        obligations.refresh(year=2026, regimes=[half])
        obligation = province_obligation(half, number=1)
        assert (obligation.expected, obligation.received, obligation.met_at) == (3, 2, None)
        assert status_of(obligation, date(2026, 5, 20)) == Status.NOT_YET_DUE
        assert status_of(obligation, date(2026, 5, 24)) == Status.DUE_SOON
        assert days_left(obligation, date(2026, 5, 24)) == 7
    with time_machine.travel(at(date(2026, 5, 31), 16), tick=False):
        figure = services.save_actual(user=officer, indicator=indicators[2], unit=can_tho, year=2026,
                                      period_kind=ReportingPeriod.HALF, period_number=1, **figure_values(indicators[2]))
        services.submit_actual(user=officer, actual=figure)
        obligations.refresh(year=2026, regimes=[half])
    obligation = province_obligation(half, number=1)
    assert (obligation.received, obligation.met_at) == (3, at(date(2026, 5, 31), 16))
    assert status_of(obligation, date(2026, 6, 3)) == Status.ON_TIME


def figure_values(indicator: Indicator) -> dict:
    if indicator.code == "GN03":
        return {"value": Decimal("5120")}
    return {"value": Decimal("1.25")}


def test_a_returned_figure_reopens_the_obligation_and_a_late_one_is_late(seeded):
    officer = make_user("canbo.ct", Role.OFFICER, ("92", AdminMap.CURRENT))
    reviewer = make_user("duyet.ct", Role.REVIEWER, ("92", AdminMap.CURRENT))
    annual = seeded["giam-sat-nam-tinh"]
    annual.indicators.set(Indicator.objects.filter(code="GN03"))
    can_tho = unit("92", AdminMap.CURRENT)
    gn03 = Indicator.objects.get(code="GN03")
    with time_machine.travel(at(date(2026, 11, 25)), tick=False):
        figure = services.submit_actual(user=officer, actual=services.save_actual(
            user=officer, indicator=gn03, unit=can_tho, year=2026, value=Decimal("5000")))
        obligations.refresh(year=2026, regimes=[annual])
        assert province_obligation(annual).met_at == at(date(2026, 11, 25))
    with time_machine.travel(at(date(2026, 11, 28)), tick=False):
        services.return_actual(user=reviewer, actual=figure, comment="Số hộ chưa khớp biểu tổng hợp.")
        obligations.refresh(year=2026, regimes=[annual])
        assert province_obligation(annual).met_at is None
    with time_machine.travel(at(date(2026, 12, 3)), tick=False):
        figure.refresh_from_db()
        figure = services.save_actual(user=officer, indicator=gn03, unit=can_tho, year=2026, value=Decimal("5010"),
                                      expected_version=figure.version)
        services.submit_actual(user=officer, actual=figure)
        obligations.refresh(year=2026, regimes=[annual])
    obligation = province_obligation(annual)
    assert status_of(obligation, date(2026, 12, 6)) == Status.LATE
    annotated = Obligation.objects.filter(pk=obligation.pk).annotate(status=status_expression(date(2026, 12, 6)))
    assert annotated.get().status == Status.LATE


def test_illustrative_figures_do_not_count_imported_ones_do(seeded):
    annual = seeded["giam-sat-nam-tinh"]
    gn03 = Indicator.objects.get(code="GN03")
    annual.indicators.set([gn03])
    hue, can_tho = unit("46", AdminMap.CURRENT), unit("92", AdminMap.CURRENT)
    Actual.objects.create(indicator=gn03, unit=hue, year=2026, value=10, status=ReviewStatus.APPROVED,
                          source=RecordSource.ILLUSTRATIVE)
    with time_machine.travel(at(date(2026, 11, 2)), tick=False):
        # An import writes approved figures with neither a submission nor a review time.
        Actual.objects.bulk_create([Actual(indicator=gn03, unit=can_tho, year=2026, value=12,
                                           status=ReviewStatus.APPROVED, source=RecordSource.IMPORTED)])
    obligations.refresh(year=2026, regimes=[annual], today=date(2026, 12, 6))
    assert province_obligation(annual, "46").received == 0
    assert province_obligation(annual, "92").met_at == at(date(2026, 11, 2))


def test_the_demo_generator_leaves_every_obligation_open(seeded):
    call_command("generate_illustrative_actuals", verbosity=0)
    annual = seeded["giam-sat-nam-tinh"]
    obligations.refresh(year=2024, regimes=[annual], today=date(2026, 12, 6))
    assert Actual.objects.filter(year=2024, unit__level=UnitLevel.PROVINCE, source=RecordSource.ILLUSTRATIVE).exists()
    assert not Obligation.objects.filter(regime=annual, year=2024, received__gt=0).exists()
    tasks = seeded["nhiem-vu-nam-tinh"]
    obligations.refresh(year=2024, regimes=[tasks], today=date(2026, 12, 6))
    assert TaskReport.objects.filter(year=2024, source=RecordSource.ILLUSTRATIVE, status=ReviewStatus.APPROVED).exists()
    assert Obligation.objects.filter(regime=tasks, year=2024).exists()
    assert not Obligation.objects.filter(regime=tasks, year=2024, received__gt=0).exists()


def test_refresh_twice_writes_nothing_the_second_time(seeded):
    annual = seeded["giam-sat-nam-tinh"]
    first = obligations.refresh(year=2026, regimes=[annual], today=date(2026, 12, 6))
    ids = set(Obligation.objects.values_list("pk", flat=True))
    assert first == 34
    assert obligations.refresh(year=2026, regimes=[annual], today=date(2026, 12, 6)) == 0
    assert set(Obligation.objects.values_list("pk", flat=True)) == ids


def test_task_reports_of_a_merged_province_are_owed_by_its_successor(seeded):
    """Hậu Giang's yearly and continuous tasks (its plan) are owed by thành phố Cần Thơ after 1/7/2025,
    by their lead agencies; a lead agency's report meets its part."""
    regime = seeded["nhiem-vu-nam-tinh"]
    obligations.refresh(year=2026, regimes=[regime], today=date(2026, 12, 6))
    hau_giang_tasks = Task.objects.filter(document__territory=unit("93"), lead_agency__isnull=False,
                                          recurrence__in=["yearly", "continuous"])
    owed = Obligation.objects.filter(regime=regime, unit=unit("92", AdminMap.CURRENT))
    assert sum(owed.values_list("expected", flat=True)) == hau_giang_tasks.count() > 0
    task = hau_giang_tasks.order_by("pk").first()
    TaskReport.objects.create(task=task, agency=task.lead_agency, year=2026, progress="in_progress", percent_done=50,
                              narrative="Đã tổ chức 12 lớp tập huấn.", status=ReviewStatus.SUBMITTED,
                              submitted_at=at(date(2026, 11, 20)))
    obligations.refresh(year=2026, regimes=[regime], today=date(2026, 12, 6))
    assert owed.get(agency=task.lead_agency).received == 1


def test_a_saved_figure_refreshes_its_obligation_on_commit(seeded, django_capture_on_commit_callbacks):
    officer = make_user("canbo.ct", Role.OFFICER, ("92", AdminMap.CURRENT))
    annual = seeded["giam-sat-nam-tinh"]
    gn01 = Indicator.objects.get(code="GN01")
    with time_machine.travel(at(date(2026, 11, 10)), tick=False):
        obligations.refresh(year=2026, regimes=[annual])
        with django_capture_on_commit_callbacks(execute=True):
            figure = services.save_actual(user=officer, indicator=gn01, unit=unit("92", AdminMap.CURRENT), year=2026,
                                          value=Decimal("0.9"))
            services.submit_actual(user=officer, actual=figure)
    assert province_obligation(annual).received == 1


def test_a_monthly_figure_is_a_period_of_its_own(seeded):
    """Regular-review results come monthly: a month is a period of figures (1–12), nothing else."""
    officer = make_user("canbo.xa", Role.OFFICER, ("92", AdminMap.CURRENT))
    hn04 = Indicator.objects.get(code="HN04")
    with time_machine.travel(at(date(2026, 4, 3)), tick=False):
        figure = services.save_actual(user=officer, indicator=hn04, unit=unit("92", AdminMap.CURRENT), year=2026,
                                      period_kind=ReportingPeriod.MONTH, period_number=3, value=Decimal("4"))
    assert figure.period_label == "Tháng 3/2026"
    with pytest.raises(IntegrityError), transaction.atomic():
        Actual.objects.create(indicator=hn04, unit=unit("92", AdminMap.CURRENT), year=2026,
                              period_kind=ReportingPeriod.MONTH, period_number=13, value=1)


def test_status_in_sql_equals_status_in_python(seeded):
    annual = seeded["giam-sat-nam-tinh"]
    obligations.refresh(year=2026, regimes=[annual], today=date(2026, 12, 6))
    rows = list(Obligation.objects.filter(regime=annual)[:4])
    due = date(2026, 11, 30)
    cases = [(None, due - timedelta(days=10)), (None, due - timedelta(days=3)), (None, due + timedelta(days=1)),
             (at(due, 23), due + timedelta(days=5)), (at(due + timedelta(days=1), 0), due + timedelta(days=5))]
    for met_at, today in cases:
        Obligation.objects.filter(pk__in=[r.pk for r in rows]).update(met_at=met_at)
        python = {status_of(o, today) for o in Obligation.objects.filter(pk__in=[r.pk for r in rows])}
        sql = set(Obligation.objects.filter(pk__in=[r.pk for r in rows]).annotate(
            status=status_expression(today)).values_list("status", flat=True))
        assert python == sql and len(python) == 1


@pytest.mark.parametrize("method", ["copy", "batched"])
def test_an_imported_workbook_meets_the_obligation_once_committed(seeded, method, django_capture_on_commit_callbacks):
    from exchange.workbook.bulk_actuals import import_actuals
    from exchange.workbook.results import SheetRows
    from exchange.workbook.sheets import sheet_headers

    headers = sheet_headers("actuals")
    cells = [{"Mã chỉ số": code, "Mã địa bàn": "92", "Bản đồ": "34", "Năm": 2026, "Giá trị": value, "Trạng thái": "Đã gửi"}
             for code, value in [("GN01", "0,9"), ("GN02", "1,8"), ("GN03", "2604")]]
    rows = [[row.get(h, "") for h in headers] for row in cells]
    annual = seeded["giam-sat-nam-tinh"]
    with time_machine.travel(at(date(2026, 11, 20)), tick=False):
        obligations.refresh(year=2026, regimes=[annual])
        with django_capture_on_commit_callbacks(execute=True):
            result = import_actuals(SheetRows(headers=headers, open_rows=lambda: iter(enumerate(rows, start=2)),
                                              total=3), method=method)
    assert result.new == 3
    obligation = province_obligation(annual)
    # COPY stamps rows with the database's clock, the batched path with Python's: met when the last came in.
    sent = Actual.objects.filter(unit=unit("92", AdminMap.CURRENT), year=2026, indicator__code__in=["GN01", "GN02", "GN03"])
    assert (obligation.received, obligation.met_at) == (3, max(a.submitted_at or a.created_at for a in sent))


def test_a_regime_with_a_narrative_expects_it_as_one_more_item(seeded, django_capture_on_commit_callbacks):
    from reports.models import MonitoringReport

    annual = seeded["giam-sat-nam-tinh"]
    annual.requires_narrative = True
    annual.save()
    obligations.refresh(year=2026, regimes=[annual], today=date(2026, 12, 6))
    assert (province_obligation(annual).expected, province_obligation(annual).received) == (4, 0)
    with time_machine.travel(at(date(2026, 11, 27)), tick=False), django_capture_on_commit_callbacks(execute=True):
        MonitoringReport.objects.create(unit=unit("92", AdminMap.CURRENT), year=2026, status=ReviewStatus.SUBMITTED,
                                        submitted_at=at(date(2026, 11, 27)), general_situation="Tình hình chung …")
    assert province_obligation(annual).received == 1
