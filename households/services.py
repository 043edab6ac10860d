"""Writes of the household register: standards, households, reviews, the register's figures, the access log.

Every write that a person makes checks plans.access first (Action.KEEP_REGISTER) and keeps an
audit entry; a review's class is always computed here (households.classification), never taken
from the user. `recompute_register` turns one year's reviews into RegisterStat rows on both maps
and the register's actuals (indicators.Actual, source REGISTER) of the units open at the year's end.
"""

import csv
import io
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from households.classification import ClassificationError, classify, history, thresholds
from households.models import (
    AccessAction,
    Area,
    DeprivationIndicator,
    Household,
    HouseholdAccessLog,
    HouseholdReview,
    LivingClass,
    Movement,
    PovertyStandard,
    RegisterStat,
)
from households.register_coverage import closed_units, complete_units, units_fed
from indicators.models import Actual, ActualSource, Indicator, PeriodKind
from indicators.rollups import refresh_yearly_values
from plans import workflow
from plans.access import Action, require
from plans.models import AdministrativeUnit, AdminMap, ReviewStatus, UnitLevel, UnitSuccession
from plans.text import parse_number

STANDARDS_FOLDER = Path(settings.BASE_DIR) / "data" / "standards"
REORGANISATION_YEAR = 2025  # the 2025 review (Sep–Dec) ran on the 34-province map


# ---------------------------------------------------------------------------------------------
# Standards


# Standards whose classification rule the register does not implement: they label figures only
# (QĐ 09/2011 counts income only; QĐ 59/2015: an income at or below the line is poor whatever the
# deprivations; data/standards/README.md).
FIGURES_ONLY_STANDARDS = {"qd-09-2011", "qd-59-2015"}


def standard_for(year: int) -> PovertyStandard:
    """The standard the household register classifies the year's reviews by."""
    standard = PovertyStandard.objects.filter(first_year__lte=year, last_year__gte=year).first()
    if standard is None:
        raise ValidationError({"year": f"Chưa có chuẩn nghèo nào áp dụng cho năm {year} (nạp bằng load_standards)."})
    if standard.code in FIGURES_ONLY_STANDARDS:
        raise ValidationError({"year": (
            f"Năm {year} áp dụng chuẩn nghèo {standard.legal_basis}, có quy tắc phân loại hộ khác: sổ hộ chưa "
            f"rà soát theo chuẩn này (chuẩn chỉ dùng để ghi chuẩn của số liệu)."
        )})
    return standard


def _number(text: str) -> int | None:
    text = (text or "").strip()
    return int(parse_number(text)) if text else None


def _yes(text: str) -> bool:
    return (text or "").strip().lower() in {"có", "co", "x", "1", "yes"}


@dataclass
class StandardsResult:
    created: int = 0
    unchanged: int = 0
    updated: int = 0
    differences: list[str] = field(default_factory=list)
    reclassified: int = 0


STANDARD_COLUMNS = {
    "name": "Tên", "legal_basis": "Văn bản quy định", "first_year": "Từ năm", "last_year": "Đến năm",
    "years_basis": "Căn cứ thời gian áp dụng", "poverty_income_rural": "Chuẩn nghèo nông thôn",
    "poverty_income_urban": "Chuẩn nghèo thành thị", "middle_income_rural": "Mức sống trung bình nông thôn đến",
    "middle_income_urban": "Mức sống trung bình thành thị đến", "min_deprivations": "Số thiếu hụt để là hộ nghèo",
    "score_cutoff_rural": "Ngưỡng điểm A nông thôn", "score_cutoff_urban": "Ngưỡng điểm A thành thị",
    "confirmed": "Đã xác nhận", "note": "Ghi chú",
}
NUMBER_FIELDS = {
    "first_year", "last_year", "poverty_income_rural", "poverty_income_urban", "middle_income_rural",
    "middle_income_urban", "min_deprivations", "score_cutoff_rural", "score_cutoff_urban",
}
INDICATOR_COLUMNS = {
    "dimension": "Chiều thiếu hụt", "name": "Chỉ số", "threshold": "Ngưỡng thiếu hụt", "bit": "Vị trí lưu",
    "position": "Thứ tự", "confirmed": "Đã xác nhận", "note": "Ghi chú",
}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _values(row: dict[str, str], columns: dict[str, str], numbers: set[str]) -> dict:
    values = {}
    for name, column in columns.items():
        raw = row.get(column, "")
        if name == "confirmed":
            values[name] = _yes(raw)
        elif name in numbers:
            values[name] = _number(raw)
        else:
            values[name] = (raw or "").strip()
    return values


