"""What a judgement returns (`Evaluation`, its status) and the figures it reads (yearly series, trend)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indicators.models import Direction
from review.models import ReportingPeriod, ReviewStatus

HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER


class EvaluationStatus(models.TextChoices):
    ACHIEVED = "achieved", _("Đạt")
    ON_TRACK = "on_track", _("Đúng tiến độ")
    AT_RISK = "at_risk", _("Có nguy cơ")
    OFF_TRACK = "off_track", _("Chậm tiến độ")
    MISSED = "missed", _("Không đạt")
    NO_DATA = "no_data", _("Chưa có số liệu")


Status = EvaluationStatus


@dataclass(frozen=True)
class Evaluation:
    status: EvaluationStatus
    value: Decimal | None  # the quantity judged: level, mean change, sum, change vs baseline, latest value
    explanation: str
    year: int | None = None  # the last year of data the verdict rests on

    @property
    def label(self) -> str:
        return str(self.status.label)


def no_data(text: str | None = None) -> Evaluation:
    return Evaluation(Status.NO_DATA, None, gettext("Chưa có số liệu") if text is None else text)


def dec(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def year_series(values: Mapping[int, Any] | None, first: int | None = None, last: int | None = None) -> dict[int, Decimal]:
    """The non-empty values within [first, last], as Decimals, in year order."""
    out = {}
    for year, value in sorted((values or {}).items()):
        if value is None or (first is not None and year < first) or (last is not None and year > last):
            continue
        out[int(year)] = dec(value)
    return out


def yearly_values(actuals: Iterable[Any], *, include_pending: bool = False) -> dict[int, Decimal]:
    """{year: value} from Actual rows already fetched: yearly figures, approved ones only (plus
    submitted ones when a leader asks to see pending figures)."""
    wanted = {ReviewStatus.APPROVED} | ({ReviewStatus.SUBMITTED} if include_pending else set())
    out = {}
    for actual in actuals:
        if actual.period_kind != ReportingPeriod.YEAR or actual.status not in wanted:
            continue
        value = actual.effective_value
        if value is not None:
            out[actual.year] = value
    return out


def project(values: Mapping[int, Any], to_year: int) -> Decimal | None:
    """The least-squares linear trend of the available points, read at `to_year`.

    None with fewer than two points. Not clamped: the caller knows the unit's range.
    """
    points = year_series(values)
    if len(points) < 2:
        return None
    n = Decimal(len(points))
    mean_x = sum(Decimal(y) for y in points) / n
    mean_y = sum(points.values()) / n
    sxx = sum((Decimal(y) - mean_x) ** 2 for y in points)
    sxy = sum((Decimal(y) - mean_x) * (v - mean_y) for y, v in points.items())
    slope = sxy / sxx
    return mean_y + slope * (Decimal(to_year) - mean_x)
