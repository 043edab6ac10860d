"""Loading the country map (both editions) and the 2025 old→new links from the maintained data packages.

Sources, none typed by hand except the region table:

- today's map (admin_map "34"): `vietnam_provinces` (nested-divisions.json: 34 provinces, 3.321 communes,
  official codes of QĐ 19/2025/QĐ-TTg), valid from 1/7/2025;
- the legacy map (admin_map "63"): `vietnamadminunits` (SQLite table admin_units_legacy: 63 provinces,
  their districts and communes), valid to 30/6/2025;
- the 1/7/2025 links (UnitSuccession): `vietnamadminunits`' converter_2025.json, whose keys are the
  provinceKey/districtKey/wardKey columns of its dataset tables;
- the six socio-economic regions: data/regions.csv (GSO's regions, NQ 81/2023/QH15; see its header).

`load_country_map()` is idempotent: units are matched on their natural key (admin_map, code) and links on
(predecessor, successor); only rows that differ are written, in bulk, so a load issues a few dozen
queries, not one per unit. Rows that the packages do not know are left alone (counted, never deleted).
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from plans.models import AdministrativeUnit, AdminMap, UnitLevel, UnitSuccession
from plans.text import search_key

Key = tuple[str, str]  # natural key of a unit: (admin_map, code)

REGIONS_CSV: Path = Path(settings.BASE_DIR) / "data" / "regions.csv"

NATION_CODE = "VN"
NATION_NAME = "Việt Nam"
REGIONS: tuple[tuple[str, str], ...] = (
    ("TDMNPB", "Trung du và miền núi phía Bắc"),
    ("DBSH", "Đồng bằng sông Hồng"),
    ("BTBDHMT", "Bắc Trung Bộ và duyên hải miền Trung"),
    ("TN", "Tây Nguyên"),
    ("DNB", "Đông Nam Bộ"),
    ("DBSCL", "Đồng bằng sông Cửu Long"),
)
REORGANISATION_DATE = date(2025, 7, 1)  # NQ 202/2025/QH15: 34 provinces, no district level
CURRENT_VALID_FROM = REORGANISATION_DATE
LEGACY_VALID_TO = date(2025, 6, 30)
BATCH_SIZE = 1000

NATION_KEY: Key = (AdminMap.STATISTICAL.value, NATION_CODE)
UNIT_FIELDS = ("name", "division_type", "level", "parent_id", "region_id", "valid_from", "valid_to", "search_key")
LINK_FIELDS = ("effective_on", "share", "is_main")

LEVEL_LABELS = {
    UnitLevel.NATION: "nation",
    UnitLevel.REGION: "regions",
    UnitLevel.PROVINCE: "provinces",
    UnitLevel.DISTRICT: "districts",
    UnitLevel.COMMUNE: "communes",
}


class CountryMapError(Exception):
    """The packages (or data/regions.csv) do not fit together; nothing was written."""


@dataclass(frozen=True)
class UnitData:
    admin_map: str
    code: str
    name: str
    level: int
    division_type: str = ""
    parent: Key | None = None
    region: Key | None = None
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def key(self) -> Key:
        return (self.admin_map, self.code)


@dataclass(frozen=True)
class SuccessionData:
    predecessor: Key
    successor: Key
    share: Decimal | None
    is_main: bool
    effective_on: date = REORGANISATION_DATE


@dataclass
class CountryMap:
    units: list[UnitData]
    successions: list[SuccessionData]
    legacy_communes_without_successor: list[Key] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[tuple[str, int], int]:
        return dict(Counter((u.admin_map, u.level) for u in self.units))


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
            f"Legacy communes without successor: {len(self.legacy_communes_without_successor)}."
        )


# ---------------------------------------------------------------------------------------------
# Reading the packages


def _package_dir(name: str) -> Path:
    """Where an installed package lives, without importing it (vietnamadminunits' __init__ is slow)."""
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise CountryMapError(f"The package {name} is not installed.")
    return Path(next(iter(spec.submodule_search_locations)))


def _clean(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def _exact_name(name: str) -> str:
    """For matching names across packages: same text, whatever the quote, dash or spacing."""
    return _clean(name).replace("’", "'").replace("–", "-").casefold()


def _loose_name(name: str) -> str:
    """For matching names across packages when the tone mark sits elsewhere ("Hoà"/"Hòa")."""
    return re.sub(r"[^a-z0-9]", "", search_key(name))


def read_regions(path: Path = REGIONS_CSV) -> dict[Key, str]:
    """(map, province code) -> region code, from data/regions.csv (lines starting with # are comments)."""
    region_codes = {code for code, _ in REGIONS}
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(line for line in f if line.strip() and not line.lstrip().startswith("#")))
    table: dict[Key, str] = {}
    for row in rows:
        key = (row["map"].strip(), row["province_code"].strip())
        region = row["region_code"].strip()
        if key[0] not in (AdminMap.LEGACY, AdminMap.CURRENT) or region not in region_codes or key in table:
            raise CountryMapError(f"{path.name}: bad row {row}")
        table[key] = region
    return table


def read_current_divisions() -> list[dict[str, Any]]:
    """vietnam_provinces' nested divisions: 34 provinces, each with its wards (codes are ints there)."""
    path = _package_dir("vietnam_provinces") / "data" / "nested-divisions.json"
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _vau_dir() -> Path:
    return _package_dir("vietnamadminunits") / "data"


def read_vau_table(table: str) -> list[dict[str, Any]]:
    """All rows of a table of vietnamadminunits' dataset.db, opened read-only."""
    if table not in ("admin_units", "admin_units_legacy"):
        raise ValueError(table)
    uri = (_vau_dir() / "dataset.db").as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(f"SELECT * FROM [{table}]")]
    finally:
        conn.close()


