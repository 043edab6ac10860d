"""Loading the country map (both editions) and the 2025 old→new links into the database.

The map is read from the maintained data packages (plans.country_sources) and built in memory
(plans.country_build). `load_country_map()` is idempotent: units are matched on their natural key
(admin_map, code) and links on (predecessor, successor); only rows that differ are written, in bulk,
so a load issues a few dozen queries, not one per unit. Rows that the packages do not know are left
alone (counted, never deleted).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from plans.country_build import build_country_map
from plans.country_sources import CountryMap, Key, SuccessionData, UnitData
from plans.models import AdministrativeUnit, AdminMap, UnitLevel, UnitSuccession
from plans.text import search_key

BATCH_SIZE = 1000

UNIT_FIELDS = (
    "name", "division_type", "level", "parent_id", "region_id", "valid_from", "valid_to", "search_key",
    "latitude", "longitude",
)
LINK_FIELDS = ("effective_on", "share", "is_main")

LEVEL_LABELS = {
    UnitLevel.NATION: "nation",
    UnitLevel.REGION: "regions",
    UnitLevel.PROVINCE: "provinces",
    UnitLevel.DISTRICT: "districts",
    UnitLevel.COMMUNE: "communes",
}


@dataclass
class LoadResult:
    counts: dict[tuple[str, int], int]
    units_created: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    units_not_in_packages: int = 0
    links_created: int = 0
    links_updated: int = 0
    links_unchanged: int = 0
    legacy_communes_without_successor: list[Key] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    points: dict[tuple[str, int], int] = field(default_factory=dict)  # (map, level) -> units with a point

    def points_summary(self) -> str:
        """How many provinces and communes of each map have a point ("34/34 provinces, 3321/3321 communes")."""
        parts = []
        for admin_map, label in ((AdminMap.CURRENT, "34-province map"), (AdminMap.LEGACY, "63-province map")):
            counts = ", ".join(
                f"{self.points.get((admin_map, level), 0)}/{self.counts.get((admin_map, level), 0)} "
                f"{LEVEL_LABELS[level]}"
                for level in (UnitLevel.PROVINCE, UnitLevel.COMMUNE)
            )
            parts.append(f"{label} {counts}")
        return "Points (latitude, longitude): " + "; ".join(parts)

    def summary(self) -> str:
        def level_counts(admin_map: str) -> str:
            return " + ".join(
                f"{n} {LEVEL_LABELS[UnitLevel(level)]}"
                for (m, level), n in sorted(self.counts.items())
                if m == admin_map
            )

        units = f"Units: {self.units_created} created, {self.units_updated} updated, {self.units_unchanged} unchanged"
        if self.units_not_in_packages:
            units += f", {self.units_not_in_packages} not in the packages (left alone)"
        return (
            f"Country map: {level_counts(AdminMap.STATISTICAL)}; "
            f"34-province map: {level_counts(AdminMap.CURRENT)}; "
            f"63-province map: {level_counts(AdminMap.LEGACY)}. {units}. "
            f"Successions 1/7/2025: {self.links_created} created, {self.links_updated} updated, "
            f"{self.links_unchanged} unchanged. "
            f"Legacy communes without successor: {len(self.legacy_communes_without_successor)}. "
            f"{self.points_summary()}."
        )


# ---------------------------------------------------------------------------------------------
# Writing


def _unit_values(unit: UnitData, ids: dict[Key, int]) -> dict[str, Any]:
    return {
        "name": unit.name,
        "division_type": unit.division_type,
        "level": int(unit.level),
        "parent_id": ids[unit.parent] if unit.parent else None,
        "region_id": ids[unit.region] if unit.region else None,
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
        "search_key": search_key(unit.name, unit.code),  # as SearchKeyMixin.save() would, which bulk writes skip
        "latitude": unit.latitude,
        "longitude": unit.longitude,
    }


def _sync_units(units: Sequence[UnitData], result: LoadResult) -> dict[Key, int]:
    existing: dict[Key, dict[str, Any]] = {
        (row["admin_map"], row["code"]): row
        for row in AdministrativeUnit.objects.order_by().values("id", "admin_map", "code", *UNIT_FIELDS)
    }
    ids: dict[Key, int] = {key: row["id"] for key, row in existing.items()}
    wanted_keys = {u.key for u in units}
    loaded_maps = {u.admin_map for u in units}
    result.units_not_in_packages = sum(1 for key in existing if key[0] in loaded_maps and key not in wanted_keys)

    by_level: dict[int, list[UnitData]] = defaultdict(list)
    for unit in units:
        by_level[int(unit.level)].append(unit)
    for level in sorted(by_level):  # parents first: their ids are known when the children are written
        to_create: list[AdministrativeUnit] = []
        to_update: list[AdministrativeUnit] = []
        for unit in by_level[level]:
            values = _unit_values(unit, ids)
            row = existing.get(unit.key)
            if row is None:
                to_create.append(AdministrativeUnit(admin_map=unit.admin_map, code=unit.code, **values))
            elif any(row[f] != v for f, v in values.items()):
                to_update.append(AdministrativeUnit(id=row["id"], admin_map=unit.admin_map, code=unit.code, **values))
            else:
                result.units_unchanged += 1
        if to_create:
            AdministrativeUnit.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
            if any(obj.pk is None for obj in to_create):  # databases that do not return ids from bulk inserts
                maps = {obj.admin_map for obj in to_create}
                created = AdministrativeUnit.objects.filter(level=level, admin_map__in=maps)
                ids.update({(m, c): pk for pk, m, c in created.values_list("id", "admin_map", "code")})
            else:
                ids.update({(obj.admin_map, obj.code): obj.pk for obj in to_create})
        if to_update:
            AdministrativeUnit.objects.bulk_update(to_update, UNIT_FIELDS, batch_size=BATCH_SIZE)
        result.units_created += len(to_create)
        result.units_updated += len(to_update)
    return ids


def _sync_successions(successions: Sequence[SuccessionData], ids: dict[Key, int], result: LoadResult) -> None:
    predecessor_ids = {ids[s.predecessor] for s in successions}
    existing: dict[tuple[int, int], dict[str, Any]] = {
        (row["predecessor_id"], row["successor_id"]): row
        for row in UnitSuccession.objects.filter(predecessor__admin_map=AdminMap.LEGACY).values(
            "id", "predecessor_id", "successor_id", *LINK_FIELDS
        )
        if row["predecessor_id"] in predecessor_ids
    }
    to_create: list[UnitSuccession] = []
    to_update: list[UnitSuccession] = []
    for s in successions:
        pair = (ids[s.predecessor], ids[s.successor])
        values = {"effective_on": s.effective_on, "share": s.share, "is_main": s.is_main}
        row = existing.get(pair)
        if row is None:
            to_create.append(UnitSuccession(predecessor_id=pair[0], successor_id=pair[1], **values))
        elif any(row[f] != v for f, v in values.items()):
            to_update.append(UnitSuccession(id=row["id"], predecessor_id=pair[0], successor_id=pair[1], **values))
        else:
            result.links_unchanged += 1
    UnitSuccession.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    UnitSuccession.objects.bulk_update(to_update, LINK_FIELDS, batch_size=BATCH_SIZE)
    result.links_created = len(to_create)
    result.links_updated = len(to_update)


@transaction.atomic
def load_country_map(*, country: CountryMap | None = None) -> LoadResult:
    """Create or bring up to date the nation, the regions, both maps and the 1/7/2025 links.

    Idempotent: a second run writes nothing. Raises CountryMapError (and writes nothing) when the
    sources do not fit together.
    """
    country = country if country is not None else build_country_map()
    result = LoadResult(
        counts=country.counts(),
        legacy_communes_without_successor=list(country.legacy_communes_without_successor),
        notes=list(country.notes),
        points=dict(Counter((u.admin_map, int(u.level)) for u in country.units if u.latitude is not None)),
    )
    ids = _sync_units(country.units, result)
    _sync_successions(country.successions, ids, result)
    return result
