"""Plausible illustrative yearly figures, drawn in memory: deterministic, never from row ids.

Each value comes from a random generator seeded with the indicator's and the unit's codes, so the
same options give the same figures on every run and every database. `draw` returns the rows;
the generate_illustrative_actuals command decides what to write and writes them.

What is drawn, for every indicator given:
- the 2025 map: every commune, and every province as the sum of its communes (rates from the
  summed numerators and denominators);
- the map before 1/7/2025: every district, and every province as the sum of its districts, for
  the years up to 2024 (the last year-end before the merger);
- indicators about districts (yes/no per district, number of districts) only on the old map;
- the nation and the regions are not drawn: indicators.rollups adds them up.
Most figures are approved; in the last year about one in eight is submitted (pending review), and
a few of the two years before are approved late corrections, so that every mark on the pages
shows.

A key that has a figure of another source (`taken`) is never drawn, and a province one of whose
units has such a figure that year is left to indicators.rollups to add up. Where the household
register has figures for a unit (`register`), its other years are drawn from the register's
nearest figure, so that a series does not jump where its source changes.
Rates move smoothly: a "lower is better" rate falls each year by 8–18 % of where it started,
between 0,1 and 3 points, never rises and stops at 0,05 %; counts agree with rates (poor and
near-poor households are the rates' numerators, households reviewed their denominator, and the
households leaving and entering poverty add up to the change in poor households).
"""

import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal

from indicators.models import Aggregation, Direction, Indicator, MeasureUnit
from plans.models import AdministrativeUnit, AdminMap, UnitLevel
from review.models import ReviewStatus

FIRST_YEAR, LAST_YEAR = 2020, 2026
LEGACY_LAST_YEAR = 2024  # the last year-end before the 1/7/2025 merger
SEED = "povertyplan"
PENDING_SHARE = 0.12
LATE_CORRECTION_SHARE = 0.02

# Scale hints for the seed catalogue (per leaf unit and year); other indicators get generic ones.
FLOW_PER_COMMUNE = {"LD02": (60, 330), "LD03": (1, 12)}
# Counts made from a rate's figures of the same unit and year, so that counts and rates agree:
# poor households = GN01's numerator, near-poor ones = GN02's, households reviewed = GN01's denominator.
NUMERATOR_OF = {"GN03": "GN01", "HN02": "GN02"}
DENOMINATOR_OF = {"HN01": "GN01"}
# Rates of the same households share their denominator (the near-poor rate counts GN01's households).
BASE_OF = {"GN02": "GN01"}
# The year's movements in and out of poverty, consistent with the change in poor households.
MOVEMENTS_OF = {"HN03": "escaped", "HN04": "new_poor", "HN05": "fallen_back"}
POOR_RATE = "GN01"
# A count of districts that is the yes/no indicator of each district added up.
DISTRICT_FLAG_OF = {"GN08": "GN07"}
DERIVED = {*NUMERATOR_OF, *DENOMINATOR_OF, *MOVEMENTS_OF, *DISTRICT_FLAG_OF}

# Poverty is higher in the mountains: the starting rate of "lower is better" rates by region.
REGION_RATE = {"TDMNPB": (7.0, 18.0), "TN": (4.0, 11.0), "BTBDHMT": (2.5, 8.0), "DBSCL": (2.0, 6.0),
               "DBSH": (0.5, 3.0), "DNB": (0.3, 2.0)}
REGION_DIFFICULT = {"TDMNPB": 0.45, "TN": 0.3, "BTBDHMT": 0.2, "DBSCL": 0.12, "DBSH": 0.03, "DNB": 0.03}
# A "lower is better" rate falls each year by a share of where it started, in points, within these
# bounds; each year's figure strays from the line by at most NOISE of that fall, so a series never
# rises, and it stops at RATE_FLOOR. A province's series, an average of its units', does the same.
RATE_DECLINE_SHARE = (0.08, 0.18)
RATE_DECLINE_POINTS = (0.1, 3.0)
NOISE = 0.12
RATE_FLOOR = 0.05
COMMUNE_HOUSEHOLDS, DISTRICT_HOUSEHOLDS = (4000, 12000), (20000, 56000)
# A rising rate (trained workers...) gains this many points a year.
RATE_GAIN_POINTS = (0.4, 3.0)


