"""A target's path year by year, its projection, and the rules both share with the IPTT and
the cascade (which way a bound is demanding, the bound that decides)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dashboards.figures import base_year, final_year, quantize, value_unit
from dashboards.judging import TargetStatus
from indicators.evaluation import project
from indicators.models import ChangeDirection, Direction, MeasureUnit, TargetKind


@dataclass(frozen=True)
class PathPoint:
    year: int
    low: Decimal
    high: Decimal


def anchor(status: TargetStatus) -> tuple[int, Decimal] | None:
    """Where the target's path starts: the baseline given, or the first figure the evaluation reads."""
    target = status.target
    if target.kind in (TargetKind.CUMULATIVE, TargetKind.COMPARISON):
        return None
    values = status.used_values
    if target.kind in (TargetKind.RELATIVE_CHANGE, TargetKind.MULTIPLE):
        year = base_year(target)
        value = target.baseline_value if target.baseline_value is not None else values.get(year)
        return (year, value) if value is not None else None
    if target.kind == TargetKind.AVERAGE_CHANGE:
        first = next(iter(average_series(target, values).items()), None)
        return first if first is not None and first[0] < final_year(target) else None
    first = (target.start_year or final_year(target)) - 1
    if target.baseline_value is not None:
        return (target.baseline_year or first, target.baseline_value)
    candidates = [(y, v) for y, v in sorted(values.items()) if first <= y < final_year(target)]
    return candidates[0] if candidates else None


def average_series(target, values: dict[int, Decimal]) -> dict[int, Decimal]:
    """The figures an average change reads (indicators.evaluation.changes.average_change): from the end of the year
    before its start, the baseline given standing for its year's figure."""
    first = (target.start_year or target.end_year) - 1
    series = {y: v for y, v in values.items() if first <= y <= target.end_year}
    if target.baseline_value is not None and first <= (target.baseline_year or first) <= target.end_year:
        series[target.baseline_year or first] = target.baseline_value
    return dict(sorted(series.items()))


def compounded(target) -> bool:
    """An average change in "%": a yearly rate of the value, compounded ("giảm bình quân 10%/năm")."""
    return target.kind == TargetKind.AVERAGE_CHANGE and target.unit == MeasureUnit.PERCENT


def target_path(status: TargetStatus) -> list[PathPoint]:
    """The values the target asks for, year by year (a band where it is a range)."""
    target = status.target
    low, high = target.min_value, target.max_value
    bounds = [b for b in (low, high) if b is not None]
    if not bounds or target.kind == TargetKind.COMPARISON:
        return []
    end = final_year(target)
    if target.kind == TargetKind.CUMULATIVE:
        start = target.start_year or end
        span = end - start + 1
        return [
            PathPoint(y, quantize(min(bounds) * (y - start + 1) / span), quantize(max(bounds) * (y - start + 1) / span))
            for y in range(start, end + 1)
        ]
    start = anchor(status)
    if target.kind in (TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE, TargetKind.MULTIPLE):
        if start is None:
            return []
        y0, v0 = start
        sign = Decimal(-1) if target.change_direction == ChangeDirection.DECREASE else Decimal(1)
        if target.kind == TargetKind.MULTIPLE:
            if v0 <= 0:  # no multiple of nothing (the evaluation says so)
                return []
            ends = [v0 * b for b in bounds]
        elif compounded(target):
            ends = [v0 * max(1 + sign * b / 100, Decimal(0)) ** max(end - y0, 0) for b in bounds]
        elif target.kind == TargetKind.AVERAGE_CHANGE:
            ends = [v0 + sign * b * (end - y0) for b in bounds]
        elif target.unit == MeasureUnit.PERCENT:
            if v0 == 0:
                return []
            ends = [v0 + sign * b * abs(v0) / 100 for b in bounds]
        else:
            ends = [v0 + sign * b for b in bounds]
    else:  # level, milestone: from the first figure to the bound in the final year
        ends = list(bounds)
        if start is None:
            return _kept_gains(status, [PathPoint(end, quantize(min(ends)), quantize(max(ends)))])
        y0, v0 = start
    if end <= y0:
        return _kept_gains(status, [PathPoint(end, quantize(min(ends)), quantize(max(ends)))])
    path = []
    for y in range(y0, end + 1):
        if compounded(target):  # the same rate every year, on the value of the year before
            values = [max(v0 * max(1 + sign * b / 100, Decimal(0)) ** (y - y0), Decimal(0)) for b in bounds]
        else:
            share = Decimal(y - y0) / Decimal(end - y0)
            values = [max(v0 + (e - v0) * share, Decimal(0)) for e in ends]
        path.append(PathPoint(y, quantize(min(values)), quantize(max(values))))
    return _kept_gains(status, path)


