"""Keep obligations current when a figure or task report is saved or deleted one at a time (forms,
workflow steps, the admin). Bulk writers (imports, recomputes) refresh their year themselves
(obligations.refresh); the daily task catches anything else.

Only figures of an indicator some regime asks for trigger a refresh: the set of those indicators is
kept in memory and dropped whenever a regime or its indicator list changes.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from indicators.models import Actual
from reporting.models import Regime
from reporting.obligations import refresh_for
from reports.models import MonitoringReport
from review.models import TaskReport

_asked_for: set[int] | None = None


def indicators_asked_for() -> set[int]:
    global _asked_for
    if _asked_for is None:
        _asked_for = set(Regime.indicators.through.objects.values_list("indicator_id", flat=True))
    return _asked_for


@receiver([post_save, post_delete], sender=Regime, dispatch_uid="reporting.regime_changed")
@receiver(m2m_changed, sender=Regime.indicators.through, dispatch_uid="reporting.regime_indicators_changed")
def forget_asked_for(**kwargs):
    global _asked_for
    _asked_for = None


@receiver([post_save, post_delete], sender=Actual, dispatch_uid="reporting.figure_changed")
def figure_changed(sender, instance: Actual, **kwargs):
    if instance.breakdown or instance.indicator_id not in indicators_asked_for():
        return  # obligations count whole figures of the regimes' indicators
    transaction.on_commit(lambda: refresh_for(
        unit_id=instance.unit_id, indicator_id=instance.indicator_id, year=instance.year,
        period_kind=instance.period_kind, period_number=instance.period_number,
    ))


@receiver([post_save, post_delete], sender=MonitoringReport, dispatch_uid="reporting.narrative_changed")
def narrative_changed(sender, instance: MonitoringReport, **kwargs):
    transaction.on_commit(lambda: refresh_for(
        unit_id=instance.unit_id, narrative=True, year=instance.year,
        period_kind=instance.period_kind, period_number=instance.period_number,
    ))


@receiver([post_save, post_delete], sender=TaskReport, dispatch_uid="reporting.task_report_changed")
def task_report_changed(sender, instance: TaskReport, **kwargs):
    transaction.on_commit(lambda: refresh_for(
        year=instance.year, period_kind=instance.period_kind, period_number=instance.period_number,
    ))
