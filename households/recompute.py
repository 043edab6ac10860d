"""A year's register figures: every unit's counts on both maps, then the register's actuals.

`recompute_register` turns one year's reviews into RegisterStat rows on both maps and the
register's actuals (indicators.Actual, source REGISTER; households.register_actuals) of the units
open at the year's end, then refreshes the dashboards' yearly values of the register's indicators.
"""

import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, IntegerField, Q, Sum
from django.utils import timezone

from households.models import HouseholdReview, LivingClass, Movement, RegisterStat
from households.register_actuals import REGISTER_INDICATORS, ActualsWritten, write_actuals
from households.register_coverage import closed_units, complete_units, units_fed
from households.standards import standard_for
from indicators.models import Indicator
from indicators.rollups import refresh_yearly_values
from plans.models import AdministrativeUnit, UnitLevel

REORGANISATION_YEAR = 2025  # the 2025 review (Sep–Dec) ran on the 34-province map

COUNT_FIELDS = ("total", "poor", "near_poor", "middle", "not_poor", "escaped", "new_poor", "fallen_back",
                "merit_poor", "ethnic_minority_poor", "synthetic")
CLASS_FIELD = {
    LivingClass.POOR: "poor", LivingClass.NEAR_POOR: "near_poor",
    LivingClass.MIDDLE: "middle", LivingClass.NOT_POOR: "not_poor",
}
MOVEMENT_FIELD = {Movement.ESCAPED: "escaped", Movement.NEW_POOR: "new_poor", Movement.FALLEN_BACK: "fallen_back"}


class Tally:
    """A unit's figures while they are added up."""

    __slots__ = ("counts", "deprived_poor", "deprived_near_poor", "transitions")

    def __init__(self, bits: int):
        self.counts = dict.fromkeys(COUNT_FIELDS, 0)
        self.deprived_poor = [0] * bits
        self.deprived_near_poor = [0] * bits
        self.transitions: dict[str, int] = defaultdict(int)

    def add(self, other: "Tally") -> None:
        for name, value in other.counts.items():
            self.counts[name] += value
        for i, value in enumerate(other.deprived_poor):
            self.deprived_poor[i] += value
        for i, value in enumerate(other.deprived_near_poor):
            self.deprived_near_poor[i] += value
        for key, value in other.transitions.items():
            self.transitions[key] += value


@dataclass(kw_only=True)
class RecomputeResult(ActualsWritten):
    year: int
    units: int = 0
    households: int = 0
    units_partly_synthetic: int = 0  # units a synthetic register covers in part: no figure written
    seconds: dict[str, float] = field(default_factory=dict)


def unit_tree() -> dict[int, tuple[int | None, int, str, int | None]]:
    """id -> (parent id, level, map, region id) for every unit, in one query."""
    return {
        pk: (parent_id, level, admin_map, region_id)
        for pk, parent_id, level, admin_map, region_id in AdministrativeUnit.objects.values_list(
            "pk", "parent_id", "level", "admin_map", "region_id"
        )
    }


def tally_groups(year: int, bits: list[int]):
    """One pass over the year's reviews, grouped by (commune, legacy commune, class, previous class, movement)."""
    poor = Q(living_class=LivingClass.POOR)
    sums = {
        "n": Count("id"),
        "merit_poor": Count("id", filter=poor & Q(household__merit=True)),
        "ethnic_poor": Count("id", filter=poor & Q(household__ethnic_minority=True)),
        "synthetic": Count("id", filter=Q(household__is_synthetic=True)),
    }
    for bit in bits:
        sums[f"b{bit}"] = Sum(F("deprivation_mask").bitrightshift(bit).bitand(1), output_field=IntegerField())
    return (
        HouseholdReview.objects.filter(year=year)
        .values("household__commune_id", "household__legacy_commune_id", "living_class", "previous_class", "movement")
        .annotate(**sums)
        .order_by()
    )