def _apply(instance, values: dict, *, label: str, update: bool, result: StandardsResult) -> bool:
    """Compare and (with update) write the file's values; True when the instance changed."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return False
    for name in changed:
        result.differences.append(f"{label}: {name} = {getattr(instance, name)!r} (tệp: {values[name]!r})")
    if update:
        for name in changed:
            setattr(instance, name, values[name])
        instance.full_clean()
        instance.save()
    return update


@transaction.atomic
def load_standards(folder: Path = STANDARDS_FOLDER, *, update: bool = False) -> StandardsResult:
    """Create the standards and indicators of data/standards that are missing.

    Existing rows are left as an admin may have corrected them; their differences from the files
    are listed. With `update`, the files win and the reviews of changed standards are re-classified.
    """
    result = StandardsResult()
    changed_standards = set()
    for row in _read_csv(folder / "standards.csv"):
        code = row["Mã chuẩn"].strip()
        values = _values(row, STANDARD_COLUMNS, NUMBER_FIELDS)
        standard = PovertyStandard.objects.filter(code=code).first()
        if standard is None:
            standard = PovertyStandard(code=code, **values)
            standard.full_clean()
            standard.save()
            result.created += 1
        elif _apply(standard, values, label=code, update=update, result=result):
            result.updated += 1
            changed_standards.add(standard.pk)
        else:
            result.unchanged += 1
    for row in _read_csv(folder / "deprivations.csv"):
        standard = PovertyStandard.objects.get(code=row["Mã chuẩn"].strip())
        code = row["Mã chỉ số"].strip()
        values = _values(row, INDICATOR_COLUMNS, {"bit", "position"})
        indicator = DeprivationIndicator.objects.filter(standard=standard, code=code).first()
        if indicator is None:
            indicator = DeprivationIndicator(standard=standard, code=code, **values)
            indicator.full_clean()
            indicator.save()
            result.created += 1
        elif _apply(indicator, values, label=f"{standard.code}/{code}", update=update, result=result):
            result.updated += 1
            changed_standards.add(standard.pk)
        else:
            result.unchanged += 1
    for standard in PovertyStandard.objects.filter(pk__in=changed_standards):
        result.reclassified += reclassify(standard=standard)
    return result


def class_expression(standard: PovertyStandard) -> Case:
    """classification.classify as one SQL expression over a review's columns (for bulk re-classification)."""
    whens = []
    for area in Area.values:
        limits = thresholds(standard, area)
        in_area = Q(area=area)
        low = Q(income__isnull=False, income__lte=limits.poverty_income)
        if limits.score_cutoff is not None:
            low |= Q(income__isnull=True, score_a__lte=limits.score_cutoff)
        poor_enough = Q(deprivation_count__gte=limits.min_deprivations)
        whens += [
            When(in_area & low & poor_enough, then=Value(LivingClass.POOR.value)),
            When(in_area & low, then=Value(LivingClass.NEAR_POOR.value)),
        ]
        if limits.middle_income is not None:
            whens.append(When(in_area & Q(income__isnull=False, income__lte=limits.middle_income), then=Value(LivingClass.MIDDLE.value)))
    return Case(*whens, default=Value(LivingClass.NOT_POOR.value))


def reclassify(*, standard: PovertyStandard) -> int:
    """After a correction of the standard: re-count deprivations, re-classify its reviews. Returns how many changed."""
    valid_mask = sum(1 << bit for bit in standard.indicators.values_list("bit", flat=True))
    reviews = HouseholdReview.objects.filter(standard=standard)
    for review in reviews.exclude(deprivation_mask=F("deprivation_mask").bitand(valid_mask)).only("id", "deprivation_mask"):
        review.deprivation_mask &= valid_mask
        review.deprivation_count = bin(review.deprivation_mask).count("1")
        review.save(update_fields=["deprivation_mask", "deprivation_count"])
    stale = reviews.annotate(new_class=class_expression(standard)).exclude(living_class=F("new_class"))
    changed_households = set(stale.values_list("household_id", flat=True))
    count = len(changed_households)
    if changed_households:
        reviews.update(living_class=class_expression(standard))
        refresh_history(household_ids=changed_households)
    return count