def seeded_random(*parts) -> random.Random:
    """A generator seeded with codes, never row ids: the same draws on every database."""
    digest = hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


@dataclass
class Leaf:
    """A unit whose figures are drawn (a commune of the 2025 map, a district of the old one)."""

    unit_id: int
    key: str  # map and code: stable across databases
    region: str
    level: int
    parent_id: int


@dataclass
class Figure:
    value: Decimal | None = None
    numerator: int | None = None
    denominator: int | None = None


def _is_district_concept(indicator: Indicator) -> bool:
    return indicator.measure_unit in (MeasureUnit.YES_NO, MeasureUnit.DISTRICTS)


def _nearest(anchor: dict[int, Figure], year: int) -> int:
    return min(anchor, key=lambda y: (abs(y - year), y))


def _rate_series(indicator: Indicator, leaf: Leaf, years: list[int], seed: str, anchor: dict[int, Figure]) -> dict:
    """A rate's numerators and denominators: a straight line with a little noise, or, for a unit the
    household register has figures for, the register's figures and a line through the nearest one."""
    rng = seeded_random(seed, indicator.code, leaf.key)
    is_commune = leaf.level == UnitLevel.COMMUNE
    lower = indicator.direction == Direction.LOWER_IS_BETTER
    base_rng = seeded_random(seed, "base", BASE_OF.get(indicator.code, indicator.code), leaf.key)
    # About 26 million households on either map: 3.321 communes today, 696 districts before 2025.
    base = base_rng.randint(*COMMUNE_HOUSEHOLDS) if is_commune else base_rng.randint(*DISTRICT_HOUSEHOLDS)
    if lower:
        low, high = REGION_RATE.get(leaf.region, (1.0, 6.0))
        start = rng.uniform(low, high) * (2.5 if "X2" in indicator.code else 1.0)
        step = -min(max(start * rng.uniform(*RATE_DECLINE_SHARE), RATE_DECLINE_POINTS[0]), RATE_DECLINE_POINTS[1])
    else:
        start, step = rng.uniform(50, 72), rng.uniform(*RATE_GAIN_POINTS)
    out: dict[int, Figure] = {}
    last = None  # the numerator of the year before: a falling rate's count never grows back by rounding
    for y in years:
        noise = rng.uniform(-NOISE, NOISE) * abs(step)
        if y in anchor:
            out[y] = anchor[y]
            last = int(anchor[y].numerator)
            continue
        if anchor:
            near = anchor[_nearest(anchor, y)]
            rate = float(near.numerator) * 100 / float(near.denominator) + step * (y - _nearest(anchor, y)) + noise
            denominator = int(float(near.denominator) * (1.01 ** (y - _nearest(anchor, y))))
        else:
            rate = start + step * (y - FIRST_YEAR) + noise
            denominator = int(base * (1.01 ** (y - FIRST_YEAR)))
        rate = min(max(rate, RATE_FLOOR if lower else 1.0), 99.0)
        numerator = round(denominator * rate / 100)
        if lower and last is not None:
            numerator = min(numerator, last)
        out[y] = Figure(numerator=numerator, denominator=denominator)
        last = numerator
    return out


def _movements(poor: dict[int, Figure], leaf: Leaf, seed: str) -> dict[int, dict[str, int]]:
    """Households that left poverty, fell into it and fell back into it, each year: what the
    change in poor households (GN01's numerators) allows. The year before the first is estimated."""
    rng = seeded_random(seed, "movements", leaf.key)
    out = {}
    for year in sorted(poor):
        now = int(poor[year].numerator)
        before = int(poor[year - 1].numerator) if year - 1 in poor else round(now * 1.15)
        escaped = round(before * rng.uniform(0.2, 0.3))
        inflow = now - before + escaped
        if inflow < 0:
            escaped, inflow = escaped - inflow, 0
        fallen_back = round(inflow * rng.uniform(0.1, 0.25))
        out[year] = {"escaped": escaped, "new_poor": inflow - fallen_back, "fallen_back": fallen_back}
    return out


