"""The working-day calendar of reporting deadlines: Vietnamese public holidays, days off in exchange and
Saturdays worked, loaded from data/reporting/holidays.csv."""

import csv
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from reporting.calendar import is_working_day, working_days_after, working_days_between
from reporting.models import CalendarDay, DayKind

CSV = Path(settings.BASE_DIR) / "data" / "reporting" / "holidays.csv"
STATUTORY = "Bộ luật Lao động 2019 Điều 112 (dự kiến, chưa có thông báo)"
# Mùng 1 Tết and Giỗ Tổ (10/3 âm lịch) by the Vietnamese lunar calendar (UTC+7). 2030: the new moon is
# at 16:07 UTC on 2 February, 23:07 in Hà Nội, so Tết Canh Tuất is Saturday 2 February in Việt Nam
# (3 February by the Chinese calendar, whose new moon falls after midnight in UTC+8).
LUNAR = {
    2021: (date(2021, 2, 12), date(2021, 4, 21)), 2022: (date(2022, 2, 1), date(2022, 4, 10)),
    2023: (date(2023, 1, 22), date(2023, 4, 29)), 2024: (date(2024, 2, 10), date(2024, 4, 18)),
    2025: (date(2025, 1, 29), date(2025, 4, 7)), 2026: (date(2026, 2, 17), date(2026, 4, 26)),
    2027: (date(2027, 2, 6), date(2027, 4, 16)), 2028: (date(2028, 1, 26), date(2028, 4, 4)),
    2029: (date(2029, 2, 13), date(2029, 4, 23)), 2030: (date(2030, 2, 2), date(2030, 4, 12)),
}


@pytest.fixture
def holidays(db):
    call_command("load_holidays", verbosity=0)


def test_national_day_2025_and_its_adjacent_monday_are_off(holidays):
    assert not is_working_day(date(2025, 9, 2))
    assert not is_working_day(date(2025, 9, 1))
    assert is_working_day(date(2025, 9, 3))


def test_saturdays_worked_in_exchange_are_working_days_and_the_weekdays_swapped_are_off(holidays):
    for saturday, weekday in [(date(2024, 5, 4), date(2024, 4, 29)), (date(2025, 4, 26), date(2025, 5, 2)),
                              (date(2026, 1, 10), date(2026, 1, 2)), (date(2026, 8, 22), date(2026, 8, 31))]:
        assert saturday.weekday() == 5 and is_working_day(saturday)
        assert weekday.weekday() < 5 and not is_working_day(weekday)


def test_the_whole_tet_break_of_2026_is_off(holidays):
    day = date(2026, 2, 14)
    while day <= date(2026, 2, 22):
        assert not is_working_day(day), day
        day += timedelta(days=1)
    assert is_working_day(date(2026, 2, 13)) and is_working_day(date(2026, 2, 23))
    assert working_days_after(date(2026, 2, 13), 1) == date(2026, 2, 23)


def test_weekends_are_off_and_weekdays_work_when_nothing_is_listed(holidays):
    assert not is_working_day(date(2026, 12, 5))  # Saturday
    assert not is_working_day(date(2026, 12, 6))  # Sunday
    assert is_working_day(date(2026, 12, 7))  # Monday
    assert not CalendarDay.objects.filter(date__range=(date(2026, 12, 5), date(2026, 12, 7))).exists()


def test_fifteen_working_days_after_the_end_of_june_2026(holidays):
    # July 2026 has no holiday and 1 July is a Wednesday: 1–3 July are working days 1–3, 6–10 July
    # 4–8, 13–17 July 9–13, Monday 20 July the 14th and Tuesday 21 July the 15th.
    assert working_days_after(date(2026, 6, 30), 15) == date(2026, 7, 21)


def test_working_days_skip_the_national_day_break_and_count_the_saturday_worked(holidays):
    # From Thursday 20 August 2026: Fri 21 (1), Saturday 22 worked in exchange (2), Mon 24 – Fri 28
    # (3–7); Sat 29 – Wed 2 September off (weekend, Monday 31 swapped, 1–2 September Quốc khánh);
    # Thu 3 (8), Fri 4 (9), Mon 7 (10).
    assert working_days_after(date(2026, 8, 20), 10) == date(2026, 9, 7)
    assert working_days_between(date(2026, 8, 20), date(2026, 9, 7)) == 10
    assert working_days_between(date(2026, 9, 7), date(2026, 8, 20)) == -10
    assert working_days_between(date(2026, 8, 20), date(2026, 8, 20)) == 0
    assert working_days_after(date(2026, 8, 20), 0) == date(2026, 8, 20)