# ---------------------------------------------------------------------------------------------
# Households and reviews


def seat_predecessor(commune: AdministrativeUnit) -> AdministrativeUnit | None:
    """The legacy commune a current one stands for: the one with its code (the seat, QĐ 124/2004), else
    the first whose main successor it is, else its first predecessor commune."""
    links = (
        UnitSuccession.objects.filter(successor=commune, predecessor__level=UnitLevel.COMMUNE)
        .select_related("predecessor")
        .order_by("-is_main", "predecessor__code")
    )
    predecessors = [link.predecessor for link in links]
    return next((p for p in predecessors if p.code == commune.code), predecessors[0] if predecessors else None)


def main_successor(legacy_commune: AdministrativeUnit) -> AdministrativeUnit | None:
    """Where a legacy commune's households count on today's map: its main successor (is_main)."""
    link = (
        UnitSuccession.objects.filter(predecessor=legacy_commune, successor__level=UnitLevel.COMMUNE)
        .select_related("successor")
        .order_by("-is_main", "successor__code")
        .first()
    )
    return link.successor if link else None


HOUSEHOLD_FIELDS = (
    "head_name", "head_id_number", "phone", "village", "address", "area", "members",
    "ethnic_minority", "merit", "social_protection",
)


def check_communes(commune: AdministrativeUnit | None, legacy_commune: AdministrativeUnit | None):
    """Fill the missing one of (today's commune, legacy commune) from the 2025 links; check they fit."""
    if commune is None and legacy_commune is None:
        raise ValidationError({"commune": "Chọn xã, phường của hộ."})
    if commune is None:
        commune = main_successor(legacy_commune)
        if commune is None:
            raise ValidationError({"legacy_commune": f"{legacy_commune.name} không có xã kế thừa; hãy chọn xã hiện nay."})
    if commune.level != UnitLevel.COMMUNE or commune.admin_map != AdminMap.CURRENT:
        raise ValidationError({"commune": "Xã, phường phải thuộc bản đồ 34 tỉnh (từ 1/7/2025)."})
    if legacy_commune is None:
        legacy_commune = seat_predecessor(commune)
    elif legacy_commune.level != UnitLevel.COMMUNE or legacy_commune.admin_map != AdminMap.LEGACY:
        raise ValidationError({"legacy_commune": "Xã cũ phải thuộc bản đồ 63 tỉnh (trước 1/7/2025)."})
    elif not UnitSuccession.objects.filter(predecessor=legacy_commune, successor=commune).exists():
        raise ValidationError({"legacy_commune": f"{legacy_commune.name} không sáp nhập vào {commune.name}."})
    return commune, legacy_commune


@transaction.atomic
def save_household(
    *,
    user,
    commune: AdministrativeUnit | None,
    legacy_commune: AdministrativeUnit | None = None,
    household: Household | None = None,
    code: str = "",
    **values,
) -> Household:
    """Create a household of `commune` (or change one); the officer must keep that commune's register."""
    commune, legacy_commune = check_communes(commune, legacy_commune)
    if household is not None:
        household = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
        require(user, Action.KEEP_REGISTER, unit=household.commune)
        before = workflow.snapshot(household)
    else:
        before = None
        household = Household(code=code.strip() or next_household_code(commune))
    require(user, Action.KEEP_REGISTER, unit=commune)
    household.commune, household.legacy_commune = commune, legacy_commune
    for name in HOUSEHOLD_FIELDS:
        if name in values:
            value = values[name]
            setattr(household, name, value.strip() if isinstance(value, str) else value)
    if not household.area:
        household.area = default_area(commune)
    household.full_clean()
    household.save()
    workflow.record_audit(user=user, instance=household, action="update" if before else "create",
                          before=before, after=workflow.snapshot(household))
    return household


URBAN_KINDS = ("phường", "thị trấn")


def default_area(commune: AdministrativeUnit) -> str:
    """Phường (and thị trấn) are urban, xã and đặc khu rural: the default for a new household.
    Read from the unit's kind, or from its name ("Phường Vị Thanh") where the kind was not loaded."""
    kind = (commune.division_type or commune.name or "").strip().lower()
    return Area.URBAN if kind.startswith(URBAN_KINDS) else Area.RURAL


