"""Period locks: the clock moves past a regime's cut-off plus its grace days and entry closes with a
message naming the date; late corrections of approved figures keep their path; a reviewer or an
admin reopens one unit's period until a day (audited); administrators' imports are not refused."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from exchange.workbook.bulk_actuals import import_actuals
from exchange.workbook.results import SheetRows
from exchange.workbook.sheets import sheet_headers
from indicators import services
from indicators.models import Actual, Indicator, Target
from plans.models import AdminMap, Role, Task
from reporting import locks
from reporting.models import LockException, Regime
from reporting.regimes_loader import load_regimes
from review.models import AuditEntry, ReviewStatus
from tests.conftest import make_user, unit

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
HAU_GIANG = ("93", AdminMap.LEGACY)
HUE = ("46", AdminMap.LEGACY)
YEAR = 2023
LOCKED_2023 = (
    "Kỳ năm 2023 đã khóa nhập từ ngày 15/02/2024 (hạn chốt số liệu 31/12/2023 + 45 ngày). "
    "Đề nghị người duyệt mở khóa nếu cần sửa."
)


def at(year: int, month: int, day: int):
    """The clock at 9:00 in Vietnam on that day."""
    return time_machine.travel(datetime(year, month, day, 9, 0, tzinfo=HANOI), tick=False)


@pytest.fixture
def regimes(db):
    if (Path(settings.BASE_DIR) / "data" / "reporting" / "holidays.csv").exists():
        call_command("load_reporting_data", verbosity=0)
    else:
        load_regimes(Path(settings.BASE_DIR) / "data" / "reporting" / "regimes.csv")
    return Regime.objects.all()


@pytest.fixture
def annual(regimes) -> Regime:
    """Annual programme monitoring of the provinces: GN01–GN03, cut-off 31/12, 45 days' grace."""
    return Regime.objects.get(code="giam-sat-nam-tinh")


@pytest.fixture
def reviewer_hue(db):
    return make_user("duyet.hue", Role.REVIEWER, ("46", AdminMap.CURRENT), "tth-so-nnmt")


def enter(user, code="GN01", unit_ref=HAU_GIANG, year=YEAR, value="2.5", **kwargs) -> Actual:
    return services.save_actual(user=user, indicator=Indicator.objects.get(code=code), unit=unit(*unit_ref), year=year,
                                value=Decimal(value), **kwargs)


def refusal(error: ValidationError) -> list[str]:
    return error.message_dict["period"]


def hg_task() -> Task:
    """IV.1 of Hậu Giang's plan: yearly, led by its Sở LĐ-TB&XH (whose work passed to Cần Thơ's Sở NN&MT)."""
    return Task.objects.select_related("lead_agency", "document__territory").get(document__issuer__code="hg-ubnd", number="IV.1")


def report_task(user, task, **kwargs):
    return services.save_task_report(user=user, task=task, agency=task.lead_agency, year=YEAR, progress="in_progress",
                                     percent_done=50, narrative="Đã triển khai.", **kwargs)


# ---------------------------------------------------------------------------------------------
# The rule


def test_the_seeded_annual_regime_locks_from_15_february(annual):
    assert locks.deadlines.locks_on(annual, YEAR, 0) == date(2024, 2, 15)


def test_entry_works_until_the_lock_day_and_is_refused_from_it_with_the_date(personas, annual):
    officer = personas.officer_hg
    with at(2024, 2, 14):
        draft = enter(officer)
        assert draft.status == ReviewStatus.DRAFT
    with at(2024, 2, 15):
        with pytest.raises(ValidationError) as edit:
            enter(officer, value="2.4", expected_version=draft.version)
        assert refusal(edit.value) == [LOCKED_2023]
        with pytest.raises(ValidationError) as submit:
            services.submit_actual(user=officer, actual=draft)
        assert refusal(submit.value) == [LOCKED_2023]
        with pytest.raises(ValidationError) as new:
            enter(officer, code="GN02", value="10")
        assert refusal(new.value) == [LOCKED_2023]
    draft.refresh_from_db()
    assert (draft.value, draft.status, draft.version) == (Decimal("2.5"), ReviewStatus.DRAFT, 1)
    assert not Actual.objects.filter(indicator__code="GN02").exists()


