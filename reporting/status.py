"""An obligation's status on a given day: not yet due, due soon, submitted on time, submitted late,
overdue. Derived from its due date and when it was met, so it is never stale; the same rule in Python
(one obligation) and in SQL (boards that count thousands)."""

from datetime import date, datetime, timedelta

from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting.models import Obligation

DUE_SOON_DAYS = 7


class Status(models.TextChoices):
    OVERDUE = "overdue", _("Quá hạn")
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    NOT_YET_DUE = "not_yet_due", _("Chưa đến hạn")
    LATE = "late", _("Gửi muộn")
    ON_TIME = "on_time", _("Gửi đúng hạn")


# Overdue first, then what comes due, then what is done.
STATUS_ORDER = {status: position for position, status in enumerate(Status.values)}
MET = {Status.ON_TIME, Status.LATE}


def met_on(met_at: datetime) -> date:
    return timezone.localdate(met_at)


def status_of(obligation: Obligation, today: date) -> Status:
    if obligation.met_at is not None:
        return Status.ON_TIME if met_on(obligation.met_at) <= obligation.due_on else Status.LATE
    if today > obligation.due_on:
        return Status.OVERDUE
    if obligation.due_on - today <= timedelta(days=DUE_SOON_DAYS):
        return Status.DUE_SOON
    return Status.NOT_YET_DUE


def days_left(obligation: Obligation, today: date) -> int:
    """Days until the due date; negative once overdue."""
    return (obligation.due_on - today).days


def status_q(status: Status, today: date) -> Q:
    """`status_of` as one SQL condition per status: counting with these reads each row once, where
    counting on the CASE below would work it out again for every count."""
    met_date = TruncDate("met_at", tzinfo=timezone.get_current_timezone())
    soon = today + timedelta(days=DUE_SOON_DAYS)
    return {
        Status.ON_TIME: Q(met_at__isnull=False, due_on__gte=met_date),
        Status.LATE: Q(met_at__isnull=False, due_on__lt=met_date),
        Status.OVERDUE: Q(met_at__isnull=True, due_on__lt=today),
        Status.DUE_SOON: Q(met_at__isnull=True, due_on__gte=today, due_on__lte=soon),
        Status.NOT_YET_DUE: Q(met_at__isnull=True, due_on__gt=soon),
    }[status]


def status_expression(today: date) -> Case:
    """`status_of` as SQL, for .annotate(status=…), filtering and ordering by status."""
    return Case(
        *[When(status_q(status, today), then=Value(status)) for status in Status.values],
        output_field=models.CharField(),
    )