def _leaf_series(indicator: Indicator, leaf: Leaf, years: list[int], seed: str, drawn: dict,
                 anchor: dict[int, Figure] | None = None) -> dict[int, Figure]:
    """One leaf's yearly figures for one indicator (`anchor`: the register's figures of the leaf)."""
    anchor = anchor or {}
    rng = seeded_random(seed, indicator.code, leaf.key)
    is_commune = leaf.level == UnitLevel.COMMUNE
    lower = indicator.direction == Direction.LOWER_IS_BETTER
    unit = indicator.measure_unit
    code = indicator.code
    if code in NUMERATOR_OF and (NUMERATOR_OF[code], leaf.unit_id) in drawn:
        source = drawn[(NUMERATOR_OF[code], leaf.unit_id)]
        return {y: Figure(value=Decimal(f.numerator)) for y, f in source.items() if f.numerator is not None}
    if code in DENOMINATOR_OF and (DENOMINATOR_OF[code], leaf.unit_id) in drawn:
        source = drawn[(DENOMINATOR_OF[code], leaf.unit_id)]
        return {y: Figure(value=Decimal(f.denominator)) for y, f in source.items() if f.denominator is not None}
    if code in MOVEMENTS_OF and (POOR_RATE, leaf.unit_id) in drawn:
        moves = _movements(drawn[(POOR_RATE, leaf.unit_id)], leaf, seed)
        return {y: Figure(value=Decimal(m[MOVEMENTS_OF[code]])) for y, m in moves.items()}
    if code in DISTRICT_FLAG_OF and (DISTRICT_FLAG_OF[code], leaf.unit_id) in drawn:
        source = drawn[(DISTRICT_FLAG_OF[code], leaf.unit_id)]
        return {y: Figure(value=f.value) for y, f in source.items()}
    if indicator.aggregation == Aggregation.RATIO:
        return _rate_series(indicator, leaf, years, seed, anchor)
    if unit == MeasureUnit.YES_NO:
        poor = rng.random() < 0.11
        leaves_in = rng.randint(FIRST_YEAR + 1, 2030)
        return {y: Figure(value=Decimal(1 if poor and y < leaves_in else 0)) for y in years}
    if unit == MeasureUnit.PERCENT:  # a rate that does not add up: drawn for every unit alike
        start, slope = rng.uniform(62, 88), rng.uniform(-0.5, 2.5)
        return {y: Figure(value=Decimal(str(round(min(start + slope * (y - FIRST_YEAR), 100.0), 2)))) for y in years}
    if anchor:  # a count the register has for some years: the nearest one, a little less each year on
        change = rng.uniform(0.03, 0.12) * (-1 if lower else 1)
        out = {}
        for y in years:
            near = _nearest(anchor, y)
            out[y] = anchor[y] if y in anchor else Figure(
                value=Decimal(max(0, round(float(anchor[near].value) * (1 + change) ** (y - near)))))
        return out
    if lower:  # a stock that should fall: difficult communes, villages, poor households...
        if unit == MeasureUnit.COMMUNES:
            share = REGION_DIFFICULT.get(leaf.region, 0.1)
            start = (1 if rng.random() < share else 0) if is_commune else rng.randint(0, int(30 * share) + 1)
        elif unit == MeasureUnit.VILLAGES:
            start = rng.randint(0, 6) if is_commune else rng.randint(0, 50)
        else:
            start = rng.randint(0, 4) if is_commune else rng.randint(0, 40)
        decline, ends = rng.uniform(0.05, 0.35), FIRST_YEAR + rng.randint(1, 9)
        return {
            y: Figure(value=Decimal(round(start * (1 - decline) ** (y - FIRST_YEAR)) if start > 1 else (start if y < ends else 0)))
            for y in years
        }
    low, high = FLOW_PER_COMMUNE.get(code, (50, 400))
    if not is_commune:  # a district of the old map held about ten communes
        low, high = low * 10, high * 10
    mean = rng.uniform(low, high)
    return {y: Figure(value=Decimal(max(0, round(mean * rng.uniform(0.8, 1.2))))) for y in years}


def _sum(figures: list[Figure], aggregation: str) -> Figure:
    if aggregation == Aggregation.RATIO:
        return Figure(numerator=sum(int(f.numerator) for f in figures), denominator=sum(int(f.denominator) for f in figures))
    return Figure(value=sum((f.value for f in figures), Decimal(0)))


@dataclass
class Row:
    indicator_id: int
    unit_id: int
    year: int
    figure: Figure
    status: str
    is_late_correction: bool


Key = tuple[int, int, int]  # indicator id, unit id, year


