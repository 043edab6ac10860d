"""Figures of places that closed in a reorganisation (the 1/7/2025 mergers): where they count.

The rule: a closed unit takes figures for every period up to the end of the year it closed in;
from the next year on its figures count only at its main successor, so they are refused there
(services.save_actual) and the entry page offers the successor's entry instead.

For a province closed on 1/7/2025 (valid_to 30/6/2025, Hậu Giang → thành phố Cần Thơ):
- 2024 and earlier, and every period of 2025 (the halves and the whole year), are its own. The
  2025 annual figure closes its 2021–2025 plan: the dashboards judge a target that started
  before the merger on the old unit's own figures (dashboards.judge), so it counts there. The
  successor has its own 2025 figure beside it (the 2025 roll-up of the regions and the nation
  adds up the 34-province map, the map in force on 31/12/2025, and the 2026–2030 targets read
  the successor's 2025 value as their baseline).
- 2026 and later count only at the successor: the dashboards judge targets after the merger on
  the successor's figures and the roll-ups add up the 34-province map, so no page would ever read
  the old unit's own 2026 figure.

A target of a closed unit takes, after the closing year, the figures of its main successor at
the same level (Hậu Giang's 2026–2030 targets are judged on Cần Thơ's figures). A district has no
such successor (the district level ended; the province's figures do not stand for the district),
so after its closing year its figures count nowhere and nothing is offered instead.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from plans.models import AdministrativeUnit, UnitSuccession


@dataclass(frozen=True)
class Closure:
    """A unit that closed before the year asked about, and the unit its figures count at."""

    unit: AdministrativeUnit
    year: int
    closed_on: date  # the first day without the unit (the merger's effective date)
    successor: AdministrativeUnit | None  # main successor at the same level, if any

    @property
    def last_year(self) -> int:
        return self.unit.valid_to.year

    @property
    def message(self) -> str:
        old, new = _names(self.unit, self.successor)
        values = {"old": old, "new": new, "date": f"{self.closed_on:%d/%m/%Y}", "year": self.year,
                  "last": self.last_year}
        if self.successor is None:
            return _(
                "%(old)s không còn từ ngày %(date)s: số liệu năm %(year)s của đơn vị này không được tính ở đâu "
                "(số liệu của đơn vị này chỉ nhận đến năm %(last)s)."
            ) % values
        return _(
            "%(old)s đã sáp nhập vào %(new)s từ ngày %(date)s: số liệu năm %(year)s được tính cho %(new)s, "
            "không tính cho %(old)s (số liệu của %(old)s chỉ nhận đến năm %(last)s). Hãy nhập số liệu cho %(new)s."
        ) % values


def _names(old: AdministrativeUnit, new: AdministrativeUnit | None) -> tuple[str, str]:
    """The two names; when they are the same ("Thành phố Cần Thơ" on both maps), with their map."""
    if new is None or old.name != new.name:
        return old.name, new.name if new else ""
    label = _("%(name)s (bản đồ %(map)s tỉnh)")
    return label % {"name": old.name, "map": old.admin_map}, label % {"name": new.name, "map": new.admin_map}


def is_closed_for(unit: AdministrativeUnit, year: int) -> bool:
    """True when `unit` closed before `year` began (no query)."""
    return unit.valid_to is not None and year > unit.valid_to.year


def closures(units, year: int) -> dict[int, Closure]:
    """{unit id: Closure} for the units among these that closed before `year`: one query, none if none did."""
    closed = {unit.pk: unit for unit in units if is_closed_for(unit, year)}
    if not closed:
        return {}
    links = {
        link.predecessor_id: link
        for link in UnitSuccession.objects.filter(predecessor_id__in=closed, is_main=True)
        .select_related("successor")
        .order_by("effective_on", "pk")
    }
    result = {}
    for pk, unit in closed.items():
        link = links.get(pk)
        successor = link.successor if link is not None and link.successor.level == unit.level else None
        closed_on = link.effective_on if link is not None else unit.valid_to + timedelta(days=1)
        result[pk] = Closure(unit=unit, year=year, closed_on=closed_on, successor=successor)
    return result


def closure_for(unit: AdministrativeUnit, year: int) -> Closure | None:
    return closures([unit], year).get(unit.pk)


def refuse_if_closed(*, unit: AdministrativeUnit, year: int) -> None:
    """The rule, for every write of a figure: no figure of a unit for a year after it closed."""
    closure = closure_for(unit, year)
    if closure is not None:
        raise ValidationError({"year": closure.message}, code="unit_closed")


def check_unit_for_target(*, target, unit: AdministrativeUnit, year: int) -> None:
    """A target's figure is its territory's; after the territory closed, its successor's."""
    if unit.pk == target.territory_id:
        return
    closure = closure_for(target.territory, year)
    if closure is None or closure.successor is None or closure.successor.pk != unit.pk:
        raise ValidationError(
            {"year": _("Số liệu năm %(year)s của chỉ tiêu này là của %(unit)s.")
             % {"year": year, "unit": target.territory.name}},
            code="not_the_target_unit",
        )
