"""Figures of places that closed in a reorganisation (the 1/7/2025 mergers): where they count.

The rule: a figure describes its unit at the end of its period, so a unit takes figures only for
periods that end while it exists (on or before its `valid_to`). A later period's figure counts
only at the unit's main successor: it is refused for the closed unit (services.save_actual) and
the entry page offers the successor's entry instead.

For a province closed on 1/7/2025 (valid_to 30/6/2025, Hậu Giang → thành phố Cần Thơ):
- its own: every year up to 2024, and the first half of 2025 (it ends on 30/6/2025);
- the successor's: the 2025 annual figure and the second half of 2025, and every later period.
  This is how the rest of the application reads 2025 already: the regions' and the nation's
  2025 roll-up adds up the 34-province map (the map in force on 31/12/2025, indicators.rollups);
  the dashboards give the successor the figures from the merger's year on (dashboards.Merger.
  first_year) and judge Hậu Giang's 2026–2030 targets on Cần Thơ's figures, its 2025 value as
  their baseline; the illustrative figures stop the old map at 2024; and the 2025 annual review of
  poor households (September–December) was run by the new units. A 2021–2025 target of the old
  province is judged on its figures up to 2024, the successor's 2025 figure shown beside it.

A target of a closed unit takes, for such periods, the figures of its main successor at the same
level (Hậu Giang's targets take Cần Thơ's). A district has no such successor (the district level
ended; the province's figures do not stand for the district): its later figures count nowhere.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from plans.models import AdministrativeUnit, UnitSuccession
from review.models import ReportingPeriod


@dataclass(frozen=True)
class Period:
    year: int
    kind: str = ReportingPeriod.YEAR
    number: int = 0

    @property
    def end(self) -> date:
        months = {ReportingPeriod.HALF: 6, ReportingPeriod.QUARTER: 3, ReportingPeriod.MONTH: 1}.get(self.kind)
        if months is None:
            return date(self.year, 12, 31)
        last_month = months * self.number
        return date(self.year + last_month // 12, last_month % 12 + 1, 1) - timedelta(days=1)

    @property
    def text(self) -> str:
        values = {"year": self.year, "number": self.number}
        if self.kind == ReportingPeriod.HALF:
            return (_("6 tháng đầu năm %(year)s") if self.number == 1 else _("6 tháng cuối năm %(year)s")) % values
        if self.kind == ReportingPeriod.QUARTER:
            return _("quý %(number)s năm %(year)s") % values
        if self.kind == ReportingPeriod.MONTH:
            return _("tháng %(number)s năm %(year)s") % values
        return _("năm %(year)s") % values


@dataclass(frozen=True)
class Closure:
    """A unit that closed before the end of the period asked about, and where its figure counts."""

    unit: AdministrativeUnit
    period: Period
    closed_on: date  # the first day without the unit (the merger's effective date)
    successor: AdministrativeUnit | None  # main successor at the same level, if any

    @property
    def message(self) -> str:
        old, new = _names(self.unit, self.successor)
        values = {"old": old, "new": new, "date": f"{self.closed_on:%d/%m/%Y}", "period": self.period.text,
                  "last": f"{self.unit.valid_to:%d/%m/%Y}"}
        if self.successor is None:
            return _(
                "%(old)s không còn từ ngày %(date)s: số liệu %(period)s của đơn vị này không được tính ở đâu "
                "(đơn vị này chỉ nhận số liệu của các kỳ kết thúc đến ngày %(last)s)."
            ) % values
        return _(
            "%(old)s đã sáp nhập vào %(new)s từ ngày %(date)s: số liệu %(period)s được tính cho %(new)s, "
            "không tính cho %(old)s (đơn vị này chỉ nhận số liệu của các kỳ kết thúc đến ngày %(last)s). "
            "Hãy nhập số liệu cho %(new)s."
        ) % values


def _names(old: AdministrativeUnit, new: AdministrativeUnit | None) -> tuple[str, str]:
    """The two names; when they are the same ("Thành phố Cần Thơ" on both maps), with their map."""
    if new is None or old.name != new.name:
        return old.name, new.name if new else ""
    label = _("%(name)s (bản đồ %(map)s tỉnh)")
    return label % {"name": old.name, "map": old.admin_map}, label % {"name": new.name, "map": new.admin_map}


def is_closed_for(unit: AdministrativeUnit, period: Period) -> bool:
    """True when `unit` no longer existed at the end of `period` (no query)."""
    return unit.valid_to is not None and period.end > unit.valid_to


def closures(units, period: Period) -> dict[int, Closure]:
    """{unit id: Closure} for the units among these closed at the end of `period`: one query, none if none."""
    closed = {unit.pk: unit for unit in units if is_closed_for(unit, period)}
    if not closed:
        return {}
    links = {
        link.predecessor_id: link
        for link in UnitSuccession.objects.filter(predecessor_id__in=closed, is_main=True)
        .select_related("successor")
        .order_by("-effective_on", "-pk")  # the earliest wins the dict
    }
    result = {}
    for pk, unit in closed.items():
        link = links.get(pk)
        successor = link.successor if link is not None and link.successor.level == unit.level else None
        closed_on = link.effective_on if link is not None else unit.valid_to + timedelta(days=1)
        result[pk] = Closure(unit=unit, period=period, closed_on=closed_on, successor=successor)
    return result


def closure_for(unit: AdministrativeUnit, period: Period) -> Closure | None:
    return closures([unit], period).get(unit.pk)


def counting_unit(unit: AdministrativeUnit, closed: dict[int, Closure]) -> AdministrativeUnit | None:
    """Where the figure of `unit` counts: itself, its successor after it closed, or nowhere (None)."""
    return closed[unit.pk].successor if unit.pk in closed else unit


def merged_into(unit: AdministrativeUnit, period: Period, *, path: str) -> Q:
    """Rows whose unit (at `path`) merged into `unit` before the end of `period`: their figures
    for that period count at `unit`."""
    return Q(**{
        f"{path}__successor_links__successor_id": unit.pk, f"{path}__successor_links__is_main": True,
        f"{path}__level": unit.level, f"{path}__valid_to__lt": period.end,
    })


def refuse_if_closed(*, unit: AdministrativeUnit, period: Period) -> None:
    """The rule, for every write of a figure: no figure of a unit for a period it did not live to the end of."""
    closure = closure_for(unit, period)
    if closure is not None:
        raise ValidationError({"year": closure.message}, code="unit_closed")


def check_unit_for_target(*, target, unit: AdministrativeUnit, period: Period) -> None:
    """A target's figure is its territory's; after the territory closed, its successor's."""
    if unit.pk == target.territory_id:
        return
    closure = closure_for(target.territory, period)
    if closure is None or closure.successor is None or closure.successor.pk != unit.pk:
        raise ValidationError(
            {"year": _("Số liệu %(period)s của chỉ tiêu này là của %(unit)s.")
             % {"period": period.text, "unit": target.territory.name}},
            code="not_the_target_unit",
        )


# ---------------------------------------------------------------------------------------------
# Imports: thousands of rows checked against the rule without a query per row


def last_days() -> dict[int, date]:
    """{unit id: its last day} of every unit that closed: one query, read once per import."""
    return dict(AdministrativeUnit.objects.filter(valid_to__isnull=False).values_list("pk", "valid_to"))


def refusals(keys) -> dict[tuple[int, Period], str]:
    """The refusal (Closure.message) for each (closed unit id, period): two queries however many keys."""
    keys = set(keys)
    if not keys:
        return {}
    units = AdministrativeUnit.objects.in_bulk({pk for pk, _ in keys})
    links = {
        link.predecessor_id: link
        for link in UnitSuccession.objects.filter(predecessor_id__in=units, is_main=True)
        .select_related("successor")
        .order_by("-effective_on", "-pk")  # the earliest wins the dict, as in closures()
    }
    result = {}
    for pk, period in keys:
        unit, link = units[pk], links.get(pk)
        successor = link.successor if link is not None and link.successor.level == unit.level else None
        closed_on = link.effective_on if link is not None else unit.valid_to + timedelta(days=1)
        result[(pk, period)] = Closure(unit=unit, period=period, closed_on=closed_on, successor=successor).message
    return result
