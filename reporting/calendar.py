"""Working days for reporting deadlines.

Saturday and Sunday are off, Monday to Friday are working days, unless a CalendarDay row says
otherwise: an OFF row (a public holiday, a day off in exchange) or a WORKDAY row (a Saturday
worked in exchange). The rows come from data/reporting/holidays.csv (`manage.py load_holidays`).
Each function reads the rows of the window it needs in one query.
"""

from datetime import date, timedelta

from reporting.models import CalendarDay, DayKind


def _listed_days(first: date, last: date) -> dict[date, bool]:
    """{day: is a working day} for the CalendarDay rows from `first` to `last`, both included."""
    rows = CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "kind")
    return {day: kind == DayKind.WORKDAY for day, kind in rows}


def _working(day: date, listed: dict[date, bool]) -> bool:
    return listed.get(day, day.weekday() < 5)


def is_working_day(day: date) -> bool:
    return _working(day, _listed_days(day, day))


def working_days_after(end: date, count: int) -> date:
    """The count-th working day after `end` (`end` itself not counted; `end` when count is 0)."""
    if count < 0:
        raise ValueError("count must not be negative")
    # Long enough for `count` working days even across a nine-day Tết break: one query in practice.
    horizon = end + timedelta(days=2 * count + 31)
    listed = _listed_days(end + timedelta(days=1), horizon)
    day, left = end, count
    while left:
        day += timedelta(days=1)
        if day > horizon:  # past the window read: read the next one
            horizon = day + timedelta(days=62)
            listed.update(_listed_days(day, horizon))
        if _working(day, listed):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """The number of working days in (start, end]; negative (minus those in (end, start]) when end
    is before start."""
    if end < start:
        return -working_days_between(end, start)
    listed = _listed_days(start + timedelta(days=1), end)
    return sum(_working(start + timedelta(days=n), listed) for n in range(1, (end - start).days + 1))
