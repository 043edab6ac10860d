"""What the dashboards may read for a user, and the options every page reads under.

Targets, figures, tasks and task reports are read through plans.access.scope. The nation's and
the regions' targets and figures are benchmarks (a province's target is "no higher than the
regional and national rate"): every signed-in user with a territory sees them beside their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from indicators.assessments import approved_assessments
from indicators.models import Target, YearlyValue
from plans import access
from plans.models import AdministrativeUnit, UnitLevel

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class Options:
    """What every page is read under: the year judged, and whether figures awaiting review
    replace the approved ones (the views read both from ?nam= and ?cho_duyet=)."""

    year: int
    include_pending: bool = False


def _with_benchmarks(user: User, queryset: QuerySet, unit_path: str) -> QuerySet:
    """The rows in the user's reach, and those of the nation and the regions (benchmarks)."""
    if user.is_superuser:
        return queryset
    return access.scope(user, queryset, unit_path=unit_path) | queryset.filter(
        **{f"{unit_path}__level__lte": UnitLevel.REGION}
    )


def visible_values(*, user: User) -> QuerySet[YearlyValue]:
    return _with_benchmarks(user, YearlyValue.objects.all(), "unit")


def visible_yearly_values(*, user: User) -> QuerySet[YearlyValue]:
    """Every yearly value in reach, under every poverty standard and breakdown (not only the headline)."""
    return _with_benchmarks(user, YearlyValue.every.all(), "unit")


def dashboard_targets(*, user: User) -> QuerySet[Target]:
    return _with_benchmarks(user, Target.objects.all(), "territory")


def has_territory(*, user: User) -> bool:
    user_reach = access.reach(user)
    return user_reach.everywhere or bool(user_reach.root_unit_ids)


def _with_parents(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("parent__parent__parent__parent")


def home_units(*, user: User) -> list[AdministrativeUnit]:
    """The territories a user's dashboard may start from: the nation, or their memberships' units."""
    if access.reach(user).everywhere:
        return list(AdministrativeUnit.objects.filter(level=UnitLevel.NATION))
    ids = user.memberships.values_list("unit_id", flat=True)
    return list(_with_parents(AdministrativeUnit.objects.filter(pk__in=ids)).order_by("level", "name"))


def unit_in_reach(*, user: User, unit_id: int) -> AdministrativeUnit | None:
    """The territory asked for when it exists and lies in the user's reach, else None."""
    unit = _with_parents(AdministrativeUnit.objects.all()).filter(pk=unit_id).first()
    if unit is None or not access.unit_in_reach(access.reach(user), unit):
        return None
    return unit


def first_home(*, user: User) -> AdministrativeUnit | None:
    """The territory a dashboard opens on when none is asked for (None: the user has none)."""
    homes = home_units(user=user)
    return homes[0] if homes else None


def within(unit: AdministrativeUnit, path: str) -> Q:
    """Rows whose unit lies in `unit`'s subtree or in that of a unit merged into it."""
    if unit.level == UnitLevel.NATION:
        return Q()
    return access.Reach(root_unit_ids=access.predecessor_unit_ids({unit.pk})).unit_q(path)


def for_judging(queryset: QuerySet[Target]) -> QuerySet[Target]:
    """Targets with what judging them reads selected and prefetched (see judging.evaluate_targets)."""
    return queryset.select_related(
        "indicator", "document__issuer", "document__territory", "territory", "restates"
    ).prefetch_related("compare_units", approved_assessments())
