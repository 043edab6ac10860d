"""When a regime's period starts and ends, when its report is due, when its data are cut off and when
entry for it closes. Pure date arithmetic over a regime; working days come from reporting.calendar.
"""

import calendar as month_calendar
from datetime import date, timedelta

from reporting import calendar
from reporting.models import DeadlineRule, Regime
from reporting.periods import MONTHS_PER_PERIOD, parse_period_numbers
from review.models import ReportingPeriod

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
