"""Period locks (DHIS2's expiry days): after a regime's data cut-off plus its grace days, entry for
that period closes; a reviewer or an admin reopens it for one unit and period until a date, with a
reason (audited).

The rule, for a figure of (indicator, unit, period) or a task report of (task, period):

- the regimes that cover it are the active regimes of that period kind and year whose content
  takes it (figures and review results: the indicator is one of the regime's and the unit is of the
  regime's reporting level; task reports: the task's territory is of that level and its recurrence
  fits the frequency, reporting.obligations.RECURRENCES_OF) and that name the period;
- of those, only the ones that lock (lock_grace_days set) decide: a regime without a lock says
  nothing about locking. Entry stays open while one of them still takes it (GN01's annual province
  figure is owed both to the official review results, locked from 31/01, and to the annual
  monitoring report, locked from 15/02: it closes on 15/02), as DHIS2 keeps a data element open
  while one of its data sets is not expired;
- a LockException of one of those regimes for the unit and period, open until today or later,
  reopens it.

A late correction of an approved record keeps its own path (a reason, review again) and is never
refused here, nor is the rework of a late correction that was returned. Imports by administrators
are not refused either (exchange.workbook.bulk_actuals): an administrator's import is the way a
locked period's figures are restated in bulk, with its ImportRecord as the trail.

At most two queries per check: the covering regimes, then (only when all of them are locked) the
exceptions.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from plans.access import Action, require
from plans.models import AdministrativeUnit, Task
from reporting import deadlines
from reporting.models import PERIOD_KIND_OF, Content, LockException, Regime
from reporting.obligations import RECURRENCES_OF
from review.models import ReportingPeriod, ReviewStatus
from review.workflow import record_audit

AUDIT_ACTION = "lock_exception"


def period_title(year: int, period_kind: str, period_number: int) -> str:
    """"năm 2025", "6 tháng đầu năm 2025", "quý 2/2025", "tháng 3/2025"."""
    if period_kind == ReportingPeriod.YEAR:
        return _("năm %(year)s") % {"year": year}
    if period_kind == ReportingPeriod.HALF:
        text = _("6 tháng đầu năm %(year)s") if period_number == 1 else _("6 tháng cuối năm %(year)s")
        return text % {"year": year}
    if period_kind == ReportingPeriod.QUARTER:
        return _("quý %(number)s/%(year)s") % {"number": period_number, "year": year}
    return _("tháng %(month)s/%(year)s") % {"month": period_number, "year": year}


@dataclass(frozen=True)
class Lock:
    """A closed period: the regime that closed it last, and when."""

    regime: Regime
    year: int
    period_kind: str
    period_number: int
    locks_on: date
    cutoff_on: date

    @property
    def message(self) -> str:
        return _(
            "Kỳ %(period)s đã khóa nhập từ ngày %(date)s (hạn chốt số liệu %(cutoff)s + %(days)s ngày). "
            "Đề nghị người duyệt mở khóa nếu cần sửa."
        ) % {
            "period": period_title(self.year, self.period_kind, self.period_number),
            "date": f"{self.locks_on:%d/%m/%Y}",
            "cutoff": f"{self.cutoff_on:%d/%m/%Y}",
            "days": self.regime.lock_grace_days,
        }


def _locking_regimes(regimes: QuerySet, year: int, period_kind: str) -> QuerySet:
    frequencies = [frequency for frequency, kind in PERIOD_KIND_OF.items() if kind == period_kind]
    return regimes.filter(
        is_active=True, first_year__lte=year, last_year__gte=year, frequency__in=frequencies, lock_grace_days__isnull=False,
    )


def covering_regimes(
    *, unit: AdministrativeUnit, year: int, period_kind: str, indicator=None, task: Task | None = None
) -> QuerySet:
    """The regimes with a lock that take this figure (indicator: an Indicator or its id) or task report
    (task), one query when read."""
    if task is not None:
        frequencies = [frequency for frequency, recurrences in RECURRENCES_OF.items() if task.recurrence in recurrences]
        regimes = Regime.objects.filter(content=Content.TASK_REPORTS, frequency__in=frequencies)
        regimes = regimes.filter(Q(reporting_agency__isnull=True) | Q(reporting_agency_id=task.lead_agency_id))
    else:
        regimes = Regime.objects.filter(indicators=indicator, content__in=[Content.FIGURES, Content.REVIEW_RESULTS])
    return _locking_regimes(regimes.filter(reporting_level=unit.level), year, period_kind)


def lock_for(
    *, unit: AdministrativeUnit, year: int, period_kind: str, period_number: int, indicator=None,
    task: Task | None = None, today: date | None = None,
) -> Lock | None:
    """The lock that closes entry of this figure or task report today, or None when it is open."""
    today = today or timezone.localdate()
    dates = [
        (deadlines.locks_on(regime, year, period_number), regime)
        for regime in covering_regimes(unit=unit, year=year, period_kind=period_kind, indicator=indicator, task=task)
        if period_number in deadlines.period_numbers(regime)
    ]
    if not dates or any(locks_on > today for locks_on, _regime in dates):
        return None
    reopened = LockException.objects.filter(
        regime__in=[regime.pk for _locks_on, regime in dates], unit=unit, year=year, period_kind=period_kind,
        period_number=period_number, open_until__gte=today,
    ).exists()
    if reopened:
        return None
    locks_on, regime = max(dates, key=lambda pair: (pair[0], pair[1].pk))
    return Lock(regime, year, period_kind, period_number, locks_on, deadlines.cutoff_on(regime, year, period_number))


def keeps_its_path(record) -> bool:
    """An approved record (a late correction follows) or a late correction sent back for rework."""
    return record is not None and (record.status == ReviewStatus.APPROVED or record.is_late_correction)


def entry_lock(
    *, unit: AdministrativeUnit, year: int, period_kind: str, period_number: int, indicator=None,
    task: Task | None = None, record=None, today: date | None = None,
) -> Lock | None:
    """What the entry page and the services ask: the lock that refuses this entry, None if it may go on.
    `record` is the stored figure or task report being changed (None for a new one)."""
    if keeps_its_path(record):
        return None
    return lock_for(unit=unit, year=year, period_kind=period_kind, period_number=period_number, indicator=indicator,
                    task=task, today=today)


def refuse_if_locked(
    *, unit: AdministrativeUnit, year: int, period_kind: str, period_number: int, indicator=None,
    task: Task | None = None, record=None,
) -> None:
    """The rule, for every new entry, draft edit and submission of a figure or a task report."""
    lock = entry_lock(unit=unit, year=year, period_kind=period_kind, period_number=period_number,
                      indicator=indicator, task=task, record=record)
    if lock is not None:
        raise ValidationError({"period": lock.message}, code="period_locked")


# ---------------------------------------------------------------------------------------------
# Exceptions


@transaction.atomic
def grant_exception(
    *, user, regime: Regime, unit: AdministrativeUnit, year: int, period_kind: str, period_number: int,
    open_until: date, reason: str,
) -> LockException:
    """Reopen one unit's period of a regime until `open_until` (inclusive), with a reason; audited."""
    require(user, Action.GRANT_LOCK_EXCEPTION, unit=unit)
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Hãy ghi lý do mở khóa.")
    if open_until < timezone.localdate():
        errors["open_until"] = _("Ngày mở đến phải từ hôm nay trở đi.")
    if regime.period_kind != period_kind or period_number not in deadlines.period_numbers(regime):
        errors["period"] = _("Chế độ báo cáo này không có kỳ đã chọn.")
    if not (regime.first_year <= year <= regime.last_year):
        errors["year"] = _("Chế độ báo cáo này không áp dụng cho năm %(year)s.") % {"year": year}
    if unit.level != regime.reporting_level:
        errors["unit"] = _("Đơn vị không thuộc cấp báo cáo của chế độ này.")
    if errors:
        raise ValidationError(errors)
    exception = LockException(
        regime=regime, unit=unit, year=year, period_kind=period_kind, period_number=period_number,
        open_until=open_until, reason=reason.strip(), granted_by=user,
    )
    exception.full_clean()
    exception.save()
    record_audit(
        user=user, instance=exception, action=AUDIT_ACTION, before=None,
        after={"regime": regime.code, "unit": unit.pk, "year": year, "period_kind": period_kind,
               "period_number": period_number, "open_until": open_until.isoformat()},
        reason=exception.reason,
    )
    return exception
