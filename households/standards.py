"""Poverty standards and the classes they give reviews.

Which standard a year's reviews are classified by, loading the standards of data/standards, a
review's deprivations and class under its standard (the only place a class is set), re-classifying
after a standard is corrected, and the previous class and movement each review derives from the
household's history.
"""

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext as _

from households.classification import ClassificationError, classify, history, thresholds
from households.models import Area, DeprivationIndicator, HouseholdReview, LivingClass, PovertyStandard
from plans.text import parse_number

STANDARDS_FOLDER = Path(settings.BASE_DIR) / "data" / "standards"


# Standards whose classification rule the register does not implement: they label figures only
# (QĐ 09/2011 counts income only; QĐ 59/2015: an income at or below the line is poor whatever the
# deprivations; data/standards/README.md).
FIGURES_ONLY_STANDARDS = {"qd-09-2011", "qd-59-2015"}


def standard_for(year: int) -> PovertyStandard:
    """The standard the household register classifies the year's reviews by."""
    standard = PovertyStandard.objects.filter(first_year__lte=year, last_year__gte=year).first()
    if standard is None:
        raise ValidationError({"year": _(
            "Chưa có chuẩn nghèo nào áp dụng cho năm %(year)s (nạp bằng load_standards)."
        ) % {"year": year}})
    if standard.code in FIGURES_ONLY_STANDARDS:
        raise ValidationError({"year": _(
            "Năm %(year)s áp dụng chuẩn nghèo %(standard)s, có quy tắc phân loại hộ khác: sổ hộ chưa "
            "rà soát theo chuẩn này (chuẩn chỉ dùng để ghi chuẩn của số liệu)."
        ) % {"year": year, "standard": standard.legal_basis}})
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


def deprivation_mask(standard: PovertyStandard, codes: list[str]) -> int:
    """The review's bits for these indicator codes of the standard; an unknown code is an error."""
    bits = dict(standard.indicators.values_list("code", "bit"))
    unknown = [code for code in codes if code not in bits]
    if unknown:
        raise ValidationError(
            {"deprivations": _("Chuẩn %(standard)s không có chỉ số: %(codes)s.") % {
                "standard": standard.legal_basis, "codes": ", ".join(unknown)}}
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