def read_converter() -> dict[str, Any]:
    with (_vau_dir() / "converter_2025.json").open(encoding="utf-8") as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------
# Building the map in memory


def _statistical_units() -> list[UnitData]:
    nation = UnitData(AdminMap.STATISTICAL, NATION_CODE, NATION_NAME, UnitLevel.NATION)
    regions = [
        UnitData(AdminMap.STATISTICAL, code, name, UnitLevel.REGION, parent=NATION_KEY) for code, name in REGIONS
    ]
    return [nation, *regions]


def _region_of(regions: dict[Key, str], admin_map: str, province_code: str) -> Key:
    try:
        return (AdminMap.STATISTICAL.value, regions[(admin_map, province_code)])
    except KeyError:
        message = f"data/regions.csv has no region for province {province_code} of map {admin_map}"
        raise CountryMapError(message) from None


def _kind(type_column: str | None, name: str, kinds: tuple[str, ...]) -> str:
    """The division type from the package's type column, else from the name's prefix ("Thị trấn Ba Tơ")."""
    kind = _clean(type_column or "").lower()
    if kind:
        return kind
    lowered = name.lower()
    return next((k for k in kinds if lowered.startswith(k + " ")), "")


def build_current_units(divisions: Sequence[dict[str, Any]], regions: dict[Key, str]) -> list[UnitData]:
    """The 34-province map: provinces under the nation, communes under their province."""
    m = AdminMap.CURRENT.value
    units: list[UnitData] = []
    for p in divisions:
        code = f"{int(p['code']):02d}"
        name = _clean(p["name"])
        kind = p["division_type"]
        if kind == "tỉnh" and not name.startswith("Tỉnh "):
            name = f"Tỉnh {name}"  # the package writes "Cao Bằng" but "Thành phố Hà Nội": name both in full
        units.append(
            UnitData(
                m, code, name, UnitLevel.PROVINCE, kind, NATION_KEY, _region_of(regions, m, code), CURRENT_VALID_FROM
            )
        )
        for w in p["wards"]:
            units.append(
                UnitData(
                    m,
                    f"{int(w['code']):05d}",
                    _clean(w["name"]),
                    UnitLevel.COMMUNE,
                    w["division_type"],
                    (m, code),
                    valid_from=CURRENT_VALID_FROM,
                )
            )
    return units


