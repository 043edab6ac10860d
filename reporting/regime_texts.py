"""The reporting regimes in words, as the regimes page shows them: "trước 01/6", "ngày 05 tháng sau",
"15 ngày làm việc sau kỳ", who reports to whom, the data cut-off and when entry locks."""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reporting.models import Content, DeadlineRule, Frequency, Regime


def deadline_text(regime: Regime) -> str:
    """"trước 01/6", "ngày 05 tháng sau", "15 ngày làm việc sau kỳ"."""
    if regime.deadline_rule == DeadlineRule.FIXED_DATE:
        month = regime.deadline_month
        last = date(2000, month, min(regime.deadline_day, monthrange(2000, month)[1]))  # a leap year: 29/2 exists
        first_late = last + timedelta(days=1)
        return _("trước %(date)s") % {"date": f"{first_late.day:02d}/{first_late.month}"}
    if regime.deadline_rule == DeadlineRule.DAY_OF_NEXT_MONTH:
        if regime.frequency == Frequency.MONTHLY:
            return _("ngày %(day)s tháng sau") % {"day": f"{regime.deadline_day:02d}"}
        return _("ngày %(day)s của tháng sau kỳ") % {"day": f"{regime.deadline_day:02d}"}
    count = regime.deadline_working_days or 0
    return ngettext("%(n)s ngày làm việc sau kỳ", "%(n)s ngày làm việc sau kỳ", count) % {"n": count}


def cutoff_text(regime: Regime) -> str:
    if regime.cutoff_day and regime.cutoff_month:
        return f"{regime.cutoff_day:02d}/{regime.cutoff_month}"
    return _("cuối kỳ")


def lock_text(regime: Regime) -> str:
    if regime.lock_grace_days is None:
        return _("không khóa")
    days = regime.lock_grace_days
    return ngettext("%(n)s ngày sau ngày chốt", "%(n)s ngày sau ngày chốt", days) % {"n": days}


def frequency_text(regime: Regime) -> str:
    text = regime.get_frequency_display()
    if regime.period_numbers.strip():
        return _("%(frequency)s (kỳ %(numbers)s)") % {"frequency": text, "numbers": regime.period_numbers.strip()}
    return str(text)


@dataclass
class RegimeRow:
    regime: Regime
    admin_url: str = ""

    @property
    def deadline(self) -> str:
        return deadline_text(self.regime)

    @property
    def cutoff(self) -> str:
        return cutoff_text(self.regime)

    @property
    def lock(self) -> str:
        return lock_text(self.regime)

    @property
    def frequency(self) -> str:
        return frequency_text(self.regime)

    @property
    def reporter(self) -> str:
        regime = self.regime
        if regime.reporting_agency_id:
            who = regime.reporting_agency.name
        elif regime.content == Content.TASK_REPORTS:
            who = _("cơ quan chủ trì từng nhiệm vụ")
        else:
            who = regime.get_reporting_role_display()
        return f"{who} ({regime.get_reporting_level_display()})"

    @property
    def receiver(self) -> str:
        regime = self.regime
        return regime.receiver or str(regime.get_receiving_level_display())

    @property
    def indicators(self) -> list:
        return sorted(self.regime.indicators.all(), key=lambda i: i.code)


def regime_rows(*, user: User) -> list[RegimeRow]:
    """Every regime, read-only; admins get a link to edit it in the admin."""
    editable = user.is_staff and user.has_perm("reporting.change_regime")
    rows = []
    for regime in Regime.objects.select_related("reporting_agency").prefetch_related("indicators"):
        url = reverse("admin:reporting_regime_change", args=[regime.pk]) if editable else ""
        rows.append(RegimeRow(regime, url))
    return rows
