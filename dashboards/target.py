"""One target's page: its status, path, projection and figures year by year as a table."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from dashboards.figures import Point, final_year, value_unit
from dashboards.judging import TargetStatus, evaluate_targets
from dashboards.paths import PathPoint, anchor, cumulative, projection, target_path
from dashboards.scope import Options, dashboard_targets, for_judging
from indicators.models import Target, TargetKind
from plans.unit_names import names_in_years

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass
class TableRow:
    year: int
    unit_name: str
    point: Point | None
    path: PathPoint | None
    running_total: Decimal | None = None
    compared: list[Point | None] = field(default_factory=list)
    projected: Decimal | None = None

    @property
    def path_text(self) -> tuple[Decimal | None, Decimal | None]:
        if self.path is None:
            return (None, None)
        return (self.path.low, self.path.high)


@dataclass
class TargetDetail:
    status: TargetStatus
    options: Options
    path: list[PathPoint]
    projection: tuple[int, Decimal, int, Decimal] | None
    anchor: tuple[int, Decimal] | None
    rows: list[TableRow]
    running_totals: dict[int, Decimal]

    @property
    def target(self) -> Target:
        return self.status.target

    @property
    def is_cumulative(self) -> bool:
        return self.target.kind == TargetKind.CUMULATIVE

    @property
    def measure_unit(self) -> str:
        return value_unit(self.target)


def target_detail(*, user: User, target_id: int, options: Options) -> TargetDetail | None:
    """One target's page: judged, its path and projection, its figures year by year (None: no
    such target in the user's reach)."""
    target = for_judging(dashboard_targets(user=user)).filter(pk=target_id).first()
    if target is None:
        return None
    status = evaluate_targets(user=user, targets=[target], options=options)[0]
    path = target_path(status)
    totals = cumulative(status.used_values, target.start_year or target.end_year) if target.kind == TargetKind.CUMULATIVE else {}
    proj = projection(status)
    by_year = {p.year: p for p in status.points}
    path_by_year = {p.year: p for p in path}
    years = set(by_year) | set(path_by_year)
    for _unit, series in status.compare:
        years |= set(series)
    years = {y for y in years if y <= max(options.year, final_year(target))}
    if proj:
        years.add(proj[2])
    rows = []
    figure_units = [target.territory] + ([status.merger.successor] if status.merger else [])
    names = names_in_years(figure_units, [p.year for p in status.points])  # as they were in each figure's year
    for year in sorted(years):
        point = by_year.get(year)
        unit_name = ""
        if point is not None:
            unit = status.merger.successor if point.from_successor and status.merger else target.territory
            unit_name = names[(unit.pk, year)]
        rows.append(TableRow(
            year=year, unit_name=unit_name, point=point, path=path_by_year.get(year),
            running_total=totals.get(year),
            compared=[series.get(year) for _unit, series in status.compare],
            projected=proj[3] if proj and proj[2] == year else None,
        ))
    return TargetDetail(status, options, path, proj, anchor(status), rows, totals)


