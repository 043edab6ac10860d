"""The whole-year clock test of the reporting cycle (issue 16, item 6): thành phố Cần Thơ (34-province
map) through 2026, the daily job (reporting.tasks.reporting_daily) run every morning and twice on
the days a reminder goes out. Obligations appear when their periods begin, come due, are met on time
or late; reminders and escalations go out exactly once each, in the app and by email; the annual
period locks on 15/02/2027 and an exception reopens it.

The app "goes live" on 1/1/2026 (regimes apply from 2026, so 2025 owes nothing), and of the seeded
regimes the two programme-monitoring reports of the provinces are applied: the communes' and the
review-results regimes have their own tests and would only add more of the same messages here.
"""

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from indicators import services
from indicators.models import Indicator
from notifications.models import Kind, Notification
from plans.models import AdminMap, Membership, Role
from reporting import locks
from reporting.models import Obligation, Regime
from reporting.status import Status, status_of
from reporting.tasks import reporting_daily
from reports import narratives
from review.models import ReportingPeriod
from tests.jobs_helpers import run_tasks

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SIX_MONTH, ANNUAL = "giam-sat-6-thang-tinh", "giam-sat-nam-tinh"
FIGURES = {"GN01": Decimal("2.5"), "GN02": Decimal("4.1"), "GN03": Decimal("1200")}
TWICE = {date(2026, 5, 24), date(2026, 5, 30), date(2026, 11, 23), date(2026, 11, 29),
         date(2026, 12, 1), date(2026, 12, 5), date(2026, 12, 10)}


def person(username: str, role: str, place):
    user = get_user_model().objects.create_user(username, email=f"{username}@example.vn", password="mat-khau-thu-nghiem")
    Membership.objects.create(user=user, unit=place, role=role)
    return user


@pytest.fixture
def can_tho(db):
    from types import SimpleNamespace

    from tests.conftest import unit

    call_command("load_reporting_data", verbosity=0)
    Regime.objects.update(first_year=2026)
    Regime.objects.exclude(code__in=[SIX_MONTH, ANNUAL]).update(is_active=False)
    province = unit("92", AdminMap.CURRENT)
    return SimpleNamespace(
        unit=province,
        officer=person("canbo.ct", Role.OFFICER, province),
        reviewer=person("duyet.ct", Role.REVIEWER, province),
        leader=person("lanhdao.ct", Role.LEADER, province),
        hue_reviewer=person("duyet.hue", Role.REVIEWER, unit("46", AdminMap.CURRENT)),
    )


def at(day: date, hour: int = 5, minute: int = 30):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, minute, tzinfo=HANOI), tick=False)


def morning(day: date) -> None:
    """The scheduler's run of the day (05:30), and its queue (the emails)."""
    with at(day):
        reporting_daily.call()
        run_tasks()


def walk(first: date, last: date, log: dict) -> None:
    """Every morning from `first` to `last`, twice on the reminder days; what each day made."""
    day = first
    while day <= last:
        before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for _run in range(2 if day in TWICE else 1):
            morning(day)
        made = sorted(Notification.objects.filter(pk__gt=before).values_list("user__username", "kind", "key"))
        if made:
            log[day] = made
        day += timedelta(days=1)


def submit(officer, province, year: int, period_kind: str, period_number: int, codes: list[str], when: datetime,
           narrative: bool = False) -> None:
    """Figures (and the monitoring report's narrative) saved and sent on the pages' services."""
    with time_machine.travel(when, tick=False):
        for code in codes:
            actual = services.save_actual(
                user=officer, indicator=Indicator.objects.get(code=code), unit=province, year=year,
                period_kind=period_kind, period_number=period_number, value=FIGURES[code],
            )
            services.submit_actual(user=officer, actual=actual)
        if narrative:
            report = narratives.save_narrative(
                user=officer, unit=province, year=year, period_kind=period_kind, period_number=period_number,
                sections={"general_situation": "Tình hình chung của kỳ báo cáo."},
            )
            narratives.submit_narrative(user=officer, report=report)


def obligation(province, code: str) -> Obligation:
    return Obligation.objects.get(regime__code=code, unit=province, year=2026)


