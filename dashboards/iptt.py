"""IPTT (indicator performance tracking table): for the targets of one document, what was
planned, what was achieved and the % met, year by year."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from dashboards.figures import final_year, first_year_needed, quantize, value_unit
from dashboards.judging import TargetStatus, evaluate_targets
from dashboards.paths import anchor, average_series, cumulative, direction_of, target_path, threshold_of
from dashboards.scope import Options, dashboard_targets, for_judging
from indicators.models import ChangeDirection, Direction, MeasureUnit, TargetKind
from plans.models import Document

if TYPE_CHECKING:
    from django.contrib.auth.models import User

@dataclass
class IpttCell:
    planned: Decimal | None
    actual: Decimal | None
    percent: Decimal | None
    pending: bool = False
    illustrative: bool = False
    late: bool = False
    synthetic: bool = False


@dataclass
class IpttRow:
    status: TargetStatus
    cells: list[IpttCell]
    quantity_unit: str  # the unit of planned and actual ("điểm %/năm" for an average change)
    measure: str  # what planned and actual measure, in words


@dataclass
class Iptt:
    document: Document
    years: list[int]
    rows: list[IpttRow]
    options: Options
    illustrative: bool
    synthetic: bool = False


def _percent(actual: Decimal | None, planned: Decimal | None, higher: bool) -> Decimal | None:
    if actual is None or planned is None:
        return None
    if higher:
        return quantize(actual * 100 / planned) if planned > 0 else None
    if actual <= 0:
        return None
    return quantize(planned * 100 / actual) if planned > 0 else None


def _yearly_change(target, before: Decimal, after: Decimal, sign: Decimal) -> Decimal | None:
    """One year's change in the target's direction: in "%" of the year before (4 -> 3,6 is 10%),
    else in the unit of the values."""
    if target.unit != MeasureUnit.PERCENT:
        return (after - before) * sign
    if before <= 0:
        return None
    return quantize((after / before - 1) * 100 * sign)


def iptt_row(status: TargetStatus, years: list[int]) -> IpttRow:
    target = status.target
    points = {p.year: p for p in status.points if p.used}
    values = status.used_values
    higher = direction_of(target) == Direction.HIGHER_IS_BETTER
    threshold = threshold_of(target)
    path = {p.year: (p.low if higher else p.high) for p in target_path(status)}
    sign = Decimal(-1) if target.change_direction == ChangeDirection.DECREASE else Decimal(1)
    end = final_year(target)
    start = target.start_year or end
    unit = value_unit(target)
    measure = str(_("giá trị năm"))
    cells = []
    totals = cumulative(values, start) if target.kind == TargetKind.CUMULATIVE else {}
    base = anchor(status)
    series = average_series(target, values) if target.kind == TargetKind.AVERAGE_CHANGE else {}
    first = min(first_year_needed(target), status.evaluation.year or end)
    for year in years:
        point = points.get(year)
        planned = actual = None
        if not first <= year <= end:
            cells.append(IpttCell(None, None, None))
            continue
        if target.kind == TargetKind.AVERAGE_CHANGE:
            measure, unit = str(_("thay đổi so với năm trước")), target.unit
            if start <= year <= end:
                planned = threshold
            if year in series and year - 1 in series:
                actual = _yearly_change(target, series[year - 1], series[year], sign)
        elif target.kind == TargetKind.MULTIPLE:
            measure, unit = str(_("số lần so với năm gốc")), target.unit
            if base is not None and base[0] < year <= end and threshold is not None:
                planned = quantize(1 + (threshold - 1) * (year - base[0]) / (end - base[0]))  # the growth pro rata
                if year in values and base[1] > 0:
                    actual = quantize(values[year] / base[1])
        elif target.kind == TargetKind.CUMULATIVE:
            measure = str(_("lũy kế từ đầu kỳ"))
            planned = path.get(year)
            actual = totals.get(year)
        elif target.kind == TargetKind.RELATIVE_CHANGE:
            measure, unit = str(_("thay đổi so với năm gốc")), target.unit
            if base is not None and base[0] < year <= end:
                planned = quantize(threshold * (year - base[0]) / (end - base[0])) if threshold is not None else None
                if year in values and not (target.unit == MeasureUnit.PERCENT and base[1] == 0):
                    change = base[1] - values[year]
                    if target.unit == MeasureUnit.PERCENT:  # of the baseline, as the evaluation reads it
                        change = change * 100 / abs(base[1])
                    actual = quantize(change if target.change_direction == ChangeDirection.DECREASE else -change)
        elif target.kind == TargetKind.COMPARISON:
            measure = str(_("giá trị năm; chỉ tiêu là mức của địa bàn so sánh"))
            others = [series[year].shown for _u, series in status.compare if year in series and series[year].shown is not None]
            if others and len(others) == len(status.compare):
                planned = min(others) if not higher else max(others)
            actual = values.get(year)
        else:
            planned = path.get(year) if year <= end else None
            actual = values.get(year)
        cells.append(IpttCell(
            planned, actual, _percent(actual, planned, higher),
            pending=bool(point and point.is_pending), illustrative=bool(point and point.is_illustrative),
            late=bool(point and point.is_late_correction), synthetic=bool(point and point.is_synthetic),
        ))
    return IpttRow(status, cells, unit, measure)


def iptt_table(*, user: User, document: Document, options: Options) -> Iptt | None:
    """The document's targets in the user's reach, year by year (None: it has none in reach)."""
    targets = list(for_judging(dashboard_targets(user=user).filter(document=document)).order_by("position"))
    if not targets:
        return None
    statuses = evaluate_targets(user=user, targets=targets, options=options)
    first = min(min(first_year_needed(t), t.start_year or t.end_year) for t in targets)
    last = max(final_year(t) for t in targets)
    years = list(range(first, last + 1))
    rows = [iptt_row(status, years) for status in statuses]
    return Iptt(document, years, rows, options, any(s.is_illustrative for s in statuses),
                any(s.is_synthetic for s in statuses))


