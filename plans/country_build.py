"""Building the country map in memory from its sources (plans.country_sources): no database access.

Today's map and the legacy map as units, and the 1/7/2025 links between them from the converter,
with wards of the two packages matched on their names (plans.country_map writes the result).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from plans.country_sources import (
    CURRENT_VALID_FROM,
    LEGACY_VALID_TO,
    NATION_CODE,
    NATION_KEY,
    NATION_NAME,
    REGIONS,
    CountryMap,
    CountryMapError,
    Key,
    SuccessionData,
    UnitData,
    read_converter,
    read_current_divisions,
    read_regions,
    read_vau_table,
)
from plans.models import AdministrativeUnit, AdminMap, UnitLevel
from plans.text import search_key


def _clean(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split())


def _exact_name(name: str) -> str:
    """For matching names across packages: same text, whatever the quote, dash or spacing."""
    return _clean(name).replace("’", "'").replace("–", "-").casefold()


def _loose_name(name: str) -> str:
    """For matching names across packages when the tone mark sits elsewhere ("Hoà"/"Hòa")."""
    return re.sub(r"[^a-z0-9]", "", search_key(name))


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


Point = tuple[Decimal, Decimal]  # (latitude, longitude)
POINT_PLACES = Decimal("0.00001")  # AdministrativeUnit.latitude / longitude: 5 decimals (about 1 m)
# A point outside these is a slip in the package's data, not a place in Viet Nam (Trường Sa lies at 114,5° E).
LATITUDES, LONGITUDES = (Decimal(8), Decimal(24)), (Decimal(102), Decimal(118))


def _point(latitude: float | None, longitude: float | None) -> Point | None:
    if latitude is None or longitude is None:
        return None
    point = (Decimal(str(latitude)).quantize(POINT_PLACES), Decimal(str(longitude)).quantize(POINT_PLACES))
    inside = LATITUDES[0] <= point[0] <= LATITUDES[1] and LONGITUDES[0] <= point[1] <= LONGITUDES[1]
    return point if inside else None


def unit_points(
    legacy_rows: Iterable[dict[str, Any]],
    new_rows: Iterable[dict[str, Any]],
    new_provinces: dict[str, str],
    new_wards: dict[tuple[str, str], str],
) -> dict[Key, Point]:
    """A point inside each province and commune of both maps, from vietnamadminunits' provinceLat/Lon
    and wardLat/Lon columns. The legacy map's rows carry our codes; today's map's rows are matched
    through their keys (resolve_new_ward_keys), since 123 of their ward codes are not vietnam_provinces'."""
    old_map, new_map = AdminMap.LEGACY.value, AdminMap.CURRENT.value
    points: dict[Key, Point] = {}

    def put(key: Key, point: Point | None) -> None:
        if point is not None:
            points.setdefault(key, point)

    for r in legacy_rows:
        put((old_map, r["provinceCode"]), _point(r["provinceLat"], r["provinceLon"]))
        if r["wardCode"] is not None:
            put((old_map, r["wardCode"]), _point(r["wardLat"], r["wardLon"]))
    for r in new_rows:
        put((new_map, new_provinces[r["provinceKey"]]), _point(r["provinceLat"], r["provinceLon"]))
        ward = new_wards.get((r["provinceKey"], r["wardKey"]))
        if ward is not None:
            put((new_map, ward), _point(r["wardLat"], r["wardLon"]))
    return points


def with_points(units: Iterable[UnitData], points: dict[Key, Point]) -> list[UnitData]:
    """The units, each province and commune with its point when the package gives one."""
    located = []
    for unit in units:
        point = points.get(unit.key) if unit.level in (UnitLevel.PROVINCE, UnitLevel.COMMUNE) else None
        located.append(replace(unit, latitude=point[0], longitude=point[1]) if point else unit)
    return located


def build_country_map() -> CountryMap:
    """Read every source and build the whole map in memory (no database access)."""
    notes: list[str] = []
    regions = read_regions()
    divisions = read_current_divisions()
    current = build_current_units(divisions, regions)
    legacy_rows = read_vau_table("admin_units_legacy")
    new_rows = read_vau_table("admin_units")
    legacy_units, legacy_index = build_legacy_units(legacy_rows, regions)
    new_provinces, new_wards = resolve_new_ward_keys(divisions, new_rows, notes)
    successions, orphans = build_successions(read_converter(), legacy_index, new_provinces, new_wards, notes)
    points = unit_points(legacy_rows, new_rows, new_provinces, new_wards)
    units = with_points([*_statistical_units(), *current, *legacy_units], points)
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
