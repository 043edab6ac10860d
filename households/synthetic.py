"""A synthetic household register for tests, the demo and benchmarks: deterministic, labelled synthetic.

Every household it makes has `is_synthetic` set, a code starting with "GL" (giả lập), an ID
number starting with 000 (no province has that code) and a phone number starting with 01 (no
network uses it), so that it can never be taken for a real person. Names are Vietnamese.
The same seed and communes give the same register, whatever the order of the work.

Classes are computed by households.classification from the standard of each year, as for real
reviews; movements by classification.history. Rows are written with COPY on PostgreSQL (psycopg2's
copy_expert) and bulk_create elsewhere, so that the national register (3.321 communes,
2.500.000 households, two years of reviews) takes minutes, not hours.
"""

import functools
import itertools
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from common.pg_copy import copy_rows
from households.classification import classify, history, thresholds
from households.models import Area, Cause, Household, HouseholdAccessLog, HouseholdReview, LivingClass
from households.standards import standard_for
from plans.models import AdministrativeUnit, AdminMap, UnitLevel, UnitSuccession
from plans.text import search_key

SYNTHETIC_PREFIX = "GL"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Lý", "Đinh", "Lương", "Mai", "Trương", "Lò", "Hà", "Thạch", "Sơn"]
MIDDLE_MALE = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Công", "Xuân", "Ngọc", "Đình"]
MIDDLE_FEMALE = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Bích", "Hồng", "Mỹ", "Diệu"]
GIVEN_MALE = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Huy", "Khang", "Khoa", "Long", "Nam",
              "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Tuấn", "Việt", "Vinh"]
GIVEN_FEMALE = ["Anh", "Chi", "Dung", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngân",
                "Nhung", "Phương", "Quyên", "Thảo", "Trang", "Tuyết", "Vân", "Yến"]

# Share of households below the income line (poor + near-poor) by socio-economic region: rough, for realism only.
LOW_INCOME_SHARE = {"TDMNPB": 0.22, "TN": 0.14, "BTBDHMT": 0.09, "DBSCL": 0.06, "DBSH": 0.03, "DNB": 0.015}
URBAN_LOW_INCOME = 0.35  # wards and towns: about a third of the region's share
ETHNIC_SHARE = {"TDMNPB": 0.6, "TN": 0.35, "BTBDHMT": 0.08, "DBSCL": 0.08, "DBSH": 0.02, "DNB": 0.04}
# How often each deprivation is among a household's (index = position in the standard's list).
DEPRIVATION_WEIGHTS = [6, 3, 2, 7, 5, 2, 3, 2, 4, 6, 4, 2, 3]
CAUSES = [c.value for c in Cause]
CAUSE_WEIGHTS = [20, 12, 8, 14, 16, 14, 4, 8, 4]
MEMBERS = [1, 2, 3, 4, 5, 6, 7, 8]
MEMBER_WEIGHTS = [8, 16, 22, 26, 15, 8, 3, 2]
# A year on: most incomes grow by a share drawn in INCOME_GROWTH, SHOCK_SHARE of households lose a
# part (SHOCK_LOSS); each deprivation is resolved with RESOLVED_SHARE and one appears with
# NEW_DEPRIVATION_SHARE. Tuned so that a province's poverty rate falls by about one point a year
# (a fifth of where it stands), as the demo's plans expect, rather than halving in two years.
INCOME_GROWTH = (0.99, 1.15)
SHOCK_SHARE = 0.05
SHOCK_LOSS = (0.6, 0.9)
RESOLVED_SHARE = 0.1
NEW_DEPRIVATION_SHARE = 0.04


def _cumulative(weights):
    return list(itertools.accumulate(weights))


CAUSE_CUM, MEMBER_CUM = _cumulative(CAUSE_WEIGHTS), _cumulative(MEMBER_WEIGHTS)
DEPRIVATIONS_LOW = ([0, 1, 2, 3, 4, 5, 6], _cumulative([6, 14, 20, 26, 18, 10, 6]))
DEPRIVATIONS_MID = ([0, 1, 2, 3], _cumulative([40, 35, 17, 8]))
DEPRIVATIONS_HIGH = ([0, 1, 2], _cumulative([70, 24, 6]))


@dataclass(frozen=True)
class Slot:
    """Households to make for one commune of today's map (and one legacy commune)."""

    commune_id: int
    commune_code: str
    legacy_commune_id: int | None
    count: int
    area: str
    region: str