def _kept_gains(status: TargetStatus, path: list[PathPoint]) -> list[PathPoint]:
    """A level target's path never asks for less than the latest figure already gives: from that
    figure's year on it is capped there (lower is better) or floored there (higher is better),
    so a rate at 2,5 % under a "dưới 4 %" target is not drawn climbing back to 4 %."""
    target = status.target
    if target.kind not in (TargetKind.LEVEL, TargetKind.MILESTONE) or not path:
        return path
    values = {y: v for y, v in status.used_values.items() if y <= final_year(target)}
    if not values:
        return path
    year = max(values)
    latest = values[year]
    keep = min if direction_of(target) == Direction.LOWER_IS_BETTER else max
    return [p if p.year < year else PathPoint(p.year, keep(p.low, latest), keep(p.high, latest)) for p in path]


def cumulative(values: dict[int, Decimal], start: int) -> dict[int, Decimal]:
    total, out = Decimal(0), {}
    for year in sorted(values):
        if year >= start:
            total += values[year]
            out[year] = total
    return out


def projection(status: TargetStatus) -> tuple[int, Decimal, int, Decimal] | None:
    """(last year, last value, final year, projected value): the linear trend of the figures judged
    (of a change or a multiple: from its baseline on); an average change in "%" goes on at its mean
    compounded rate so far."""
    target = status.target
    end = final_year(target)
    values = {y: v for y, v in status.used_values.items() if y <= end}
    if target.kind == TargetKind.CUMULATIVE:
        values = cumulative(values, target.start_year or end)
    elif target.kind in (TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE, TargetKind.MULTIPLE):
        base = anchor(status)  # from the baseline the evaluation reads, the baseline given standing for its figure
        if base is not None:
            values = {y: v for y, v in values.items() if y > base[0]} | {base[0]: base[1]}
    if len(values) < 2 or max(values) >= end:
        return None
    if compounded(target):  # the mean yearly rate so far, kept to the end
        y0, last = min(values), max(values)
        if values[y0] <= 0:
            return None
        rate = (values[last] / values[y0]) ** (Decimal(1) / Decimal(last - y0)) if values[last] > 0 else Decimal(0)
        projected = values[last] * rate ** (end - last)
    else:
        projected = project(values, end)
    projected = max(projected, Decimal(0))
    if value_unit(target) == MeasureUnit.PERCENT and target.kind != TargetKind.CUMULATIVE:
        projected = min(projected, Decimal(100))
    last = max(values)
    return last, values[last], end, quantize(projected)



def direction_of(target) -> str:
    """Which way the target's bound is demanding: higher (must reach) or lower (must not exceed)."""
    if not target.indicator_id:  # qualitative: judged by an assessment
        return Direction.HIGHER_IS_BETTER
    if target.kind in (TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE):
        agrees = (target.indicator.direction == Direction.LOWER_IS_BETTER) == (target.change_direction == ChangeDirection.DECREASE)
        return Direction.HIGHER_IS_BETTER if agrees else Direction.LOWER_IS_BETTER
    return target.indicator.direction


def threshold_of(target) -> Decimal | None:
    """The bound that decides: the lower one where higher is better, else the upper one."""
    low, high = target.min_value, target.max_value
    if direction_of(target) == Direction.HIGHER_IS_BETTER:
        return low if low is not None else high
    return high if high is not None else low