@dataclass
class LegacyIndex:
    """Keys of vietnamadminunits' legacy table -> our codes."""

    provinces: dict[str, str] = field(default_factory=dict)  # provinceKey -> code
    districts: dict[tuple[str, str], str] = field(default_factory=dict)  # (provinceKey, districtKey) -> code
    communes: dict[str, str] = field(default_factory=dict)  # "prov_dist_ward" -> code
    commune_district: dict[str, str] = field(default_factory=dict)  # commune code -> district code
    district_province: dict[str, str] = field(default_factory=dict)  # district code -> province code


def build_legacy_units(
    rows: Iterable[dict[str, Any]], regions: dict[Key, str]
) -> tuple[list[UnitData], LegacyIndex]:
    """The 63-province map: province → nation, district → province, commune → district."""
    m = AdminMap.LEGACY.value
    index = LegacyIndex()
    provinces: dict[str, UnitData] = {}
    districts: dict[str, UnitData] = {}
    communes: dict[str, UnitData] = {}

    def put(table: dict[str, UnitData], unit: UnitData) -> None:
        if table.setdefault(unit.code, unit) != unit:
            raise CountryMapError(f"vietnamadminunits: code {unit.code} has two descriptions")

    for r in rows:
        p_code, d_code, w_code = r["provinceCode"], r["districtCode"], r["wardCode"]
        p_name = _clean(r["province"])
        p_kind = "thành phố trung ương" if p_name.startswith("Thành phố") else "tỉnh"
        put(
            provinces,
            UnitData(
                m, p_code, p_name, UnitLevel.PROVINCE, p_kind, NATION_KEY, _region_of(regions, m, p_code),
                valid_to=LEGACY_VALID_TO,
            ),
        )
        d_kind = _kind(r["districtType"], _clean(r["district"]), ("quận", "huyện", "thị xã", "thành phố"))
        if d_kind == "thành phố":  # the names GSO gives the two kinds of city below a province
            d_kind = "thành phố thuộc tỉnh" if p_kind == "tỉnh" else "thành phố thuộc thành phố trung ương"
        put(
            districts,
            UnitData(
                m, d_code, _clean(r["district"]), UnitLevel.DISTRICT, d_kind, (m, p_code), valid_to=LEGACY_VALID_TO
            ),
        )
        index.provinces[r["provinceKey"]] = p_code
        index.districts[(r["provinceKey"], r["districtKey"])] = d_code
        index.district_province[d_code] = p_code
        if w_code is None:  # a district without communes (island districts: Côn Đảo, Lý Sơn, Hoàng Sa ...)
            continue
        w_name = _clean(r["ward"])
        w_kind = _kind(r["wardType"], w_name, ("xã", "phường", "thị trấn"))
        put(
            communes,
            UnitData(m, w_code, w_name, UnitLevel.COMMUNE, w_kind, (m, d_code), valid_to=LEGACY_VALID_TO),
        )
        old_key = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}"
        if index.communes.setdefault(old_key, w_code) != w_code:
            raise CountryMapError(f"vietnamadminunits: legacy key {old_key} names two communes")
        index.commune_district[w_code] = d_code
    return [*provinces.values(), *districts.values(), *communes.values()], index