@dataclass
class GenerateResult:
    households: int = 0
    reviews: int = 0
    deleted: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    by_class: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _region_codes() -> dict[int, str]:
    """Province id -> region code, for both maps."""
    return dict(
        AdministrativeUnit.objects.filter(level=UnitLevel.PROVINCE, region__isnull=False).values_list("pk", "region__code")
    )


def national_slots(total: int) -> list[Slot]:
    """`total` households spread evenly over today's communes, each split over its legacy communes."""
    communes = list(
        AdministrativeUnit.objects.filter(admin_map=AdminMap.CURRENT, level=UnitLevel.COMMUNE)
        .order_by("code").values_list("pk", "code", "division_type", "parent_id")
    )
    predecessors = defaultdict(list)
    for successor_id, predecessor_id in (
        UnitSuccession.objects.filter(successor__admin_map=AdminMap.CURRENT, successor__level=UnitLevel.COMMUNE,
                                      predecessor__level=UnitLevel.COMMUNE)
        .order_by("predecessor__code").values_list("successor_id", "predecessor_id")
    ):
        predecessors[successor_id].append(predecessor_id)
    regions = _region_codes()
    slots = []
    base, extra = divmod(total, len(communes))
    for i, (pk, code, division_type, province_id) in enumerate(communes):
        count = base + (1 if i < extra else 0)
        area = Area.URBAN if division_type in {"phường", "thị trấn"} else Area.RURAL
        legacy = predecessors.get(pk) or [None]
        share, rest = divmod(count, len(legacy))
        for j, legacy_id in enumerate(legacy):
            n = share + (1 if j < rest else 0)
            if n:
                slots.append(Slot(pk, code, legacy_id, n, area, regions.get(province_id, "DBSH")))
    return slots


def legacy_slots(legacy_units: list[AdministrativeUnit], per_commune: int) -> list[Slot]:
    """`per_commune` households in every legacy commune under these legacy units (provinces, districts),
    each counted in today's commune that its main 2025 link names."""
    unit_ids = [u.pk for u in legacy_units]
    communes = AdministrativeUnit.objects.filter(admin_map=AdminMap.LEGACY, level=UnitLevel.COMMUNE).filter(
        **{"parent__in": unit_ids}
    ) | AdministrativeUnit.objects.filter(admin_map=AdminMap.LEGACY, level=UnitLevel.COMMUNE, parent__parent__in=unit_ids)
    links = {
        predecessor_id: (successor_id, code, division_type, province_id)
        for predecessor_id, successor_id, code, division_type, province_id in UnitSuccession.objects.filter(
            predecessor__in=communes, successor__level=UnitLevel.COMMUNE
        ).order_by("predecessor_id", "is_main").values_list(
            "predecessor_id", "successor_id", "successor__code", "successor__division_type", "successor__parent_id"
        )
    }  # ordered so that the main link (is_main true sorts last) wins
    regions = _region_codes()
    slots = []
    for legacy in communes.order_by("code"):
        if legacy.pk not in links:
            continue
        successor_id, code, division_type, province_id = links[legacy.pk]
        area = Area.URBAN if division_type in {"phường", "thị trấn"} else Area.RURAL
        slots.append(Slot(successor_id, code, legacy.pk, per_commune, area, regions.get(province_id, "DBSH")))
    return slots


