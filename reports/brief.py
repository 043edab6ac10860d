"""The leader's brief (issue 17, item 3): one printable A4 page of a territory, read from the leader's
dashboard and nothing else, so that its numbers are the dashboard's.

The headline poverty rate against its target path, the targets counted by status, the five worst
targets (worst status first, then the largest gap between the latest figure and the path), and the
first few overdue tasks and overdue reports with their counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from dashboards.judging import SEVERITY, Status, TargetStatus
from dashboards.overview import Dashboard, Headline, leader_dashboard
from dashboards.paths import PathPoint, target_path
from dashboards.scope import Options
from dashboards.tasks import TaskStatus
from indicators.models import Direction
from plans.models import AdministrativeUnit, UnitLevel
from reporting import boards

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LISTED = 5  # rows of each list: the page must fit one A4 sheet


@dataclass
class StatusCount:
    status: Status
    count: int

    @property
    def label(self) -> str:
        return str(self.status.label)


@dataclass
class WorstTarget:
    row: TargetStatus
    year: int | None = None  # of the latest figure judged
    value: Decimal | None = None
    path: PathPoint | None = None  # what the target's path asks for in that year
    gap: Decimal | None = None  # how far the figure misses the path, relative to it (None: not measurable)


@dataclass
class Brief:
    board: Dashboard
    today: date
    statuses: list[StatusCount]
    worst: list[WorstTarget]
    overdue_tasks: list[TaskStatus]
    overdue_reports: list[boards.Line]

    @property
    def unit(self) -> AdministrativeUnit:
        return self.board.unit

    @property
    def headline(self) -> Headline | None:
        return self.board.headline

    @property
    def target_count(self) -> int:
        return self.board.count

    @property
    def overdue_task_count(self) -> int:
        return self.board.overdue_tasks

    @property
    def overdue_report_count(self) -> int | None:
        return self.board.overdue_reports

    @property
    def more_tasks(self) -> int:
        return max(self.overdue_task_count - len(self.overdue_tasks), 0)

    @property
    def more_reports(self) -> int:
        return max((self.overdue_report_count or 0) - len(self.overdue_reports), 0)


def measured(row: TargetStatus) -> WorstTarget:
    """The latest judged figure against the target's path in its year, and its shortfall as a share
    of the path value (0,25: a quarter worse than asked; negative: better); no gap without a figure,
    a path point in that year or a direction."""
    values = row.used_values
    if not values or row.target.indicator_id is None:
        return WorstTarget(row)
    year = max(values)
    value = values[year]
    point = next((p for p in target_path(row) if p.year == year), None)
    if point is None:
        return WorstTarget(row, year, value)
    if row.target.indicator.direction == Direction.LOWER_IS_BETTER:
        bound, short = point.high, value - point.high
    elif row.target.indicator.direction == Direction.HIGHER_IS_BETTER:
        bound, short = point.low, point.low - value
    else:
        bound = None
    if bound is None:
        return WorstTarget(row, year, value, point)
    return WorstTarget(row, year, value, point, short / abs(bound) if bound else short)


def worst_targets(statuses: list[TargetStatus], limit: int = LISTED) -> list[WorstTarget]:
    """The `limit` targets with the worst status (dashboards.judging.SEVERITY), then the largest gap;
    targets without data are not "worst", they are counted."""
    judged = [measured(row) for row in statuses if row.status != Status.NO_DATA]
    judged.sort(key=lambda w: (w.row.severity, -(w.gap if w.gap is not None else Decimal("-Infinity")),
                               w.row.target.document.issued_on or date.min, w.row.target.position))
    return judged[:limit]


def _overdue_reports(user: User, unit: AdministrativeUnit, year: int, today: date) -> list[boards.Line]:
    """The territory's overdue obligations, most days overdue first (the reporting board's order)."""
    if not boards.can_see_board(user=user):
        return []
    filters = boards.BoardFilters(year=year, status=boards.Status.OVERDUE, detail=True,
                                  unit=None if unit.level == UnitLevel.NATION else unit)
    return boards.board(user=user, filters=filters, today=today).lines[:LISTED]


def leader_brief(*, user: User, unit: AdministrativeUnit, options: Options) -> Brief:
    """The brief of a territory the user may see (the caller checks the reach, as the dashboard does)."""
    board = leader_dashboard(user=user, unit=unit, options=options)
    today = timezone.localdate()
    statuses = [row for group in board.groups for row in group.rows]
    counts = {status: 0 for status in SEVERITY}
    for row in statuses:
        counts[row.status] += 1
    return Brief(
        board=board, today=today,
        statuses=[StatusCount(status, count) for status, count in counts.items()],
        worst=worst_targets(statuses),
        overdue_tasks=board.tasks.overdue[:LISTED],
        overdue_reports=_overdue_reports(user, unit, options.year, today),
    )
