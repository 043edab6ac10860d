"""When a regime's period starts and ends, when its report is due, when its data are cut off and when
entry for it closes. Pure date arithmetic over a regime; working days come from reporting.calendar.
"""

import calendar as month_calendar
from datetime import date, timedelta

from django.utils.translation import gettext as _

from reporting import calendar
from reporting.models import DeadlineRule, Regime
from review.models import ReportingPeriod

PERIODS_PER_YEAR = {ReportingPeriod.YEAR: 1, ReportingPeriod.HALF: 2, ReportingPeriod.QUARTER: 4, ReportingPeriod.MONTH: 12}
MONTHS_PER_PERIOD = {ReportingPeriod.YEAR: 12, ReportingPeriod.HALF: 6, ReportingPeriod.QUARTER: 3, ReportingPeriod.MONTH: 1}


def parse_period_numbers(text: str, period_kind: str | None) -> list[int]:
    """"" → every period of the kind; "1" → the first; "1-8" or "1,3,5" → those. A year's number is 0."""
    if period_kind is None:
        return []
    if period_kind == ReportingPeriod.YEAR:
        return [0]
    last = PERIODS_PER_YEAR[period_kind]
    if not text.strip():
        return list(range(1, last + 1))
    numbers: set[int] = set()
    for part in text.replace(" ", "").split(","):
        first, _dash, end = part.partition("-")
        if not first.isdigit() or (end and not end.isdigit()):
            raise ValueError(_("Các kỳ viết như “1”, “1-8” hoặc “1,3,5”; “%(text)s” không đọc được.") % {"text": text})
        start, stop = int(first), int(end or first)
        if not 1 <= start <= stop <= last:
            raise ValueError(_("Kỳ phải từ 1 đến %(last)s.") % {"last": last})
        numbers.update(range(start, stop + 1))
    return sorted(numbers)


def period_numbers(regime: Regime) -> list[int]:
    return parse_period_numbers(regime.period_numbers, regime.period_kind)


def period_start(year: int, kind: str, number: int) -> date:
    first_month = 1 if kind == ReportingPeriod.YEAR else (number - 1) * MONTHS_PER_PERIOD[kind] + 1
    return date(year, first_month, 1)


def period_end(year: int, kind: str, number: int) -> date:
    last_month = 12 if kind == ReportingPeriod.YEAR else number * MONTHS_PER_PERIOD[kind]
    return date(year, last_month, month_calendar.monthrange(year, last_month)[1])


def _day_of(year: int, month: int, day: int) -> date:
    """The day of that month, or its last day when the month is shorter (31 → 30 April)."""
    return date(year, month, min(day, month_calendar.monthrange(year, month)[1]))


def due_on(regime: Regime, year: int, number: int) -> date:
    """The last day on which the report is on time."""
    kind = regime.period_kind
    end = period_end(year, kind, number)
    if regime.deadline_rule == DeadlineRule.FIXED_DATE:
        return _day_of(year, regime.deadline_month, regime.deadline_day)
    if regime.deadline_rule == DeadlineRule.DAY_OF_NEXT_MONTH:
        next_month = end + timedelta(days=1)
        return _day_of(next_month.year, next_month.month, regime.deadline_day)
    return calendar.working_days_after(end, regime.deadline_working_days)


def cutoff_on(regime: Regime, year: int, number: int) -> date:
    """The data cut-off date (thời gian chốt số liệu): the regime's fixed date, else the period's end."""
    if regime.cutoff_month and regime.cutoff_day:
        return _day_of(year, regime.cutoff_month, regime.cutoff_day)
    return period_end(year, regime.period_kind, number)


def locks_on(regime: Regime, year: int, number: int) -> date | None:
    """The first day entry for the period is closed; None for a regime that never locks."""
    if regime.lock_grace_days is None:
        return None
    return cutoff_on(regime, year, number) + timedelta(days=regime.lock_grace_days + 1)