class Maker:
    """Makes the households and reviews of one slot, from a seed of its own."""

    def __init__(self, years: list[int], seed: int):
        self.years = sorted(years)
        self.seed = seed
        self.standards = {year: standard_for(year) for year in self.years}
        self.limits = {
            (year, area): thresholds(self.standards[year], area) for year in self.years for area in Area.values
        }
        self.bits = {
            year: list(self.standards[year].indicators.order_by("position").values_list("bit", flat=True))
            for year in self.years
        }

    def households(self, slot: Slot, first_number: int):
        """Yield (household fields, [review fields per year]) for the slot."""
        rng = random.Random(f"{self.seed}:{slot.commune_code}:{slot.legacy_commune_id}")
        low_share = LOW_INCOME_SHARE.get(slot.region, 0.05) * rng.lognormvariate(0, 0.45)
        if slot.area == Area.URBAN:
            low_share *= URBAN_LOW_INCOME
        low_share = min(low_share, 0.6)
        ethnic = ETHNIC_SHARE.get(slot.region, 0.05)
        villages = max(1, slot.count // 120)
        village_word = "Tổ dân phố" if slot.area == Area.URBAN else "Thôn"
        for i in range(slot.count):
            number = first_number + i
            female = rng.random() < 0.3
            name = " ".join((
                rng.choice(FAMILY),
                rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE),
                rng.choice(GIVEN_FEMALE if female else GIVEN_MALE),
            ))
            household = {
                "code": f"{SYNTHETIC_PREFIX}{slot.commune_code}-{number:05d}",
                "head_name": name,
                "head_id_number": f"000{rng.randrange(10**9):09d}",
                "phone": f"01{rng.randrange(10**8):08d}",
                "village": f"{village_word} {rng.randint(1, villages)}",
                "members": rng.choices(MEMBERS, cum_weights=MEMBER_CUM)[0],
                "ethnic_minority": rng.random() < ethnic,
                "merit": rng.random() < 0.03,
                "social_protection": rng.random() < 0.05,
            }
            yield household, self._reviews(rng, slot.area, low_share)

    def _reviews(self, rng: random.Random, area: str, low_share: float) -> list[dict]:
        first = self.years[0]
        line = self.limits[(first, area)].poverty_income
        u = rng.random()
        if u < low_share:
            income = int(line * rng.uniform(0.45, 1.0))
            deprivations = rng.choices(*DEPRIVATIONS_LOW)[0]
        elif u < low_share * 2.2:
            income = int(line * rng.uniform(1.0, 1.5)) + 1
            deprivations = rng.choices(*DEPRIVATIONS_MID)[0]
        else:
            income = int(line * rng.uniform(1.5, 5.0)) + 1
            deprivations = rng.choices(*DEPRIVATIONS_HIGH)[0]
        positions = set()
        indexes = range(len(self.bits[first]))
        cumulative = _cumulative(DEPRIVATION_WEIGHTS[: len(indexes)])
        while len(positions) < deprivations:
            positions.add(rng.choices(indexes, cum_weights=cumulative)[0])
        reviews = []
        cause = rng.choices(CAUSES, cum_weights=CAUSE_CUM)[0]
        for year in self.years:
            if year != first:
                # A year on: incomes grow, a few households meet a shock; some deprivations are resolved.
                income = int(income * (rng.uniform(*SHOCK_LOSS) if rng.random() < SHOCK_SHARE else rng.uniform(*INCOME_GROWTH)))
                positions = {p for p in positions if rng.random() > RESOLVED_SHARE}
                if rng.random() < NEW_DEPRIVATION_SHARE:
                    positions.add(rng.randrange(len(self.bits[year])))
            bits = self.bits[year]
            mask = 0
            for p in positions:
                if p < len(bits):
                    mask |= 1 << bits[p]
            count = bin(mask).count("1")
            living_class = classify(self.limits[(year, area)], income=income, score_a=None, deprivations=count)
            low = living_class in (LivingClass.POOR, LivingClass.NEAR_POOR)
            reviews.append({
                "year": year, "area": area, "income": income, "mask": mask, "count": count,
                "class": living_class, "cause": cause if low else "",
                "exit_plan": "Vay vốn ưu đãi, hỗ trợ sinh kế (dữ liệu giả lập)" if living_class == LivingClass.POOR else "",
            })
        for (year, previous, move), review in zip(history([(r["year"], r["class"]) for r in reviews]), reviews):
            review["previous"], review["movement"] = previous, move
        return reviews


def delete_synthetic(commune_ids: list[int] | None = None) -> int:
    """Remove synthetic households (all, or those of these communes) with their reviews, in bulk."""
    households = Household.objects.filter(is_synthetic=True)
    if commune_ids is not None:
        households = households.filter(commune_id__in=commune_ids)
    ids = households.values("pk")
    HouseholdAccessLog.objects.filter(household__in=ids).update(household=None)
    HouseholdReview.objects.filter(household__in=ids)._raw_delete(HouseholdReview.objects.db)
    count = households.count()
    households._raw_delete(Household.objects.db)
    return count


HOUSEHOLD_COLUMNS = (
    "id", "search_key", "code", "head_name", "head_id_number", "phone", "commune_id", "legacy_commune_id", "village",
    "address", "area", "members", "ethnic_minority", "merit", "social_protection", "is_synthetic", "created_at", "updated_at",
)
REVIEW_COLUMNS = (
    "household_id", "year", "standard_id", "area", "income", "deprivation_mask", "deprivation_count", "living_class",
    "previous_class", "movement", "cause", "exit_plan", "support", "decision", "created_at", "updated_at",
)