def next_household_code(commune: AdministrativeUnit) -> str:
    prefix = f"{commune.code}-"
    last = Household.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
    number = int(last.rsplit("-", 1)[1]) + 1 if last and last.rsplit("-", 1)[1].isdigit() else 1
    return f"{prefix}{number:05d}"


def deprivation_mask(standard: PovertyStandard, codes: list[str]) -> int:
    """The review's bits for these indicator codes of the standard; an unknown code is an error."""
    bits = dict(standard.indicators.values_list("code", "bit"))
    unknown = [code for code in codes if code not in bits]
    if unknown:
        raise ValidationError(
            {"deprivations": f"Chuẩn {standard.legal_basis} không có chỉ số: {', '.join(unknown)}."}
        )
    mask = 0
    for code in codes:
        mask |= 1 << bits[code]
    return mask


def classify_review(review: HouseholdReview) -> None:
    """Set the review's deprivation count and class from its standard (the only place a class is set)."""
    review.deprivation_count = bin(review.deprivation_mask).count("1")
    try:
        review.living_class = classify(
            thresholds(review.standard, review.area), income=review.income, score_a=review.score_a,
            deprivations=review.deprivation_count,
        )
    except ClassificationError as error:
        raise ValidationError({"income": str(error)}) from None


REVIEW_FIELDS = ("income", "score_a", "cause", "exit_plan", "support", "decision")


@transaction.atomic
def save_review(
    *,
    user,
    household: Household,
    year: int,
    deprivations: list[str],
    area: str = "",
    **values,
) -> HouseholdReview:
    """Record (or change) the household's review of `year`; its class follows from the standard."""
    household = Household.objects.select_for_update(of=("self",)).select_related("commune").get(pk=household.pk)
    require(user, Action.KEEP_REGISTER, unit=household.commune)
    standard = standard_for(year)
    review = HouseholdReview.objects.filter(household=household, year=year).first()
    before = workflow.snapshot(review) if review else None
    if review is None:
        review = HouseholdReview(household=household, year=year)
    review.standard = standard
    review.area = area or household.area
    for name in REVIEW_FIELDS:
        if name in values:
            value = values[name]
            setattr(review, name, value.strip() if isinstance(value, str) else value)
    review.deprivation_mask = deprivation_mask(standard, deprivations)
    classify_review(review)
    review.full_clean(exclude=["household"])
    review.save()
    refresh_history(household_ids={household.pk})
    review.refresh_from_db()
    workflow.record_audit(user=user, instance=review, action="update" if before else "create",
                          before=before, after=workflow.snapshot(review))
    return review


def refresh_history(*, household_ids) -> int:
    """Re-derive previous class and movement of these households' reviews. Returns how many changed."""
    ids = list(household_ids)
    changed = []
    for start in range(0, len(ids), 5000):
        reviews = defaultdict(list)
        for review in HouseholdReview.objects.filter(household_id__in=ids[start:start + 5000]).only(
            "id", "household_id", "year", "living_class", "previous_class", "movement"
        ):
            reviews[review.household_id].append(review)
        for household_reviews in reviews.values():
            by_year = {r.year: r for r in household_reviews}
            for year, previous, move in history([(r.year, r.living_class) for r in household_reviews]):
                review = by_year[year]
                if (review.previous_class, review.movement) != (previous, move):
                    review.previous_class, review.movement = previous, move
                    changed.append(review)
    HouseholdReview.objects.bulk_update(changed, ["previous_class", "movement"], batch_size=2000)
    return len(changed)


def log_access(*, user, action: str, unit: AdministrativeUnit, household: Household | None = None,
               rows: int = 1, detail: str = "", reason: str = "") -> HouseholdAccessLog:
    return HouseholdAccessLog.objects.create(
        user=user, action=action, unit=unit, household=household, rows=rows, detail=detail[:300], reason=reason[:500]
    )


def log_view(*, user, household: Household) -> HouseholdAccessLog:
    return log_access(user=user, action=AccessAction.VIEW, unit=household.commune, household=household,
                      detail=household.code)


# ---------------------------------------------------------------------------------------------
# The register's figures