def resolve_new_ward_keys(
    divisions: Sequence[dict[str, Any]], new_rows: Iterable[dict[str, Any]], notes: list[str]
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """vietnamadminunits' keys of today's map -> vietnam_provinces' codes.

    Returns (provinceKey -> province code, (provinceKey, wardKey) -> ward code). The two packages agree
    on the province codes but not on every ward code (123 differ between vietnamadminunits 1.0.4 and
    vietnam-provinces 2025.10.1; vietnam_provinces' codes are kept), so a ward is matched on its name
    within its province (exact, then without diacritics, which covers "Hoà"/"Hòa"), and on its code
    only when the name is not found.
    """
    exact: dict[tuple[str, str], list[str]] = defaultdict(list)
    loose: dict[tuple[str, str], list[str]] = defaultdict(list)
    ward_province: dict[str, str] = {}
    province_codes = set()
    for p in divisions:
        p_code = f"{int(p['code']):02d}"
        province_codes.add(p_code)
        for w in p["wards"]:
            w_code = f"{int(w['code']):05d}"
            exact[(p_code, _exact_name(w["name"]))].append(w_code)
            loose[(p_code, _loose_name(w["name"]))].append(w_code)
            ward_province[w_code] = p_code

    provinces: dict[str, str] = {}
    wards: dict[tuple[str, str], str] = {}
    by_code = 0
    codes_differ = 0
    for r in new_rows:
        p_code = r["provinceCode"]
        if p_code not in province_codes or provinces.setdefault(r["provinceKey"], p_code) != p_code:
            raise CountryMapError(f"vietnamadminunits: {r['province']} ({p_code}) is not in vietnam_provinces")
        candidates = exact.get((p_code, _exact_name(r["ward"]))) or loose.get((p_code, _loose_name(r["ward"]))) or []
        if len(candidates) == 1:
            code = candidates[0]
        elif ward_province.get(r["wardCode"]) == p_code:
            code = r["wardCode"]
            by_code += 1
        else:
            raise CountryMapError(f"vietnamadminunits: {r['ward']}, {r['province']} not found in vietnam_provinces")
        if code != r["wardCode"]:
            codes_differ += 1
        wards[(r["provinceKey"], r["wardKey"])] = code
    used = Counter(wards.values())
    if any(n > 1 for n in used.values()):
        raise CountryMapError(f"vietnamadminunits: two wards match {[c for c, n in used.items() if n > 1]}")
    if codes_differ or by_code:
        notes.append(
            f"{codes_differ} communes of today's map have another code in vietnamadminunits than in "
            f"vietnam_provinces; the code of vietnam_provinces is kept ({by_code} matched on the code, "
            "the others on the name)."
        )
    return provinces, wards


def build_successions(
    converter: dict[str, Any],
    legacy: LegacyIndex,
    new_provinces: dict[str, str],
    new_wards: dict[tuple[str, str], str],
    notes: list[str],
) -> tuple[list[SuccessionData], list[Key]]:
    """The 1/7/2025 links, from the converter's dictionaries.

    - communes: DICT_PROVINCE_WARD_NO_DIVIDED (new ward ← whole old communes: share 1, main) and
      DICT_PROVINCE_WARD_DIVIDED (old commune split: share unknown, main = isDefaultNewWard);
      an old key with an empty ward part is a district without communes (islands) → its đặc khu;
    - provinces: DICT_PROVINCE, plus any other new province that received one of its communes;
    - districts: the new province(s) its communes went to (its province's, if it has none).
    Shares are 1 where the whole unit went to one successor, unknown (None) otherwise.
    Returns the links and the legacy communes left without a successor.
    """
    old_map, new_map = AdminMap.LEGACY.value, AdminMap.CURRENT.value
    one = Decimal(1)
    links: dict[tuple[Key, Key], SuccessionData] = {}
    unresolved: list[str] = []

    def add(link: SuccessionData) -> None:
        pair = (link.predecessor, link.successor)
        if pair in links:
            if links[pair] != link:
                notes.append(f"The converter links {pair[0][1]} → {pair[1][1]} twice; the first link is kept.")
            return
        links[pair] = link

    def new_province_key_check(province_key: str) -> str:
        if province_key not in new_provinces:
            raise CountryMapError(f"converter_2025.json: unknown new province {province_key}")
        return province_key

    def new_ward(province_key: str, ward_key: str) -> Key | None:
        code = new_wards.get((new_province_key_check(province_key), ward_key))
        if code is None:
            unresolved.append(f"{province_key}/{ward_key}")
            return None
        return (new_map, code)

    commune_targets: dict[str, set[str]] = defaultdict(set)  # legacy commune code -> new province codes
    for new_p, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_w, old_keys in wards.items():
            target = new_ward(new_p, new_w)
            if target is None:
                continue
            for old_key in old_keys:
                if old_key in legacy.communes:
                    code = legacy.communes[old_key]
                    add(SuccessionData((old_map, code), target, one, True))
                    commune_targets[code].add(new_provinces[new_p])
                    continue
                p_key, d_key, w_key = (old_key.split("_") + ["", "", ""])[:3]
                if not w_key and (p_key, d_key) in legacy.districts:  # district without communes
                    add(SuccessionData((old_map, legacy.districts[(p_key, d_key)]), target, one, True))
                else:
                    unresolved.append(old_key)
    for new_p, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in divided.items():
            code = legacy.communes.get(old_key)
            if code is None:
                unresolved.append(old_key)
                continue
            for part in parts:
                target = new_ward(new_p, part["newWardKey"])
                if target is not None:
                    add(SuccessionData((old_map, code), target, None, bool(part["isDefaultNewWard"])))
                    commune_targets[code].add(new_provinces[new_p])
    if unresolved:
        notes.append(f"{len(unresolved)} converter keys match no unit and were skipped: {', '.join(unresolved[:10])}")

    # Provinces: where DICT_PROVINCE sends them, and wherever their communes went.
    province_targets: dict[str, set[str]] = defaultdict(set)
    province_main: dict[str, str] = {}
    for new_p, old_keys in converter["DICT_PROVINCE"].items():
        for old_p in old_keys:
            if old_p not in legacy.provinces:
                raise CountryMapError(f"converter_2025.json: unknown old province {old_p}")
            code = legacy.provinces[old_p]
            province_targets[code].add(new_provinces[new_province_key_check(new_p)])
            province_main.setdefault(code, new_provinces[new_p])
    district_targets: dict[str, set[str]] = defaultdict(set)
    for commune, targets in commune_targets.items():
        district_targets[legacy.commune_district[commune]] |= targets
    for district, targets in district_targets.items():
        province_targets[legacy.district_province[district]] |= targets
    for province, targets in province_targets.items():
        share = one if len(targets) == 1 else None
        for target in sorted(targets):
            add(SuccessionData((old_map, province), (new_map, target), share, target == province_main.get(province)))
    for district, province in legacy.district_province.items():
        targets = district_targets.get(district) or province_targets.get(province, set())
        share = one if len(targets) == 1 else None
        for target in sorted(targets):
            is_main = len(targets) == 1 or target == province_main.get(province)
            add(SuccessionData((old_map, district), (new_map, target), share, is_main))

    linked = {link.predecessor for link in links.values()}
    orphans = sorted((old_map, code) for code in legacy.commune_district if (old_map, code) not in linked)
    return list(links.values()), orphans


def build_country_map() -> CountryMap:
    """Read every source and build the whole map in memory (no database access)."""
    notes: list[str] = []
    regions = read_regions()
    divisions = read_current_divisions()
    current = build_current_units(divisions, regions)
    legacy_units, legacy_index = build_legacy_units(read_vau_table("admin_units_legacy"), regions)
    new_provinces, new_wards = resolve_new_ward_keys(divisions, read_vau_table("admin_units"), notes)
    successions, orphans = build_successions(read_converter(), legacy_index, new_provinces, new_wards, notes)
    units = [*_statistical_units(), *current, *legacy_units]
    known = {(m, p) for m, p in regions}
    wanted = {u.key for u in units if u.level == UnitLevel.PROVINCE}
    if known != wanted:
        raise CountryMapError(f"data/regions.csv does not list the packages' provinces: {sorted(known ^ wanted)}")
    _check_lengths(units)
    return CountryMap(units, successions, orphans, notes)


def _check_lengths(units: Iterable[UnitData]) -> None:
    """What full_clean() would catch; bulk writes skip it, so check the columns' limits here."""
    limits = {f: AdministrativeUnit._meta.get_field(f).max_length for f in ("code", "name", "division_type")}
    for unit in units:
        for f, limit in limits.items():
            if len(getattr(unit, f)) > limit:
                raise CountryMapError(f"{unit.key}: {f} longer than {limit} characters")


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
    )
    ids = _sync_units(country.units, result)
    _sync_successions(country.successions, ids, result)
    return result