def test_the_period_stays_open_while_one_covering_regime_still_takes_it(personas, regimes):
    """GN01 is also owed to the official review results (locked from 31/01); HN02 only to those."""
    with at(2024, 1, 31):
        assert enter(personas.officer_hg).pk
        with pytest.raises(ValidationError) as error:
            enter(personas.officer_hg, code="HN02", value="1200")
    assert refusal(error.value) == [
        "Kỳ năm 2023 đã khóa nhập từ ngày 31/01/2024 (hạn chốt số liệu 31/12/2023 + 30 ngày). "
        "Đề nghị người duyệt mở khóa nếu cần sửa."
    ]


def test_other_periods_and_levels_are_not_locked(personas, annual):
    with at(2024, 3, 1):
        assert enter(personas.officer_hg, year=2024).pk  # the year's own figure: its lock is in 2025
        half = enter(personas.officer_hg, period_kind="half", period_number=2)  # no 6-month regime for the 2nd half
        assert half.period_number == 2
        with pytest.raises(ValidationError):
            enter(personas.officer_hg, period_kind="half", period_number=1)  # 6-month regime: locked from 31/07/2023


def test_a_regime_switched_off_locks_nothing(personas, annual):
    Regime.objects.update(is_active=False)
    with at(2024, 3, 1):
        assert enter(personas.officer_hg).pk


def test_a_late_correction_of_an_approved_figure_keeps_its_path_on_a_locked_period(personas, annual):
    officer, reviewer = personas.officer_hg, personas.reviewer_hg
    with at(2024, 2, 1):
        actual = services.submit_actual(user=officer, actual=enter(officer))
        approved = services.approve_actual(user=reviewer, actual=actual)
    with at(2024, 6, 1):
        with pytest.raises(ValidationError) as no_reason:
            enter(officer, value="2.4", expected_version=approved.version)
        assert "lý do sửa" in no_reason.value.message_dict["correction_reason"][0]
        late = enter(officer, value="2.4", expected_version=approved.version, correction_reason="Phúc tra của tỉnh")
        assert (late.status, late.is_late_correction, late.value) == (ReviewStatus.SUBMITTED, True, Decimal("2.4"))
        returned = services.return_actual(user=reviewer, actual=late, comment="Ghi rõ số hộ")
        reworked = enter(officer, value="2.41", expected_version=returned.version)  # the correction's rework goes on
        assert services.submit_actual(user=officer, actual=reworked).status == ReviewStatus.SUBMITTED


def test_an_exception_opens_the_period_for_its_unit_only_until_its_last_day(personas, annual):
    with at(2024, 2, 20):
        locks.grant_exception(user=personas.reviewer_hg, regime=annual, unit=unit(*HAU_GIANG), year=YEAR,
                              period_kind="year", period_number=0, open_until=date(2024, 2, 25),
                              reason="Tỉnh bổ sung số liệu sau phúc tra")
        draft = enter(personas.officer_hg)
        with pytest.raises(ValidationError) as other_unit:
            enter(personas.officer_hue, unit_ref=HUE)
        assert refusal(other_unit.value) == [LOCKED_2023]
    with at(2024, 2, 25):
        submitted = services.submit_actual(user=personas.officer_hg, actual=draft)
        assert submitted.status == ReviewStatus.SUBMITTED
        assert enter(personas.officer_hg, code="GN02", value="8").pk
    with at(2024, 2, 26):
        with pytest.raises(ValidationError) as again:
            enter(personas.officer_hg, code="GN03", value="1000")
        assert refusal(again.value) == [LOCKED_2023]


