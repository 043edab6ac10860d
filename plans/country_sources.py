"""The country map's sources, and the shapes the map is built in.

Sources, none typed by hand except the region table:

- today's map (admin_map "34"): `vietnam_provinces` (nested-divisions.json: 34 provinces, 3.321 communes,
  official codes of QĐ 19/2025/QĐ-TTg), valid from 1/7/2025;
- the legacy map (admin_map "63"): `vietnamadminunits` (SQLite table admin_units_legacy: 63 provinces,
  their districts and communes), valid to 30/6/2025;
- the 1/7/2025 links (UnitSuccession): `vietnamadminunits`' converter_2025.json, whose keys are the
  provinceKey/districtKey/wardKey columns of its dataset tables;
- the six socio-economic regions: data/regions.csv (GSO's regions, NQ 81/2023/QH15; see its header);
- a point inside each province and commune of both maps (for the dot maps): the provinceLat/Lon and
  wardLat/Lon columns of `vietnamadminunits`' dataset tables (the same figures as its parser_*.json).

plans.country_build builds the map in memory from them; plans.country_map loads it.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from django.conf import settings

from plans.models import AdminMap

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

NATION_KEY: Key = (AdminMap.STATISTICAL.value, NATION_CODE)


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
    latitude: Decimal | None = None  # a point inside the unit (vietnamadminunits), for the dot maps
    longitude: Decimal | None = None

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


# ---------------------------------------------------------------------------------------------
# Reading the packages


def _package_dir(name: str) -> Path:
    """Where an installed package lives, without importing it (vietnamadminunits' __init__ is slow)."""
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise CountryMapError(f"The package {name} is not installed.")
    return Path(next(iter(spec.submodule_search_locations)))


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