# Register indicators: code -> how its actual is made from a unit's figures.
RATE_INDICATORS = {"GN01": "poor", "GN02": "near_poor"}  # numerator field / total
COUNT_INDICATORS = {
    "GN03": "poor", "GN06": "merit_poor", "HN01": "total", "HN02": "near_poor",
    "HN03": "escaped", "HN04": "new_poor", "HN05": "fallen_back",
}
REGISTER_INDICATORS = (*RATE_INDICATORS, *COUNT_INDICATORS)

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


@dataclass
class RecomputeResult:
    year: int
    units: int = 0
    households: int = 0
    actuals_created: int = 0
    actuals_updated: int = 0
    actuals_unchanged: int = 0
    actuals_deleted: int = 0
    actuals_kept: int = 0  # figures people entered for the same unit and year: never overwritten
    actuals_replaced: int = 0  # illustrative figures of the same unit and year: the register's win
    units_partly_synthetic: int = 0  # units a synthetic register covers in part: no figure written
    seconds: dict[str, float] = field(default_factory=dict)


def _unit_tree() -> dict[int, tuple[int | None, int, str, int | None]]:
    """id -> (parent id, level, map, region id) for every unit, in one query."""
    return {
        pk: (parent_id, level, admin_map, region_id)
        for pk, parent_id, level, admin_map, region_id in AdministrativeUnit.objects.values_list(
            "pk", "parent_id", "level", "admin_map", "region_id"
        )
    }


def _tally_groups(year: int, bits: list[int]):
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
    tree = _unit_tree()
    tallies: dict[int, Tally] = {}

    def tally(unit_id: int) -> Tally:
        if unit_id not in tallies:
            tallies[unit_id] = Tally(len(bits))
        return tallies[unit_id]

    for row in _tally_groups(year, bits).iterator(chunk_size=5000):
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
    _write_actuals(year, figures, now, result, standard=standard.code)
    result.seconds["actuals"] = time.monotonic() - started - sum(result.seconds.values())
    # The dashboards' table of yearly values, for the indicators the register feeds.
    refresh_yearly_values(
        indicator_ids=Indicator.objects.filter(code__in=REGISTER_INDICATORS).values_list("pk", flat=True), years=[year]
    )
    result.seconds["yearly_values"] = time.monotonic() - started - sum(result.seconds.values())
    result.seconds["total"] = time.monotonic() - started
    return result


def register_standards(standard: str) -> dict[str, tuple[int, str]]:
    """{code: (indicator id, the standard its register figures are stamped with)} of the register's
    indicators: the year's standard for those that depend on it, "" for the others."""
    rows = Indicator.objects.filter(code__in=REGISTER_INDICATORS).values_list("code", "pk", "depends_on_standard")
    return {code: (pk, standard if depends else "") for code, pk, depends in rows}


