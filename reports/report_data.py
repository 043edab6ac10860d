"""What the periodic monitoring report (TT 10/2022/TT-BLĐTBXH, Mẫu số 01) says about a territory
and period, gathered from the places that already compute it, as text ready for the .docx:

- II. targets: judged by the dashboards (dashboards.judging.evaluate_targets, approved figures only),
  the year's plan and result being the IPTT's cell of the year, the same targets as Biểu 02
  (reports.table_targets.year_targets);
- III. tasks: the leader dashboard's four categories by lead agency (dashboards.tasks.task_summary);
- IV. the household review: the same figures as the review table (reports.table_households.places:
  the register where households are kept here, else the province's published table);
- I., V., VI. and the commentary of II.: the narrative written in the app (reports.narratives).

Numbers are written the Vietnamese way (plans.text.format_number), dates dd/mm/yyyy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from dashboards.iptt import iptt_row  # the IPTT's year cell, as Biểu 02 reads it
from dashboards.judging import TargetStatus, evaluate_targets
from dashboards.scope import Options
from dashboards.tasks import task_summary
from indicators.models import MeasureUnit, TargetKind
from plans.models import AdministrativeUnit, UnitLevel
from plans.text import format_number
from reporting.locks import period_title
from reports.models import MonitoringReport
from reports.table_households import Place, add_up, places
from reports.table_targets import year_targets

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DASH = "—"
MOVEMENTS = ("total", "poor_start", "escaped", "fallen_back", "new_poor", "poor_end")


def number(value, decimals: int = 2) -> str:
    return DASH if value is None else format_number(value, decimals)


@dataclass
class TargetRow:
    number: int
    code: str
    subject: str
    document: str
    territory: str
    bound: str  # the target as written, with its period
    unit: str  # of the plan and the result
    planned: str
    actual: str
    status: str
    explanation: str


@dataclass
class TaskRow:
    agency: str
    cells: list[str]


@dataclass
class MovementRow:
    name: str
    cells: list[str]  # MOVEMENTS, then the poverty rate at the end
    source: str = ""


@dataclass
class ReportData:
    unit: AdministrativeUnit
    year: int
    period_kind: str
    period_number: int
    period: str  # "năm 2025", "6 tháng đầu năm 2025"
    made_on: date
    narrative: MonitoringReport | None
    targets: list[TargetRow] = field(default_factory=list)
    status_counts: list[tuple[str, int]] = field(default_factory=list)
    task_headers: list[str] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    task_totals: list[str] = field(default_factory=list)
    movements: list[MovementRow] = field(default_factory=list)
    movement_total: MovementRow | None = None

    def text(self, section: str) -> str:
        return getattr(self.narrative, section, "") if self.narrative else ""


def _target_row(position: int, status: TargetStatus, year: int) -> TargetRow:
    target = status.target
    planned = actual = None
    unit = ""
    if target.kind != TargetKind.QUALITATIVE:
        row = iptt_row(status, [year])
        planned, actual = row.cells[0].planned, row.cells[0].actual
        unit = str(dict(MeasureUnit.choices).get(row.quantity_unit, ""))
    explanation = "; ".join(part for part in (status.evaluation.explanation, status.closure_note) if part)
    return TargetRow(
        number=position, code=target.code, subject=target.subject, document=target.document.reference,
        territory=status.basis.name, bound=f"{target.bound_label} ({target.period_label})", unit=unit,
        planned=number(planned), actual=number(actual), status=status.evaluation.label, explanation=explanation,
    )


def _movement_row(name: str, place: Place | None, figures=None, source: str = "") -> MovementRow:
    figures = figures if figures is not None else place.whole
    counts = [figures.get(name) for name in MOVEMENTS]
    total, end = counts[0], counts[-1]
    rate = end * 100 / total if total and end is not None else figures.poor_rate
    return MovementRow(name, [number(c, 0) for c in counts] + [number(rate)], source)


def _movements(user: User, unit: AdministrativeUnit, year: int) -> tuple[list[MovementRow], MovementRow]:
    """The units directly below (provinces under the nation) and the territory's own line."""
    found = places(user=user, unit=unit, year=year)
    own = next((p for p in found if p.unit.pk == unit.pk), None)
    if unit.level == UnitLevel.NATION:
        below = [p for p in found if p.unit.level == UnitLevel.PROVINCE]
    else:
        below = [p for p in found if p.unit.parent_id == unit.pk]
    below.sort(key=lambda p: p.unit.name)
    rows = [_movement_row(p.unit.name, p, source=str(p.source)) for p in below]
    label = _("Toàn địa bàn: %(unit)s") % {"unit": unit.name}
    if own is not None:
        total = _movement_row(label, own, source=str(own.source))
    elif below:
        total = _movement_row(label, None, add_up([p.whole for p in below])[0], _("Cộng các đơn vị"))
    else:
        total = MovementRow(_("Chưa có số liệu rà soát của %(unit)s") % {"unit": unit.name}, [DASH] * (len(MOVEMENTS) + 1))
    return rows, total


def report_data(*, user: User, unit: AdministrativeUnit, year: int, period_kind: str, period_number: int,
                today: date | None = None) -> ReportData:
    """Everything the report shows, read under the user's rights (approved figures only)."""
    narrative = MonitoringReport.objects.filter(
        unit=unit, year=year, period_kind=period_kind, period_number=period_number).first()
    data = ReportData(unit, year, period_kind, period_number, period_title(year, period_kind, period_number),
                      today or timezone.localdate(), narrative)
    statuses = evaluate_targets(user=user, targets=year_targets(user=user, unit=unit, year=year),
                                options=Options(year=year))
    data.targets = [_target_row(i, s, year) for i, s in enumerate(statuses, start=1)]
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status.evaluation.label] = counts.get(status.evaluation.label, 0) + 1
    data.status_counts = sorted(counts.items(), key=lambda item: -item[1])
    tasks = task_summary(user=user, unit=unit, year=year, today=data.made_on)
    data.task_headers = tasks.headers
    data.tasks = [TaskRow(g.label, [number(c, 0) for c in g.cells()]) for g in tasks.by_agency]
    data.task_totals = [number(c, 0) for c in tasks.totals.cells()]
    data.movements, data.movement_total = _movements(user, unit, year)
    return data

