"""Reminders of reporting obligations (reporting.reminders): which step goes to whom on which day,
each once however often the job runs, escalation to the right reviewer and leader only, and a
query count that does not grow with the number of obligations."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Delivery, Kind, Notification, Preference
from plans.models import AdministrativeUnit, AdminMap, Membership, Role, UnitLevel
from reporting.models import Content, DeadlineRule, Frequency, Obligation, Regime
from reporting.reminders import obligation_key, send_reminders
from tests.conftest import unit
from tests.jobs_helpers import run_tasks

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = date(2026, 5, 31)
CAN_THO = ("92", AdminMap.CURRENT)
HUE = ("46", AdminMap.CURRENT)


def person(username: str, role: str | None = None, place: AdministrativeUnit | None = None, email: bool = True):
    user = get_user_model().objects.create_user(
        username, email=f"{username}@example.vn" if email else "", password="mat-khau-thu-nghiem"
    )
    if role:
        Membership.objects.create(user=user, unit=place, role=role)
    return user


def make_regime(code: str = "bao-cao-thu", level: int = UnitLevel.PROVINCE) -> Regime:
    return Regime.objects.create(
        code=code, name="Báo cáo thử 6 tháng", content=Content.FIGURES, reporting_level=level,
        receiving_level=UnitLevel.NATION, frequency=Frequency.HALF_YEARLY, period_numbers="1",
        deadline_rule=DeadlineRule.FIXED_DATE, deadline_day=31, deadline_month=5,
        escalate_to_reviewer_after_days=3, escalate_to_leader_after_days=6,
    )


def owe(regime: Regime, place: AdministrativeUnit, **fields) -> Obligation:
    values = {"year": 2026, "period_kind": "half", "period_number": 1, "due_on": DUE, "cutoff_on": date(2026, 6, 30),
              "expected": 3, "received": 1, **fields}
    return Obligation.objects.create(regime=regime, unit=place, **values)


@pytest.fixture
def people(db):
    from types import SimpleNamespace

    can_tho, hue = unit(*CAN_THO), unit(*HUE)
    commune = can_tho.children.filter(level=UnitLevel.COMMUNE).order_by("code").first()
    return SimpleNamespace(
        officer=person("canbo.ct", Role.OFFICER, can_tho),
        reviewer=person("duyet.ct", Role.REVIEWER, can_tho),
        leader=person("lanhdao.ct", Role.LEADER, can_tho),
        nation_leader=person("lanhdao.tw", Role.LEADER, unit("VN", "")),
        hue_officer=person("canbo.hue", Role.OFFICER, hue),
        hue_reviewer=person("duyet.hue", Role.REVIEWER, hue),
        commune_officer=person("canbo.xa", Role.OFFICER, commune),
        admin=person("quantri", Role.ADMIN, unit("VN", "")),
        can_tho=can_tho, hue=hue, commune=commune,
    )


@pytest.fixture
def obligations(people):
    """Cần Thơ's unmet report, Huế's met one and one that expects nothing (no indicator set)."""
    regime = make_regime()
    return {
        "can_tho": owe(regime, people.can_tho),
        "hue_met": owe(regime, people.hue, received=3, met_at=datetime(2026, 5, 20, 9, tzinfo=HANOI)),
        "empty": owe(make_regime("khong-chi-so"), people.commune, expected=0, received=0),
    }


def run_on(day: date) -> int:
    with time_machine.travel(datetime(day.year, day.month, day.day, 5, 30, tzinfo=HANOI), tick=False):
        return send_reminders(today=timezone.localdate())


def made(since_pk: int = 0) -> set[tuple[str, str]]:
    return set(Notification.objects.filter(pk__gt=since_pk).values_list("user__username", "kind"))


def last_pk() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# Day relative to the due date → what that day's run makes, when the job runs every day.
DAILY = {
    -8: set(),
    -7: {("canbo.ct", Kind.DUE_SOON)},
    -1: {("canbo.ct", Kind.DUE_TOMORROW)},
    1: {("canbo.ct", Kind.OVERDUE)},
    3: {("duyet.ct", Kind.ESCALATED)},
    6: {("lanhdao.ct", Kind.ESCALATED), ("lanhdao.tw", Kind.ESCALATED)},
}


def test_run_every_day_from_8_days_before_to_8_after_each_step_comes_once_on_its_day(obligations):
    for offset in range(-8, 9):
        before = last_pk()
        count = run_on(DUE + timedelta(days=offset))
        assert made(before) == DAILY.get(offset, set()), offset
        assert count == len(DAILY.get(offset, set())), offset
    assert Notification.objects.count() == 6
    # Nobody of Huế (another province, its report met), no commune officer, no admin, nothing twice.
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "canbo.ct", "duyet.ct", "lanhdao.ct", "lanhdao.tw",
    }


@pytest.mark.parametrize(
    "offset, expected",
    [
        (-9, set()),
        (-3, {("canbo.ct", Kind.DUE_SOON)}),
        (0, {("canbo.ct", Kind.DUE_TOMORROW)}),  # due today: not "in 7 days" as well
        (4, {("canbo.ct", Kind.OVERDUE), ("duyet.ct", Kind.ESCALATED)}),
        (8, {("canbo.ct", Kind.OVERDUE), ("duyet.ct", Kind.ESCALATED),
             ("lanhdao.ct", Kind.ESCALATED), ("lanhdao.tw", Kind.ESCALATED)}),
    ],
)
def test_a_first_run_late_catches_up_with_the_latest_due_step_only(obligations, offset, expected):
    assert run_on(DUE + timedelta(days=offset)) == len(expected)
    assert made() == expected


def test_the_texts_name_the_report_the_unit_the_period_the_due_date_and_the_days(obligations, people):
    run_on(date(2026, 5, 24))
    due_soon = Notification.objects.get(user=people.officer)
    assert due_soon.title == f"Sắp đến hạn: Báo cáo thử 6 tháng – {people.can_tho.name} – kỳ 6 tháng đầu năm 2026"
    assert due_soon.body == "Hạn báo cáo là ngày 31/05/2026, còn 7 ngày. Đã gửi 1/3 mục."
    assert due_soon.link == "/viec-cua-toi/"
    assert due_soon.key == f"obligation:bao-cao-thu:{people.can_tho.pk}:0:2026:half1:due_soon"

    run_on(date(2026, 6, 3))
    escalated = Notification.objects.get(user=people.reviewer)
    assert escalated.title == f"Đơn vị quá hạn báo cáo: {people.can_tho.name} – Báo cáo thử 6 tháng – kỳ 6 tháng đầu năm 2026"
    assert escalated.body == (
        f"{people.can_tho.name} chưa gửi đủ Báo cáo thử 6 tháng kỳ 6 tháng đầu năm 2026: hạn ngày 31/05/2026, "
        "đã quá 3 ngày, đã gửi 1/3 mục."
    )
    assert escalated.link == "/lich-bao-cao/?nam=2026&che_do=bao-cao-thu"
    overdue = Notification.objects.get(user=people.officer, kind=Kind.OVERDUE)
    assert overdue.body == "Hạn báo cáo là ngày 31/05/2026, đã quá 3 ngày. Đã gửi 1/3 mục."


def test_a_second_run_the_same_day_makes_nothing_and_sends_no_second_email(obligations, people, mailoutbox):
    Preference.objects.create(user=people.nation_leader, kind=Kind.ESCALATED, delivery=Delivery.OFF)
    assert run_on(date(2026, 6, 6)) == 4
    run_tasks()
    assert sorted(mail.to[0] for mail in mailoutbox) == ["canbo.ct@example.vn", "duyet.ct@example.vn", "lanhdao.ct@example.vn"]
    assert mailoutbox[0].subject.startswith("[povertyplan] ")

    assert run_on(date(2026, 6, 6)) == 0
    run_tasks()
    assert len(mailoutbox) == 3 and Notification.objects.count() == 4


def test_an_obligation_derived_again_is_not_reminded_again(obligations, people):
    assert run_on(date(2026, 5, 30)) == 1
    obligation = obligations["can_tho"]
    fields = {name: getattr(obligation, name) for name in ("regime", "unit", "year", "period_kind", "period_number",
                                                           "due_on", "cutoff_on", "expected", "received")}
    obligation.delete()
    again = Obligation.objects.create(**fields)
    assert again.pk != obligation.pk
    assert run_on(date(2026, 5, 31)) == 0
    assert Notification.objects.get().key == obligation_key(again, "due_tomorrow")


def test_a_met_obligation_and_one_of_a_regime_no_longer_applied_get_nothing(obligations, people):
    can_tho = obligations["can_tho"]
    can_tho.met_at, can_tho.received = datetime(2026, 6, 2, 10, tzinfo=HANOI), 3
    can_tho.save()
    assert run_on(date(2026, 6, 10)) == 0
    can_tho.met_at, can_tho.received = None, 1
    can_tho.save()
    Regime.objects.filter(pk=can_tho.regime_id).update(is_active=False)
    assert run_on(date(2026, 6, 10)) == 0
    assert not Notification.objects.exists()


def test_escalation_goes_to_the_reviewer_of_the_units_province_only(people):
    """A commune of Cần Thơ overdue: its own officer, Cần Thơ's reviewer (above it), not Huế's."""
    owe(make_regime("bao-cao-xa", UnitLevel.COMMUNE), people.commune)
    run_on(DUE + timedelta(days=4))
    assert made() == {("canbo.xa", Kind.OVERDUE), ("duyet.ct", Kind.ESCALATED)}
    assert not Notification.objects.filter(user__in=[people.hue_reviewer, people.officer, people.admin]).exists()


def test_escalation_stops_at_the_level_that_receives_the_report(people):
    """A commune's report received by its province: its leader hears of it, the nation's does not (a
    national leader would otherwise get one message per late commune of the country)."""
    regime = make_regime("bao-cao-xa-gui-tinh", UnitLevel.COMMUNE)
    regime.receiving_level = UnitLevel.PROVINCE
    regime.save()
    owe(regime, people.commune)
    run_on(DUE + timedelta(days=7))
    assert made() == {("canbo.xa", Kind.OVERDUE), ("duyet.ct", Kind.ESCALATED), ("lanhdao.ct", Kind.ESCALATED)}


def queries_for(first: int, size: int, code: str) -> tuple[int, int]:
    """Queries of one run over `size` overdue communes of Cần Thơ (from the `first`-th), each with its own officer."""
    regime = make_regime(code, UnitLevel.COMMUNE)
    communes = AdministrativeUnit.objects.filter(parent__code="92", parent__admin_map=AdminMap.CURRENT,
                                                 level=UnitLevel.COMMUNE).order_by("code")[first:first + size]
    for number, commune in enumerate(communes):
        person(f"{code}.{number}", Role.OFFICER, commune)
        owe(regime, commune)
    with CaptureQueriesContext(connection) as queries:
        count = run_on(DUE + timedelta(days=8))
    Obligation.objects.filter(regime=regime).delete()
    return len(queries), count


def test_the_query_count_does_not_grow_with_the_number_of_obligations(people):
    small, small_count = queries_for(1, 2, "nho")
    large, large_count = queries_for(3, 12, "lon")
    # Per commune: its officer, Cần Thơ's reviewer and leader, the nation's leader.
    assert (small_count, large_count) == (2 * 4, 12 * 4)
    assert small == large


def test_a_task_report_obligation_goes_to_the_officers_of_its_agency_or_of_the_agency_that_took_it_over(people):
    """Hậu Giang's Sở LĐ-TB&XH tasks are owed by Cần Thơ: their work passed to Cần Thơ's Sở NN&MT."""
    from plans.models import Agency

    def member(username: str, role: str, agency_code: str | None):
        user = person(username, None)
        agency = Agency.objects.get(code=agency_code) if agency_code else None
        Membership.objects.create(user=user, unit=people.can_tho, role=role, agency=agency)
        return user

    member("canbo.sonnmt", Role.OFFICER, "ct-so-nnmt")
    member("canbo.ubnd", Role.OFFICER, "ct-ubnd")
    member("duyet.ubnd", Role.REVIEWER, "ct-ubnd")
    regime = Regime.objects.create(
        code="nhiem-vu-thu", name="Báo cáo nhiệm vụ thử", content=Content.TASK_REPORTS, reporting_level=UnitLevel.PROVINCE,
        receiving_level=UnitLevel.PROVINCE, frequency=Frequency.YEARLY, deadline_rule=DeadlineRule.FIXED_DATE,
        deadline_day=30, deadline_month=11, escalate_to_reviewer_after_days=3, escalate_to_leader_after_days=6,
    )
    old_agency = Agency.objects.get(code="hg-so-ldtbxh")
    owe(regime, people.can_tho, agency=old_agency, period_kind="year", period_number=0, due_on=date(2026, 11, 30))
    run_on(date(2026, 12, 3))
    assert made() == {("canbo.sonnmt", Kind.OVERDUE), ("duyet.ct", Kind.ESCALATED)}
    title = Notification.objects.get(user__username="canbo.sonnmt").title
    assert title == f"Quá hạn: Báo cáo nhiệm vụ thử – {old_agency.name} ({people.can_tho.name}) – kỳ năm 2026"
    key = Notification.objects.get(user__username="duyet.ct").key
    assert key == f"obligation:nhiem-vu-thu:{people.can_tho.pk}:{old_agency.pk}:2026:year0:escalated_reviewer"