def _write_actuals(year: int, figures: dict[int, dict[str, int]], now, result: RecomputeResult, *, standard: str) -> None:
    """The register's actuals of the year: source SYNTHETIC where synthetic households entered the
    figure, REGISTER otherwise, under the year's poverty standard (for the indicators that depend on
    it). Figures people entered or imported for the same unit and year are kept; illustrative ones
    are replaced (one figure per indicator, unit and year, the register's); figures under another
    standard are other figures, left alone."""
    stamped = register_standards(standard)
    indicators = {code: pk for code, (pk, _) in stamped.items()}
    standard_of = dict(stamped.values())  # indicator id -> standard
    missing = set(REGISTER_INDICATORS) - set(indicators)
    if missing:
        raise ValidationError(f"Thiếu chỉ số trong danh mục: {', '.join(sorted(missing))} (chạy load_cascade và migrate).")
    wanted: dict[tuple[int, int], tuple] = {}
    for unit_id, counts in figures.items():
        total = counts["total"]
        if not total:
            continue
        source = ActualSource.SYNTHETIC if counts["synthetic"] else ActualSource.REGISTER
        for code, name in RATE_INDICATORS.items():
            wanted[(indicators[code], unit_id)] = (None, Decimal(counts[name]), Decimal(total), source)
        for code, name in COUNT_INDICATORS.items():
            wanted[(indicators[code], unit_id)] = (Decimal(counts[name]), None, None, source)
    existing = Actual.objects.filter(
        year=year, period_kind=PeriodKind.YEAR, period_number=0, indicator_id__in=indicators.values(), breakdown="",
        standard__in={standard, ""},
    ).values_list("pk", "indicator_id", "unit_id", "source", "value", "numerator", "denominator", "standard")
    stale, writes = [], []
    seen = set()
    for pk, indicator_id, unit_id, source, value, numerator, denominator, figure_standard in existing.iterator(chunk_size=10000):
        key = (indicator_id, unit_id)
        if figure_standard != standard_of[indicator_id]:
            # Written before figures had a standard: the register's and illustrative ones are
            # rewritten under it; one people entered stands for the year's standard and is kept.
            if source in REGISTER_SOURCES or source == ActualSource.ILLUSTRATIVE:
                stale.append(pk)
                continue
        if source == ActualSource.ILLUSTRATIVE:
            if key in wanted:
                seen.add(key)
                writes.append(key)
                result.actuals_replaced += 1
            continue
        if source not in REGISTER_SOURCES:
            if key in wanted:
                result.actuals_kept += 1
            seen.add(key)
            continue
        if key not in wanted:
            stale.append(pk)
            continue
        seen.add(key)
        if (value, numerator, denominator, source) == wanted[key]:
            result.actuals_unchanged += 1
        else:
            writes.append(key)
            result.actuals_updated += 1
    new = [key for key in wanted if key not in seen]
    result.actuals_created = len(new)
    for start in range(0, len(stale), 5000):
        Actual.objects.filter(pk__in=stale[start:start + 5000]).delete()
    result.actuals_deleted = len(stale)
    rows = [
        {
            "indicator_id": indicator_id, "unit_id": unit_id, "year": year, "period_kind": PeriodKind.YEAR,
            "period_number": 0, "standard": standard_of[indicator_id], "value": wanted[(indicator_id, unit_id)][0],
            "numerator": wanted[(indicator_id, unit_id)][1], "denominator": wanted[(indicator_id, unit_id)][2],
            "source": wanted[(indicator_id, unit_id)][3], "status": ReviewStatus.APPROVED, "reviewed_at": now,
            "created_at": now, "updated_at": now,
        }
        for indicator_id, unit_id in [*new, *writes]
    ]
    if connection.vendor == "postgresql":
        _copy_upsert_actuals(rows)
    else:
        Actual.objects.bulk_create(
            [Actual(**row) for row in rows], batch_size=500, update_conflicts=True,
            unique_fields=["indicator", "unit", "period_kind", "year", "period_number", "standard", "breakdown"],
            update_fields=list(ACTUAL_UPDATE_FIELDS),
        )


REGISTER_SOURCES = (ActualSource.REGISTER, ActualSource.SYNTHETIC)
# An upsert overwrites these; the review fields reset what an illustrative figure it replaces carried.
ACTUAL_UPDATE_FIELDS = (
    "value", "numerator", "denominator", "source", "status", "reviewed_at", "updated_at",
    "version", "is_late_correction", "correction_reason", "review_comment", "submitted_at",
)


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _copy_upsert_actuals(rows: list[dict]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE of many actuals through COPY (PostgreSQL): seconds, not minutes.

    Columns the register does not set take the model field's default, so that fields added to
    Actual later keep working.
    """
    if not rows:
        return
    fields = [f for f in Actual._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: (None if f.null and not f.has_default() else f.get_default()) for f in fields}
    columns = [f.column for f in fields]
    table = Actual._meta.db_table
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(row.get(f.attname, defaults[f.attname])) for f in fields) + "\n")
    buffer.seek(0)
    column_list = ", ".join(columns)
    updates = ", ".join(f"{Actual._meta.get_field(name).column} = EXCLUDED.{Actual._meta.get_field(name).column}"
                        for name in ACTUAL_UPDATE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE register_actual ON COMMIT DROP AS SELECT {column_list} FROM {table} WITH NO DATA")
        cursor.cursor.copy_expert(f"COPY register_actual ({column_list}) FROM STDIN", buffer)
        cursor.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM register_actual "
            f"ON CONFLICT (indicator_id, unit_id, period_kind, year, period_number, standard, breakdown) DO UPDATE SET {updates}"
        )
        cursor.execute("DROP TABLE register_actual")