def test_the_check_costs_two_queries_at_most(annual, django_assert_num_queries):
    indicator, hau_giang = Indicator.objects.get(code="GN01"), unit(*HAU_GIANG)
    with django_assert_num_queries(1):  # not yet locked: the regimes only
        assert locks.lock_for(unit=hau_giang, year=YEAR, period_kind="year", period_number=0, indicator=indicator,
                              today=date(2024, 2, 14)) is None
    with django_assert_num_queries(2):  # locked: the regimes, then the exceptions
        lock = locks.lock_for(unit=hau_giang, year=YEAR, period_kind="year", period_number=0, indicator=indicator,
                              today=date(2024, 2, 15))
    assert (lock.regime.code, lock.locks_on, lock.cutoff_on, lock.message) == (
        "giam-sat-nam-tinh", date(2024, 2, 15), date(2023, 12, 31), LOCKED_2023,
    )


def test_task_reports_lock_with_the_task_regime(personas, regimes):
    task = hg_task()
    with at(2024, 2, 14):
        draft = report_task(personas.officer_hg, task)
    with at(2024, 2, 15):
        with pytest.raises(ValidationError) as edit:
            report_task(personas.officer_hg, task, expected_version=draft.version)
        assert refusal(edit.value) == [LOCKED_2023]
        with pytest.raises(ValidationError) as submit:
            services.submit_task_report(user=personas.officer_hg, report=draft)
        assert refusal(submit.value) == [LOCKED_2023]
        locks.grant_exception(user=personas.admin, regime=Regime.objects.get(code="nhiem-vu-nam-tinh"),
                              unit=task.document.territory, year=YEAR, period_kind="year", period_number=0,
                              open_until=date(2024, 2, 15), reason="Bổ sung báo cáo")
        assert services.submit_task_report(user=personas.officer_hg, report=draft).status == ReviewStatus.SUBMITTED


# ---------------------------------------------------------------------------------------------
# Imports: administrators' bulk figures are not refused (reporting.locks' decision)


def figure_sheet(*rows: dict) -> SheetRows:
    headers = sheet_headers("actuals")
    values = [[row.get(h, "") for h in headers] for row in rows]
    return SheetRows(headers=headers, open_rows=lambda: iter(enumerate(values, start=2)), total=len(values))


@pytest.mark.parametrize("method", ["copy", "batched"])
def test_an_administrators_import_is_not_refused_on_a_locked_period(personas, annual, method):
    row = {"Mã chỉ số": "GN01", "Mã địa bàn": "93", "Bản đồ": "63", "Năm": YEAR, "Giá trị": "2,41"}
    with at(2024, 6, 1):
        assert locks.lock_for(unit=unit(*HAU_GIANG), year=YEAR, period_kind="year", period_number=0,
                              indicator=Indicator.objects.get(code="GN01")) is not None
        result = import_actuals(figure_sheet(row), user=personas.admin, method=method)
    assert (result.new, result.error_count) == (1, 0)
    assert Actual.objects.get(indicator__code="GN01", unit=unit(*HAU_GIANG), year=YEAR).value == Decimal("2.41")


# ---------------------------------------------------------------------------------------------
# Pages


def test_the_figure_entry_page_says_the_period_is_locked_before_anything_is_typed(client, personas, annual):
    target = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")
    url = reverse("actual_entry", args=[target.pk]) + f"?nam={YEAR}&ky=nam"
    client.force_login(personas.officer_hg)
    with at(2024, 2, 14):
        open_page = client.get(url).content.decode()
    with at(2024, 2, 15):
        locked_page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in open_page and LOCKED_2023 not in open_page
    assert LOCKED_2023 in locked_page and 'enctype="multipart/form-data"' not in locked_page


def test_the_task_report_page_says_the_period_is_locked(client, personas, regimes):
    task = hg_task()
    url = reverse("task_report_entry", args=[task.pk]) + f"?nam={YEAR}&ky=nam&co_quan={task.lead_agency.code}"
    client.force_login(personas.officer_hg)
    with at(2024, 3, 1):
        page = client.get(url).content.decode()
    assert LOCKED_2023 in page and 'enctype="multipart/form-data"' not in page


def grant_post(annual, **changes) -> dict:
    data = {"regime": annual.pk, "unit": unit(*HAU_GIANG).pk, "year": YEAR, "period": "year-0",
            "open_until": "2024-03-08", "reason": "Tỉnh bổ sung số liệu sau phúc tra"}
    return {**data, **changes}


