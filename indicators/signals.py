"""Every figure saved or deleted one by one keeps the dashboards' table in step; bulk writes call
indicators.rollups.refresh_yearly_values themselves. Wired in IndicatorsConfig.ready(), so that the
models do not import the roll-ups that read them."""

from django.db.models.signals import post_delete, post_save

from indicators import rollups
from indicators.models import Actual, PeriodKind


def refresh_yearly_value(sender, instance: Actual, **kwargs) -> None:
    if instance.period_kind == PeriodKind.YEAR:
        rollups.refresh_for(indicator_id=instance.indicator_id, unit_id=instance.unit_id, year=instance.year)


def connect() -> None:
    post_save.connect(refresh_yearly_value, sender=Actual, dispatch_uid="yearly_value_on_save")
    post_delete.connect(refresh_yearly_value, sender=Actual, dispatch_uid="yearly_value_on_delete")