@transaction.atomic
def recompute_register(*, year: int) -> RecomputeResult:
    """The year's figures of every commune, district, province, region and the nation, on both maps.

    Households count in their commune of today's map and, through `legacy_commune`, in the
    commune of the map before 1/7/2025; regions follow the map the year's review ran on.
    Writes RegisterStat rows and the register's actuals; figures people entered are left alone,
    illustrative ones replaced. A figure is synthetic when any synthetic household entered it.
    No figure is written for a unit closed before the year's end (register_coverage.closed_units).
    """
    started = time.monotonic()
    standard = standard_for(year)
    indicators = list(standard.indicators.order_by("position"))
    bits = [indicator.bit for indicator in indicators]
    result = RecomputeResult(year=year)
    tree = unit_tree()
    tallies: dict[int, Tally] = {}

    def tally(unit_id: int) -> Tally:
        if unit_id not in tallies:
            tallies[unit_id] = Tally(len(bits))
        return tallies[unit_id]

    for row in tally_groups(year, bits).iterator(chunk_size=5000):
        n = row["n"]
        group = Tally(len(bits))
        counts = group.counts
        counts["total"] = n
        counts[CLASS_FIELD[row["living_class"]]] = n
        if row["movement"]:
            counts[MOVEMENT_FIELD[row["movement"]]] = n
        counts["merit_poor"] = row["merit_poor"]
        counts["ethnic_minority_poor"] = row["ethnic_poor"]
        counts["synthetic"] = row["synthetic"]
        if row["living_class"] in (LivingClass.POOR, LivingClass.NEAR_POOR):
            target = group.deprived_poor if row["living_class"] == LivingClass.POOR else group.deprived_near_poor
            for i, bit in enumerate(bits):
                target[i] = row[f"b{bit}"] or 0
        group.transitions[f"{row['previous_class']}>{row['living_class']}"] = n
        tally(row["household__commune_id"]).add(group)
        if row["household__legacy_commune_id"]:
            tally(-row["household__legacy_commune_id"]).add(group)  # negative: the legacy map's commune
    result.seconds["aggregate"] = time.monotonic() - started

    # Roll up level by level: communes -> districts -> provinces -> regions and the nation.
    totals: dict[int, Tally] = {}
    nation_id = next(pk for pk, (_, level, _, _) in tree.items() if level == UnitLevel.NATION)
    current_map = year >= REORGANISATION_YEAR
    for key, commune_tally in tallies.items():
        for pk in units_fed(key, tree, nation_id, current_map):
            totals.setdefault(pk, Tally(len(bits))).add(commune_tally)
    result.units = len(totals)
    result.households = totals[nation_id].counts["total"] if nation_id in totals else 0
    result.seconds["roll_up"] = time.monotonic() - started - result.seconds["aggregate"]

    now = timezone.now()
    codes = [indicator.code for indicator in indicators]
    RegisterStat.objects.filter(year=year).delete()
    RegisterStat.objects.bulk_create(
        [
            RegisterStat(
                unit_id=unit_id, year=year, standard=standard, computed_at=now, **t.counts,
                deprived_poor=dict(zip(codes, t.deprived_poor)),
                deprived_near_poor=dict(zip(codes, t.deprived_near_poor)),
                transitions=dict(t.transitions),
            )
            for unit_id, t in totals.items()
        ],
        batch_size=2000,
    )
    result.seconds["stats"] = time.monotonic() - started - sum(result.seconds.values())
    # Figures that synthetic households enter are labelled synthetic, and written only for units
    # the synthetic register covers whole (households.register_coverage says why).
    complete = None
    if any(t.counts["synthetic"] for t in totals.values()):
        complete = complete_units(tallies, tree, nation_id, current_map)
    figures = {
        unit_id: t.counts for unit_id, t in totals.items()
        if not t.counts["synthetic"] or unit_id in complete
    }
    result.units_partly_synthetic = len(totals) - len(figures)
    # The old map's units keep their RegisterStat rows (the register pages show where households of
    # a former commune stand) but no figure for a year they did not live to the end of: those count
    # at the successors (indicators.closures). Their register figures written earlier go as stale.
    for unit_id in closed_units(year) & figures.keys():
        del figures[unit_id]
    write_actuals(year, figures, now, result, standard=standard.code)
    result.seconds["actuals"] = time.monotonic() - started - sum(result.seconds.values())
    # The dashboards' table of yearly values, for the indicators the register feeds.
    refresh_yearly_values(
        indicator_ids=Indicator.objects.filter(code__in=REGISTER_INDICATORS).values_list("pk", flat=True), years=[year]
    )
    result.seconds["yearly_values"] = time.monotonic() - started - sum(result.seconds.values())
    result.seconds["total"] = time.monotonic() - started
    return result
