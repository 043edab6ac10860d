"""Which units a year's register covers whole, and which units a commune's households count in.

A synthetic register is made for a few localities (the demo) or for the whole country (the
benchmarks). Its figure for a unit of which it holds only some communes would stand for the
whole unit, next to other sources' figures for the rest: a province's poverty rate from one
merged-in former province's households, or the nation's from four localities. So a figure that
synthetic households enter is written only for a unit every commune of which (on the map the
unit belongs to) has households reviewed that year.

Nor is any figure written for a unit closed before the end of the year (`closed_units`): households
keep their commune of the map before 1/7/2025, but from 2025 on its figures count at the successors
(indicators.closures), which every household enters through its commune of today's map.
"""

from collections import Counter

from indicators.closures import Period
from plans.models import AdministrativeUnit, AdminMap, UnitLevel

# id -> (parent id, level, map, region id), as households.recompute.unit_tree reads it
Tree = dict[int, tuple[int | None, int, str, int | None]]


def chain(unit_id: int, tree: Tree) -> list[int]:
    """The commune and the units above it, up to its province (regions and the nation apart)."""
    out = []
    parent: int | None = unit_id
    while parent is not None:
        out.append(parent)
        parent = tree[parent][0]
        if parent is not None and tree[parent][1] <= UnitLevel.REGION:
            break
    return out


def units_fed(key: int, tree: Tree, nation_id: int, current_map: bool) -> list[int]:
    """Every unit whose figures a commune's households enter: `key` is a commune of today's map
    (positive) or of the map before 1/7/2025 (negative). Regions follow the map the year's review
    ran on; the nation counts today's communes."""
    units = chain(abs(key), tree)
    if (key > 0) == current_map:
        region = tree[units[-1]][3]
        if region is not None:
            units.append(region)
    if key > 0:
        units.append(nation_id)
    return units


def complete_units(keys, tree: Tree, nation_id: int, current_map: bool) -> set[int]:
    """The units every commune of which is among `keys` (communes with reviewed households)."""
    expected: Counter = Counter()
    for pk, (_parent, level, admin_map, _region) in tree.items():
        if level == UnitLevel.COMMUNE and admin_map in (AdminMap.CURRENT, AdminMap.LEGACY):
            key = pk if admin_map == AdminMap.CURRENT else -pk
            expected.update(units_fed(key, tree, nation_id, current_map))
    covered: Counter = Counter()
    for key in keys:
        covered.update(units_fed(key, tree, nation_id, current_map))
    return {unit for unit, n in covered.items() if n == expected[unit]}


def closed_units(year: int, unit_ids=None) -> set[int]:
    """The units (among `unit_ids`, if given) that closed before the end of `year`: no annual figure
    of theirs (indicators.closures.is_closed_for), in one query."""
    units = AdministrativeUnit.objects.filter(valid_to__lt=Period(year).end)
    if unit_ids is not None:
        units = units.filter(pk__in=unit_ids)
    return set(units.values_list("pk", flat=True))
