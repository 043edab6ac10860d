"""The yearly figures a dashboard page reads, and the year rules of a target.

- `YearlyValue` (kept by indicators.rollups): approved yearly figures, own or added up from the
  units below. Only approved values count; with `?cho_duyet=1` figures awaiting review replace
  them and are marked as pending wherever shown.
- A figure is a year-end figure, so a unit that passed into another on 1/7/2025 has figures up to
  2024 and its successor has them from 2025 (`Merger`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dashboards.scope import Options, visible_yearly_values
from indicators.models import MeasureUnit, TargetKind
from plans.models import AdministrativeUnit, UnitSuccession
from plans.text import format_number

if TYPE_CHECKING:
    from django.contrib.auth.models import User

@dataclass
class Point:
    """One yearly figure as a page shows it."""

    year: int
    value: Decimal | None  # approved
    pending: Decimal | None  # awaiting review (only read with ?cho_duyet=1)
    unit_id: int
    is_late_correction: bool = False
    is_illustrative: bool = False
    is_computed: bool = False
    children_count: int = 0
    actual_id: int | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    from_successor: bool = False
    used: bool = True
    is_synthetic: bool = False  # computed from synthetic households (generate_register)
    standard: str = ""  # the poverty standard it was measured under ("" when the indicator has none)
    breakdown: str = ""  # "" for the whole

    @property
    def shown(self) -> Decimal | None:
        return self.pending if self.pending is not None else self.value

    @property
    def is_pending(self) -> bool:
        return self.pending is not None


POINT_FIELDS = (
    "indicator_id", "unit_id", "year", "value", "pending_value", "is_late_correction", "is_illustrative",
    "is_computed", "children_count", "actual_id", "numerator", "denominator", "is_synthetic",
    "standard", "breakdown", "is_headline",
)


def values_query(*, user: User, indicator_ids, unit_ids, options: Options) -> QuerySet:
    """The figures of some indicators and units up to the year judged, under every poverty standard
    and breakdown (a target may be set on one): each page's main query."""
    return (
        visible_yearly_values(user=user)
        .filter(indicator_id__in=list(indicator_ids), unit_id__in=list(unit_ids), year__lte=options.year)
        .values_list(*POINT_FIELDS)
    )


def load_points(*, user: User, indicator_ids, unit_ids, options: Options) -> dict[tuple, dict[int, Point]]:
    """{(indicator id, unit id): {year: Point}} of the headline figures (the whole, under the
    standard in force), and {(indicator id, unit id, standard, breakdown): {year: Point}} of every
    series (indicators.standard_breaks.series reads the one a target is set on), one query."""
    out: dict[tuple, dict[int, Point]] = defaultdict(dict)
    by_option: dict[tuple, dict[int, list[Point]]] = defaultdict(dict)
    if not indicator_ids or not unit_ids:
        return out
    for (indicator_id, unit_id, year, value, pending, late, illustrative, computed, children, actual_id,
         numerator, denominator, synthetic, standard, breakdown, headline) in values_query(
            user=user, indicator_ids=indicator_ids, unit_ids=unit_ids, options=options):
        pending = pending if options.include_pending else None
        if value is None and pending is None:
            continue
        point = Point(
            year, value, pending, unit_id, late, illustrative, computed, children, actual_id, numerator, denominator,
            is_synthetic=synthetic, standard=standard, breakdown=breakdown,
        )
        out[(indicator_id, unit_id, standard, breakdown)][year] = point
        if headline and not breakdown:
            out[(indicator_id, unit_id)][year] = point
        elif breakdown:
            by_option[(indicator_id, unit_id, breakdown)].setdefault(year, []).append(point)
    for (indicator_id, unit_id, breakdown), years in by_option.items():
        # A breakdown whatever the standard (a target on it without one): the headline's standard of the year.
        whole = out.get((indicator_id, unit_id), {})
        out[(indicator_id, unit_id, None, breakdown)] = {
            year: next((p for p in candidates if year in whole and p.standard == whole[year].standard),
                       max(candidates, key=lambda p: p.standard))
            for year, candidates in years.items()
        }
    return out


@dataclass(frozen=True)
class Merger:
    predecessor: AdministrativeUnit
    successor: AdministrativeUnit
    effective_on: date

    @property
    def first_year(self) -> int:
        """The first year-end figure that belongs to the successor."""
        return self.effective_on.year

    @property
    def date_text(self) -> str:
        return f"{self.effective_on:%d/%m/%Y}"


def mergers_of(units) -> dict[int, Merger]:
    """{old unit id: Merger} for the closed units among these (their main successor)."""
    closed = {u.pk: u for u in units if u.valid_to is not None}
    if not closed:
        return {}
    links = UnitSuccession.objects.filter(predecessor_id__in=closed, is_main=True).select_related("successor")
    return {link.predecessor_id: Merger(closed[link.predecessor_id], link.successor, link.effective_on) for link in links}


def due_year(target) -> int:
    """The year whose figure a level or milestone target is judged on (the evaluation's rule)."""
    due = target.due_on
    if due is None:
        return target.end_year
    return due.year if (due.month, due.day) == (12, 31) else due.year - 1


def final_year(target) -> int:
    return due_year(target) if target.kind in (TargetKind.LEVEL, TargetKind.MILESTONE) else target.end_year


def first_year_needed(target) -> int:
    """The earliest year whose figure the target's evaluation reads."""
    start = target.start_year or final_year(target)
    if target.kind == TargetKind.AVERAGE_CHANGE:
        return start if target.baseline_value is not None else start - 1
    if target.kind in (TargetKind.RELATIVE_CHANGE, TargetKind.MULTIPLE):
        base = base_year(target)
        return base + 1 if target.baseline_value is not None else base
    return start


def base_year(target) -> int:
    """The baseline year of a relative change or a multiple (the evaluation's rule)."""
    return target.baseline_year or (target.start_year or target.end_year) - 1


def value_unit(target) -> str:
    """The unit of the indicator's values (a change target's unit is the unit of the change)."""
    return target.indicator.measure_unit if target.indicator_id else target.unit


def quantize(value: Decimal) -> Decimal:
    """To the four decimals the yearly values are kept in."""
    return value.quantize(Decimal("0.0001"))


def number_text(value: Decimal | None, unit: str, decimals: int = 2) -> str:
    """A number as the pages write it, with its unit (2,2% ; 1.234.567 hộ ; 12,09 triệu đồng/người/năm)."""
    if value is None:
        return "—"
    if unit == MeasureUnit.YES_NO:
        return str(_("có")) if value else str(_("không"))
    text = format_number(value, decimals)
    if unit == MeasureUnit.PERCENT:
        return f"{text}%"
    label = dict(MeasureUnit.choices).get(unit, "")
    return f"{text} {label}".rstrip()