def draw(indicators: list[Indicator], *, years: list[int], communes: bool = True, seed: str = SEED,
         register: dict[tuple[int, int], dict[int, Figure]] | None = None, taken: set[Key] | None = None) -> list[Row]:
    """Every illustrative figure, in memory, in a stable order.

    `register`: the household register's figures, {(indicator id, unit id): {year: Figure}}: a leaf
    the register has figures for gets its other years drawn from them. `taken`: keys that have a
    figure of another source already: never drawn; a province with such a leaf in a year is then
    not written either (indicators.rollups adds it up from its units, with every source's label).
    """
    register, taken = register or {}, taken or set()
    units = list(
        AdministrativeUnit.objects.filter(level__gte=UnitLevel.PROVINCE)
        .exclude(admin_map=AdminMap.LEGACY, level=UnitLevel.COMMUNE)
        .select_related("region", "parent__region")
        .order_by("admin_map", "level", "code")
    )
    provinces = {u.pk: u for u in units if u.level == UnitLevel.PROVINCE}
    keys = {u.pk: f"{u.admin_map}:{u.code}" for u in provinces.values()}
    leaves = [
        Leaf(u.pk, f"{u.admin_map}:{u.code}", provinces[u.parent_id].region.code if provinces[u.parent_id].region_id else "",
             u.level, u.parent_id)
        for u in units
        if (u.admin_map == AdminMap.CURRENT and u.level == UnitLevel.COMMUNE)
        or (u.admin_map == AdminMap.LEGACY and u.level == UnitLevel.DISTRICT)
    ]
    legacy_years = [y for y in years if y <= LEGACY_LAST_YEAR]
    ordered = sorted(indicators, key=lambda i: (i.code in DERIVED, i.code))
    drawn: dict[tuple[str, int], dict[int, Figure]] = {}
    rows: list[Row] = []
    for indicator in ordered:
        by_parent: dict[tuple[int, int], list[Figure]] = {}
        series_of = []
        for leaf in leaves:
            legacy = leaf.level == UnitLevel.DISTRICT
            if _is_district_concept(indicator) and not legacy:
                continue
            series = _leaf_series(indicator, leaf, legacy_years if legacy else years, seed, drawn,
                                  register.get((indicator.pk, leaf.unit_id)))
            drawn[(indicator.code, leaf.unit_id)] = series
            series_of.append((leaf, series))
        mixed = {
            (leaf.parent_id, year)
            for leaf, series in series_of for year in series if (indicator.pk, leaf.unit_id, year) in taken
        }
        for leaf, series in series_of:
            legacy = leaf.level == UnitLevel.DISTRICT
            for year, figure in series.items():
                by_parent.setdefault((leaf.parent_id, year), []).append(figure)
                if (communes or legacy) and (indicator.pk, leaf.unit_id, year) not in taken:
                    # Under a province that roll-ups add up, every figure must count: none pending.
                    rows.append(_row(indicator, leaf.unit_id, leaf.key, year, figure, years[-1], seed,
                                     may_pend=(leaf.parent_id, year) not in mixed))
        for (province_id, year), figures in sorted(by_parent.items()):
            if (indicator.pk, province_id, year) in taken:
                continue
            if indicator.aggregation == Aggregation.NONE:
                if indicator.measure_unit == MeasureUnit.YES_NO:
                    continue  # a yes/no of a district has no province value
                series = _leaf_series(indicator, Leaf(province_id, keys[province_id], "", UnitLevel.PROVINCE, 0), [year], seed, {})
                rows.append(_row(indicator, province_id, keys[province_id], year, series[year], years[-1], seed))
            elif (province_id, year) not in mixed:
                rows.append(_row(indicator, province_id, keys[province_id], year, _sum(figures, indicator.aggregation),
                                 years[-1], seed))
    return rows


def _row(indicator: Indicator, unit_id: int, key: str, year: int, figure: Figure, last_year: int, seed: str,
         may_pend: bool = True) -> Row:
    rng = seeded_random(seed, "status", indicator.code, key, year)
    status, late = ReviewStatus.APPROVED, False
    draw_ = rng.random()
    if year == last_year and draw_ < PENDING_SHARE and may_pend:
        status = ReviewStatus.SUBMITTED
    elif last_year - 2 <= year < last_year and draw_ < LATE_CORRECTION_SHARE:
        late = True
    return Row(indicator.pk, unit_id, year, figure, status, late)
