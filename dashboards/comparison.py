"""Comparison of the units of a territory for one indicator and year: each unit's figure, the
national target judged on it, and its own target."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q

from dashboards.figures import Point, load_points
from dashboards.judging import SEVERITY, TargetStatus, evaluate_targets
from dashboards.scope import Options, dashboard_targets, for_judging
from indicators import selectors
from indicators.evaluation import Evaluation, EvaluationStatus, evaluate
from indicators.models import Indicator, Target, TargetKind
from plans.country_sources import REORGANISATION_DATE
from plans.models import AdministrativeUnit, AdminMap, UnitLevel, UnitSuccession
from plans.unit_names import names_in_year

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SORTS = {"ten", "gia_tri", "tien_do", "trang_thai"}


@dataclass
class ComparisonRow:
    unit: AdministrativeUnit
    point: Point | None
    national: Evaluation | None  # the benchmark target judged on this unit's figures
    own: TargetStatus | None
    name: str = ""  # the unit's name in the year shown

    @property
    def has_below(self) -> bool:
        """Whether the unit has units below it to compare in turn."""
        return bool(getattr(self.unit, "has_children", False))

    @property
    def value(self) -> Decimal | None:
        return self.point.shown if self.point else None

    @property
    def progress(self) -> Decimal | None:
        return self.national.value if self.national else None

    @property
    def status(self) -> EvaluationStatus | None:
        if self.own is not None:
            return self.own.status
        return self.national.status if self.national else None


@dataclass
class Comparison:
    indicator: Indicator
    parent: AdministrativeUnit
    options: Options
    admin_map: str
    rows: list[ComparisonRow]
    benchmark: Target | None
    parent_point: Point | None
    sort: str
    descending: bool
    chart_metric: str  # "gia_tri" (the year's figures) or "tien_do" (what the benchmark judges)
    illustrative: bool
    crumbs: list[AdministrativeUnit]
    synthetic: bool = False
    map_chosen: bool = False  # by the user (?ban_do=); else the map in force in the year shown

    @property
    def has_maps(self) -> bool:
        return self.parent.level == UnitLevel.NATION

    @property
    def arrow(self) -> str:
        return "▼" if self.descending else "▲"


def comparison(*, user: User, indicator: Indicator, parent: AdministrativeUnit, options: Options, admin_map: str = "",
               sort: str = "", descending: bool | None = None, metric: str = "") -> Comparison:
    """Every unit below `parent` (the provinces of one map for the nation) for one indicator.

    The nation opens on the map in force at the end of the year shown (63 provinces up to 2024,
    34 from 2025) unless `admin_map` names one; units are named as they were that year."""
    children = AdministrativeUnit.objects.filter(parent=parent, level__gt=UnitLevel.REGION)
    map_chosen = admin_map in (AdminMap.CURRENT, AdminMap.LEGACY)
    if parent.level == UnitLevel.NATION:
        admin_map = admin_map if map_chosen else map_in_force(options.year)
        children = children.filter(admin_map=admin_map)
    children = list(children.select_related("parent").annotate(
        has_children=Exists(AdministrativeUnit.objects.filter(parent=OuterRef("pk")))).order_by("name"))
    child_ids = {u.pk for u in children}
    names = names_in_year(children, options.year)
    benchmark = (
        for_judging(dashboard_targets(user=user).filter(indicator=indicator, territory__level=UnitLevel.NATION))
        .filter(selectors.horizon_covers(year=options.year))
        .exclude(kind=TargetKind.COMPARISON)
        .order_by("document__issued_on", "position")
        .first()
    )
    # Each unit's own target: on the unit, or on a unit merged into it.
    links = dict(
        UnitSuccession.objects.filter(successor_id__in=child_ids, is_main=True, predecessor__level__lte=UnitLevel.DISTRICT)
        .values_list("predecessor_id", "successor_id")
    )
    own_targets = list(
        for_judging(dashboard_targets(user=user).filter(indicator=indicator))
        .filter(Q(territory_id__in=child_ids) | Q(territory_id__in=list(links)))
        .filter(selectors.horizon_covers(year=options.year))
        .order_by("-document__issued_on", "position")
    )
    own_statuses = evaluate_targets(user=user, targets=own_targets, options=options)
    own_by_unit: dict[int, TargetStatus] = {}
    for status in own_statuses:
        unit_id = links.get(status.target.territory_id, status.target.territory_id)
        own_by_unit.setdefault(unit_id, status)
    points = load_points(user=user, indicator_ids={indicator.pk}, unit_ids=child_ids | {parent.pk}, options=options)
    rows = []
    for unit in children:
        series = points.get((indicator.pk, unit.pk), {})
        national = None
        if benchmark is not None:
            values = {y: p.shown for y, p in series.items() if p.shown is not None}
            national = evaluate(benchmark, values, as_of_year=options.year) if values else None
        rows.append(ComparisonRow(unit, series.get(options.year), national, own_by_unit.get(unit.pk), names[unit.pk]))
    judged = benchmark is not None and any(r.progress is not None for r in rows)
    sort = sort if sort in SORTS else ("tien_do" if judged else "gia_tri")
    if descending is None:
        descending = sort != "ten"
    rows = _sorted(rows, sort, descending)
    metric = metric if metric in ("gia_tri", "tien_do") else ("tien_do" if judged else "gia_tri")
    if benchmark is None:
        metric = "gia_tri"
    crumbs, node = [], parent
    while node is not None:
        crumbs.insert(0, node)
        node = node.parent
    return Comparison(
        indicator=indicator, parent=parent, options=options, admin_map=admin_map, rows=rows, benchmark=benchmark,
        parent_point=points.get((indicator.pk, parent.pk), {}).get(options.year), sort=sort, descending=descending,
        chart_metric=metric,
        illustrative=any(r.point and r.point.is_illustrative for r in rows), crumbs=crumbs,
        synthetic=any(r.point and r.point.is_synthetic for r in rows),
        map_chosen=map_chosen,
    )


def map_in_force(year: int) -> str:
    """The country map whose provinces existed at the end of `year`."""
    return AdminMap.LEGACY if date(year, 12, 31) < REORGANISATION_DATE else AdminMap.CURRENT


def _sorted(rows: list[ComparisonRow], sort: str, descending: bool) -> list[ComparisonRow]:
    """Sorted by the key; rows without one always last."""
    if sort == "ten":
        return sorted(rows, key=lambda r: r.name, reverse=descending)
    key = {
        "gia_tri": lambda r: r.value,
        "tien_do": lambda r: r.progress,
        "trang_thai": lambda r: None if r.status is None else -SEVERITY[r.status],
    }[sort]
    present = sorted((r for r in rows if key(r) is not None), key=lambda r: (key(r), r.name), reverse=descending)
    return present + sorted((r for r in rows if key(r) is None), key=lambda r: r.name)


