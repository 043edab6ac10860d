"""A unit's name as it was at the end of a year: what a figure of that year is shown under.

A unit of the 2025 map (valid from 1/7/2025) may hold figures of earlier years (the illustrative
figures are drawn for every year; an import may bring a series back-cast to today's territory).
Such a figure describes the territory before the reorganisation, so it is shown under the
name(s) the territory had then: those of the units whose main successor the unit is ("Tỉnh
Thừa Thiên Huế" for a 2023 figure of "Thành phố Huế"; "Tỉnh Bắc Giang và Tỉnh Bắc Ninh" for one
of today's Bắc Ninh). A unit that existed at the end of the year keeps its own name.
"""

from datetime import date

from django.db.models import F
from django.utils.translation import gettext as _

from plans.models import AdministrativeUnit, UnitSuccession

MAX_STEPS = 5  # renames of renames; the 2025 reorganisation is one step


def _exists_at(unit: AdministrativeUnit, day: date) -> bool:
    return (unit.valid_from is None or unit.valid_from <= day) and (unit.valid_to is None or unit.valid_to >= day)


def joined(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return _("%(first)s và %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def _predecessors(unit_ids: set[int]) -> dict[int, list[AdministrativeUnit]]:
    """{unit id: the units of its level whose main successor it is}, followed back up to MAX_STEPS steps."""
    earlier: dict[int, list[AdministrativeUnit]] = {}
    wanted = set(unit_ids)
    for _step in range(MAX_STEPS):
        if not wanted:
            break
        found = set()
        links = UnitSuccession.objects.filter(
            successor_id__in=wanted, is_main=True, predecessor__level=F("successor__level")  # not the districts
        ).select_related("predecessor")
        for link in links:
            earlier.setdefault(link.successor_id, []).append(link.predecessor)
            found.add(link.predecessor_id)
        wanted = found - earlier.keys() - unit_ids
    return earlier


def names_in_years(units, years) -> dict[tuple[int, int], str]:
    """{(unit id, year): the unit's name at the end of that year}: no query when every unit existed
    at the end of every year, else one per step back through the successions (one for 2025)."""
    units, years = list(units), sorted(set(years))
    names = {(unit.pk, year): unit.name for unit in units for year in years}
    late = {unit.pk for unit in units for year in years if not _exists_at(unit, date(year, 12, 31))}
    if not late:
        return names
    earlier = _predecessors(late)
    for pk in late:
        for year in years:
            day = date(year, 12, 31)
            then, chain, seen = set(), list(earlier.get(pk, [])), {pk}
            while chain:
                unit = chain.pop()
                if unit.pk in seen:
                    continue
                seen.add(unit.pk)
                if _exists_at(unit, day):
                    then.add(unit.name)
                else:
                    chain.extend(earlier.get(unit.pk, []))
            if then:
                names[(pk, year)] = joined(sorted(then))
    return names


def names_in_year(units, year: int) -> dict[int, str]:
    """{unit id: its name at the end of `year`} (see names_in_years)."""
    return {pk: name for (pk, _year), name in names_in_years(units, [year]).items()}
