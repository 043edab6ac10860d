"""The leader's dashboard of a territory: its targets grouped by status and counted by document,
and its tasks in the Government Office's four categories."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboards.figures import final_year
from dashboards.judging import SEVERITY, Status, TargetStatus, evaluate_targets
from dashboards.map import POVERTY_RATE
from dashboards.paths import PathPoint, target_path
from dashboards.scope import Options, dashboard_targets, for_judging, home_units, within
from dashboards.tasks import TaskCategory, TaskSummary, task_summary
from indicators.models import TargetKind
from plans.models import AdministrativeUnit, Document
from reporting import boards

if TYPE_CHECKING:
    from django.contrib.auth.models import User

STATUS_GROUPS = [
    ("behind", _("Chậm tiến độ, có nguy cơ hoặc không đạt"), {Status.MISSED, Status.OFF_TRACK, Status.AT_RISK}),
    ("good", _("Đúng tiến độ hoặc đã đạt"), {Status.ON_TRACK, Status.ACHIEVED}),
    ("no_data", _("Chưa có số liệu"), {Status.NO_DATA}),
]


@dataclass
class DocumentRow:
    document: Document
    counts: dict[str, int]

    def cells(self) -> list[int]:
        return [self.counts.get(s, 0) for s in SEVERITY]


@dataclass
class StatusGroup:
    key: str
    label: str
    rows: list[TargetStatus]


@dataclass
class Headline:
    """The territory's poverty-rate target judged, for the first tile: its latest figure and the
    value its path asks for in that year."""

    status: TargetStatus
    year: int | None  # of the latest figure judged
    value: Decimal | None
    path: PathPoint | None  # the path in that year (in the final year without a figure)


@dataclass
class Dashboard:
    unit: AdministrativeUnit
    options: Options
    groups: list[StatusGroup]
    documents: list[DocumentRow]
    tasks: TaskSummary
    illustrative: bool
    pending: bool
    homes: list[AdministrativeUnit]
    synthetic: bool = False
    overdue_reports: int | None = None  # of the territory's reporting obligations (None: the user has no board)

    @property
    def status_headers(self) -> list[str]:
        return [str(s.label) for s in SEVERITY]

    @property
    def count(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    @property
    def overdue_tasks(self) -> int:
        return sum(1 for s in self.tasks.statuses if s.category == TaskCategory.OVERDUE)

    @cached_property
    def headline(self) -> Headline | None:
        """The territory's own poverty-rate target (GN01) judged on its figures: the one in force in the
        year shown, else the latest one that ended before it; None when it has none."""
        candidates = [
            s for g in self.groups for s in g.rows
            if s.target.indicator_id and s.target.indicator.code == POVERTY_RATE and s.basis.pk == self.unit.pk
            and s.target.kind not in (TargetKind.COMPARISON, TargetKind.QUALITATIVE) and s.target.unit_group_id is None
        ]
        year = self.options.year

        def rank(s: TargetStatus) -> tuple:
            first = (s.target.start_year or final_year(s.target)) - 1
            in_force = first <= year <= final_year(s.target)
            return (in_force, final_year(s.target) <= year, s.target.document.issued_on or date.min, -s.target.position)

        if not candidates:
            return None
        status = max(candidates, key=rank)
        values = status.used_values
        latest = max(values) if values else None
        path = {p.year: p for p in target_path(status)}
        point = path.get(latest) if latest is not None else path.get(final_year(status.target))
        return Headline(status, latest, values.get(latest) if latest is not None else None, point)


def leader_dashboard(*, user: User, unit: AdministrativeUnit, options: Options) -> Dashboard:
    """The territory's targets by status and by document, and its tasks in the four categories."""
    targets = list(for_judging(dashboard_targets(user=user).filter(within(unit, "territory"))).order_by(
        "document__issued_on", "document__number", "position"))
    statuses = evaluate_targets(user=user, targets=targets, options=options)
    groups = []
    for key, label, members in STATUS_GROUPS:
        rows = sorted((s for s in statuses if s.status in members), key=lambda s: (s.severity, s.target.document.issued_on or date.min))
        groups.append(StatusGroup(key, str(label), rows))
    documents: dict[int, DocumentRow] = {}
    for s in statuses:
        doc = s.target.document
        row = documents.setdefault(doc.pk, DocumentRow(doc, {}))
        row.counts[s.status] = row.counts.get(s.status, 0) + 1
    return Dashboard(
        unit=unit, options=options, groups=groups, documents=list(documents.values()),
        tasks=task_summary(user=user, unit=unit, year=options.year), illustrative=any(s.is_illustrative for s in statuses),
        pending=any(s.uses_pending for s in statuses), homes=home_units(user=user),
        synthetic=any(s.is_synthetic for s in statuses),
        overdue_reports=boards.overdue_count(user=user, unit=unit, year=options.year, today=timezone.localdate()),
    )