def test_each_function_reads_the_calendar_in_one_query(holidays, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert working_days_after(date(2026, 8, 20), 10) == date(2026, 9, 7)
    # 2026 after 1 January: 260 weekdays, less 12 off (2/1, 16–20/2, 27/4, 30/4, 1/5, 31/8, 1–2/9),
    # plus the Saturdays worked on 10/1 and 22/8: 250, the last on Thursday 31 December.
    with django_assert_num_queries(1):
        assert working_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 250
    with django_assert_num_queries(1):
        assert working_days_after(date(2026, 1, 1), 250) == date(2026, 12, 31)
    with django_assert_num_queries(1):
        is_working_day(date(2026, 9, 2))


def test_every_year_has_its_tet_and_gio_to_by_the_vietnamese_lunar_calendar(holidays):
    for year, (tet, gio_to) in LUNAR.items():
        assert CalendarDay.objects.get(date=tet, kind=DayKind.OFF).name.startswith("Tết Nguyên đán"), year
        assert CalendarDay.objects.get(date=gio_to, kind=DayKind.OFF).name.startswith("Giỗ Tổ Hùng Vương"), year
        weekdays_off = [day for day in CalendarDay.objects.filter(date__year__in=(year - 1, year), kind=DayKind.OFF,
                                                                  name__startswith="Tết Nguyên đán")
                        if day.date.weekday() < 5 and abs((day.date - tet).days) < 10]
        assert len(weekdays_off) == 5, year  # five days of Tết (Điều 112), on working days
    assert not CalendarDay.objects.filter(date=date(2030, 2, 4), name__contains="mùng 1").exists()


def test_announced_years_cite_their_source_and_later_years_say_they_are_statutory(holidays):
    assert CalendarDay.objects.filter(date__year__gte=2027).exclude(source=STATUTORY).count() == 0
    assert not CalendarDay.objects.filter(date__year__lte=2026, source=STATUTORY).exists()
    assert CalendarDay.objects.get(date=date(2026, 8, 22)).source.startswith("Ý kiến Thủ tướng")
    assert all(row["source"] for row in csv.DictReader(CSV.open(encoding="utf-8")))


def test_loading_twice_changes_nothing_and_keeps_days_the_file_does_not_list(holidays):
    extra = CalendarDay.objects.create(date=date(2031, 1, 1), kind=DayKind.OFF, name="Tết Dương lịch")
    count = CalendarDay.objects.count()
    out = StringIO()
    call_command("load_holidays", stdout=out)
    assert CalendarDay.objects.count() == count == 156
    assert out.getvalue().strip() == "Đã nạp 155 ngày từ holidays.csv: 0 thêm mới, 0 cập nhật, 155 không đổi."
    assert CalendarDay.objects.filter(pk=extra.pk).exists()


def test_loading_updates_a_changed_day(holidays):
    CalendarDay.objects.filter(date=date(2025, 9, 2)).update(name="Sai tên", kind=DayKind.WORKDAY)
    out = StringIO()
    call_command("load_holidays", stdout=out)
    assert "0 thêm mới, 1 cập nhật, 154 không đổi" in out.getvalue()
    day = CalendarDay.objects.get(date=date(2025, 9, 2))
    assert (day.kind, day.name) == (DayKind.OFF, "Quốc khánh (2/9)")


def test_a_file_with_an_unknown_kind_is_refused_and_nothing_is_loaded(db, tmp_path):
    bad = tmp_path / "holidays.csv"
    bad.write_text("date,kind,name,source\n2027-01-01,off,Tết Dương lịch,\n2027-01-02,holiday,Sai,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="dòng 3"):
        call_command("load_holidays", file=str(bad), verbosity=0)
    assert not CalendarDay.objects.exists()