@pytest.mark.parametrize(("who", "status"), [
    ("officer_hg", 403), ("leader", 403), ("reviewer_hue", 403), ("outsider", 403), ("reviewer_hg", 302), ("admin", 302),
])
def test_who_may_reopen_hau_giangs_period(client, personas, reviewer_hue, annual, who, status):
    user = reviewer_hue if who == "reviewer_hue" else getattr(personas, who)
    client.force_login(user)
    with at(2024, 3, 1):
        response = client.post(reverse("lock_exception_grant"), grant_post(annual))
    assert response.status_code == status
    assert LockException.objects.filter(unit=unit(*HAU_GIANG)).count() == (1 if status == 302 else 0)


@pytest.mark.parametrize(("who", "status"), [("officer_hg", 403), ("leader", 403), ("reviewer_hg", 200), ("admin", 200)])
def test_who_sees_the_grant_form(client, personas, annual, who, status):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("lock_exception_grant")).status_code == status


def test_granting_writes_an_audit_entry_and_reopens_entry(client, personas, annual):
    client.force_login(personas.reviewer_hg)
    with at(2024, 3, 1):
        form = client.get(reverse("lock_exception_grant") + f"?che_do={annual.code}&don_vi={unit(*HAU_GIANG).pk}&nam={YEAR}")
        assert 'value="2024-03-08"' in form.content.decode()  # open until: today + 7 days
        response = client.post(reverse("lock_exception_grant"), grant_post(annual))
        assert response.status_code == 302
        assert enter(personas.officer_hg).pk
    exception = LockException.objects.get()
    assert (exception.granted_by, exception.open_until, exception.regime) == (personas.reviewer_hg, date(2024, 3, 8), annual)
    entry = AuditEntry.objects.get(action="lock_exception")
    assert (entry.user, entry.object_id, entry.reason) == (personas.reviewer_hg, exception.pk, "Tỉnh bổ sung số liệu sau phúc tra")
    assert entry.after == {"regime": "giam-sat-nam-tinh", "unit": unit(*HAU_GIANG).pk, "year": YEAR,
                           "period_kind": "year", "period_number": 0, "open_until": "2024-03-08"}


def test_a_reason_is_required_and_the_period_must_be_the_regimes(client, personas, annual):
    client.force_login(personas.reviewer_hg)
    with at(2024, 3, 1):
        no_reason = client.post(reverse("lock_exception_grant"), grant_post(annual, reason="  "))
        wrong_period = client.post(reverse("lock_exception_grant"), grant_post(annual, period="half-1"))
        past = client.post(reverse("lock_exception_grant"), grant_post(annual, open_until="2024-02-29"))
    assert no_reason.status_code == wrong_period.status_code == past.status_code == 200
    assert "Chế độ báo cáo này không có kỳ đã chọn." in wrong_period.content.decode()
    assert "Ngày mở đến phải từ hôm nay trở đi." in past.content.decode()
    assert not LockException.objects.exists() and not AuditEntry.objects.filter(action="lock_exception").exists()


def test_the_exceptions_list_shows_those_in_reach(client, personas, reviewer_hue, annual):
    with at(2024, 3, 1):
        locks.grant_exception(user=personas.admin, regime=annual, unit=unit(*HAU_GIANG), year=YEAR, period_kind="year",
                              period_number=0, open_until=date(2024, 3, 5), reason="Lý do Hậu Giang")
        pages = {}
        for who, user in [("hg", personas.reviewer_hg), ("hue", reviewer_hue), ("leader", personas.leader)]:
            client.force_login(user)
            pages[who] = client.get(reverse("lock_exceptions"))
        client.force_login(personas.officer_hg)
        assert client.get(reverse("lock_exceptions")).status_code == 403
    assert "Lý do Hậu Giang" in pages["hg"].content.decode() and "Lý do Hậu Giang" in pages["leader"].content.decode()
    assert pages["hue"].status_code == 200 and "Lý do Hậu Giang" not in pages["hue"].content.decode()