def test_a_year_of_reporting_in_can_tho(can_tho, mailoutbox):
    province, officer = can_tho.unit, can_tho.officer
    key = f"obligation:{{}}:{province.pk}:0:2026:{{}}:{{}}"
    log: dict[date, list] = {}

    morning(date(2025, 12, 31))
    assert not Obligation.objects.exists()

    # 1 January: both periods begin; one obligation per province and regime, nothing due yet.
    walk(date(2026, 1, 1), date(2026, 5, 28), log)
    assert Obligation.objects.filter(year=2026).count() == 2 * 34
    h1 = obligation(province, SIX_MONTH)
    # Three figures and the narrative of the monitoring report (TT 10/2022 Mẫu số 01).
    assert (h1.period_kind, h1.period_number, h1.due_on, h1.expected) == (ReportingPeriod.HALF, 1, date(2026, 5, 31), 4)
    assert obligation(province, ANNUAL).due_on == date(2026, 11, 30)
    assert log == {date(2026, 5, 24): [("canbo.ct", Kind.DUE_SOON, key.format(SIX_MONTH, "half1", "due_soon"))]}

    # 29 May: two of the four items sent; the report is not complete, reminders go on.
    submit(officer, province, 2026, ReportingPeriod.HALF, 1, ["GN01", "GN02"], datetime(2026, 5, 29, 9, tzinfo=HANOI))
    walk(date(2026, 5, 29), date(2026, 5, 31), log)
    assert log[date(2026, 5, 30)] == [("canbo.ct", Kind.DUE_TOMORROW, key.format(SIX_MONTH, "half1", "due_tomorrow"))]
    assert obligation(province, SIX_MONTH).received == 2

    # 31 May, after the morning's run: the last figure and the narrative, on the due date. From then on: on time.
    submit(officer, province, 2026, ReportingPeriod.HALF, 1, ["GN03"], datetime(2026, 5, 31, 16, tzinfo=HANOI),
           narrative=True)
    walk(date(2026, 6, 1), date(2026, 11, 30), log)
    h1 = obligation(province, SIX_MONTH)
    assert (h1.received, timezone.localdate(h1.met_at)) == (4, date(2026, 5, 31))
    assert status_of(h1, date(2026, 6, 1)) == Status.ON_TIME
    assert status_of(obligation(province, ANNUAL), date(2026, 11, 30)) == Status.DUE_SOON

    # The annual report is not sent: due soon, due tomorrow, overdue, then the reviewer, then the leader.
    walk(date(2026, 12, 1), date(2026, 12, 13), log)
    assert status_of(obligation(province, ANNUAL), date(2026, 12, 13)) == Status.OVERDUE
    submit(officer, province, 2026, ReportingPeriod.YEAR, 0, list(FIGURES), datetime(2026, 12, 14, 10, tzinfo=HANOI),
           narrative=True)
    walk(date(2026, 12, 14), date(2026, 12, 31), log)
    annual = obligation(province, ANNUAL)
    assert status_of(annual, date(2026, 12, 15)) == Status.LATE and timezone.localdate(annual.met_at) == date(2026, 12, 14)

    assert {day: [(user, kind) for user, kind, _key in made] for day, made in log.items()} == {
        date(2026, 5, 24): [("canbo.ct", Kind.DUE_SOON)],
        date(2026, 5, 30): [("canbo.ct", Kind.DUE_TOMORROW)],
        date(2026, 6, 5): [("duyet.hue", Kind.ESCALATED)],  # Huế's own report, nobody sent it
        date(2026, 11, 23): [("canbo.ct", Kind.DUE_SOON)],
        date(2026, 11, 29): [("canbo.ct", Kind.DUE_TOMORROW)],
        date(2026, 12, 1): [("canbo.ct", Kind.OVERDUE)],
        date(2026, 12, 5): [("duyet.ct", Kind.ESCALATED), ("duyet.hue", Kind.ESCALATED)],
        date(2026, 12, 10): [("lanhdao.ct", Kind.ESCALATED)],
    }
    assert log[date(2026, 12, 10)][0][2] == key.format(ANNUAL, "year0", "escalated_leader")
    # Huế's reviewer hears of Huế only, never of Cần Thơ.
    hue = can_tho.hue_reviewer.memberships.get().unit_id
    assert sorted(Notification.objects.filter(user=can_tho.hue_reviewer).values_list("key", flat=True)) == [
        f"obligation:{SIX_MONTH}:{hue}:0:2026:half1:escalated_reviewer",
        f"obligation:{ANNUAL}:{hue}:0:2026:year0:escalated_reviewer",
    ]

    per_user = Counter(Notification.objects.values_list("user__username", "kind"))
    assert per_user == Counter({
        ("canbo.ct", Kind.DUE_SOON): 2, ("canbo.ct", Kind.DUE_TOMORROW): 2, ("canbo.ct", Kind.OVERDUE): 1,
        ("duyet.ct", Kind.ESCALATED): 1, ("lanhdao.ct", Kind.ESCALATED): 1, ("duyet.hue", Kind.ESCALATED): 2,
    })
    assert Counter(mail.to[0] for mail in mailoutbox) == Counter({
        "canbo.ct@example.vn": 5, "duyet.ct@example.vn": 1, "lanhdao.ct@example.vn": 1, "duyet.hue@example.vn": 2,
    })
    assert sorted(mail.subject for mail in mailoutbox if mail.to == ["duyet.ct@example.vn"]) == [
        f"[povertyplan] Đơn vị quá hạn báo cáo: {province.name} – {annual.regime.name} – kỳ năm 2026"
    ]

    # January: last year is refreshed too; it is met, so nothing more is said about it.
    walk(date(2027, 1, 1), date(2027, 1, 31), log)
    assert max(log) == date(2026, 12, 10)
    assert Obligation.objects.filter(year=2027, unit=province).count() == 2


def test_the_annual_period_locks_on_15_february_and_an_exception_reopens_it(can_tho):
    province, gn01 = can_tho.unit, Indicator.objects.get(code="GN01")
    period = {"unit": province, "year": 2026, "period_kind": ReportingPeriod.YEAR, "period_number": 0, "indicator": gn01}

    assert locks.lock_for(**period, today=date(2027, 2, 14)) is None
    lock = locks.lock_for(**period, today=date(2027, 2, 15))
    assert (lock.regime.code, lock.locks_on) == (ANNUAL, date(2027, 2, 15))
    with at(date(2027, 2, 15), 9), pytest.raises(ValidationError) as refused:
        services.save_actual(user=can_tho.officer, indicator=gn01, unit=province, year=2026, value=Decimal("2.4"))
    assert "15/02/2027" in str(refused.value)

    with at(date(2027, 2, 16), 9):
        locks.grant_exception(
            user=can_tho.reviewer, regime=lock.regime, unit=province, year=2026, period_kind=ReportingPeriod.YEAR,
            period_number=0, open_until=date(2027, 2, 28), reason="Bổ sung số liệu theo phúc tra",
        )
        actual = services.save_actual(user=can_tho.officer, indicator=gn01, unit=province, year=2026, value=Decimal("2.4"))
    assert actual.value == Decimal("2.4")
    assert locks.lock_for(**period, today=date(2027, 2, 28)) is None
    assert locks.lock_for(**period, today=date(2027, 3, 1)).locks_on == date(2027, 2, 15)