@functools.lru_cache(maxsize=None)
def _key(text: str) -> str:
    return search_key(text)


def _search_key_fast(code: str, name: str, village: str) -> str:
    """plans.text.search_key(code, name, village), with names and villages (few and repeated) cached."""
    return f"{code.lower()} {_key(name)} {_key(village)}"


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


@transaction.atomic
def generate(slots: list[Slot], *, years: list[int], seed: int = 2025, replace: bool = True,
             progress=None) -> GenerateResult:
    """Write the slots' synthetic households and their reviews of `years`, all or nothing."""
    started = time.monotonic()
    result = GenerateResult()
    use_copy = connection.vendor == "postgresql"
    if use_copy and _is_superuser():
        # Rows are deleted child first and written with ids just read, so the foreign keys hold by
        # construction: skip the per-row checks (millions of trigger events) in this transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    if replace:
        result.deleted = delete_synthetic(sorted({s.commune_id for s in slots}))
    result.seconds["delete"] = time.monotonic() - started
    maker = Maker(years, seed)
    standard_ids = {year: maker.standards[year].pk for year in years}
    now = timezone.now().isoformat()
    next_id = (Household.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    numbers: dict[int, int] = defaultdict(int)
    existing = Household.objects.filter(code__startswith=SYNTHETIC_PREFIX).count()
    if existing:  # keep codes unique beside synthetic households left in other communes
        for commune_id in {s.commune_id for s in slots}:
            numbers[commune_id] = Household.objects.filter(commune_id=commune_id, code__startswith=SYNTHETIC_PREFIX).count()
    household_buffer, review_buffer = [], []
    buffered = 0

    def flush():
        nonlocal buffered
        if not household_buffer:
            return
        if use_copy:
            with connection.cursor() as cursor:
                copy_rows(cursor, table=Household._meta.db_table, columns=HOUSEHOLD_COLUMNS, rows=household_buffer)
                copy_rows(cursor, table=HouseholdReview._meta.db_table, columns=REVIEW_COLUMNS, rows=review_buffer)
        else:
            Household.objects.bulk_create(household_buffer, batch_size=500)
            HouseholdReview.objects.bulk_create(review_buffer, batch_size=500)
        household_buffer.clear()
        review_buffer.clear()
        buffered = 0

    for slot in slots:
        start_number = numbers[slot.commune_id] + 1
        numbers[slot.commune_id] += slot.count
        for household, reviews in maker.households(slot, start_number):
            pk = next_id
            next_id += 1
            key = _search_key_fast(household["code"], household["head_name"], household["village"])
            if use_copy:
                row = (pk, key, household["code"], household["head_name"], household["head_id_number"], household["phone"],
                       slot.commune_id, slot.legacy_commune_id, household["village"], "", slot.area, household["members"],
                       household["ethnic_minority"], household["merit"], household["social_protection"], True, now, now)
                household_buffer.append(row)
            else:
                household_buffer.append(Household(
                    pk=pk, search_key=key, commune_id=slot.commune_id, legacy_commune_id=slot.legacy_commune_id,
                    area=slot.area, is_synthetic=True, **household,
                ))
            for review in reviews:
                result.by_class[review["class"]] += 1
                if use_copy:
                    row = (pk, review["year"], standard_ids[review["year"]], review["area"], review["income"], review["mask"],
                           review["count"], review["class"], review["previous"], review["movement"], review["cause"],
                           review["exit_plan"], "", "", now, now)
                    review_buffer.append(row)
                else:
                    review_buffer.append(HouseholdReview(
                        household_id=pk, year=review["year"], standard_id=standard_ids[review["year"]], area=review["area"],
                        income=review["income"], deprivation_mask=review["mask"], deprivation_count=review["count"],
                        living_class=review["class"], previous_class=review["previous"], movement=review["movement"],
                        cause=review["cause"], exit_plan=review["exit_plan"],
                    ))
            result.reviews += len(reviews)
            result.households += 1
            buffered += 1
        if buffered >= 50000:
            flush()
            if progress:
                progress(result.households)
    flush()
    if use_copy:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {Household._meta.db_table}))",
                [Household._meta.db_table],
            )
            cursor.execute(f"ANALYZE {Household._meta.db_table}")
            cursor.execute(f"ANALYZE {HouseholdReview._meta.db_table}")
    result.seconds["write"] = time.monotonic() - started - result.seconds["delete"]
    return result
