"""The one classification rule: a review's class from the standard in force, never typed in.

NĐ 07/2021/NĐ-CP (and NĐ 351/2025/NĐ-CP, same rule, other numbers):
- poor: income per person per month at or below the area's poverty line, and at least
  `min_deprivations` (3) deprivations;
- near-poor: income at or below the line, fewer deprivations;
- middle living standard: income above the line, up to the middle threshold (when the standard sets one);
- not poor: above that.
With the review's score A instead of income (TT 07/2021), "income at or below the line" reads
"score A at or below the area's cutoff"; a score alone cannot tell middle from not poor, so a
score above the cutoff is classed not poor.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from households.models import LivingClass, Movement


@dataclass(frozen=True)
class Thresholds:
    """The numbers of one standard for one area (so that bulk work needs no model instances)."""

    poverty_income: int
    middle_income: int | None
    min_deprivations: int
    score_cutoff: int | None


def thresholds(standard, area: str) -> Thresholds:
    return Thresholds(
        poverty_income=standard.poverty_income(area),
        middle_income=standard.middle_income(area),
        min_deprivations=standard.min_deprivations,
        score_cutoff=standard.score_cutoff(area),
    )


class ClassificationError(ValueError):
    """The review lacks what the standard needs (a Vietnamese message for the user)."""


def classify(limits: Thresholds, *, income: int | None, score_a: int | None, deprivations: int) -> str:
    """The household's class (a LivingClass value). Income wins over score A when both are given."""
    if income is not None:
        if income < 0:
            raise ClassificationError(_("Thu nhập không được âm."))
        at_or_below_line = income <= limits.poverty_income
    elif score_a is not None:
        if limits.score_cutoff is None:
            raise ClassificationError(_("Chuẩn nghèo của năm này chưa có ngưỡng điểm A: hãy nhập thu nhập bình quân."))
        at_or_below_line = score_a <= limits.score_cutoff
    else:
        raise ClassificationError(_("Nhập thu nhập bình quân đầu người/tháng hoặc điểm A."))
    if at_or_below_line:
        return LivingClass.POOR if deprivations >= limits.min_deprivations else LivingClass.NEAR_POOR
    if income is not None and limits.middle_income is not None and income <= limits.middle_income:
        return LivingClass.MIDDLE
    return LivingClass.NOT_POOR


def movement(living_class: str, previous_class: str, was_poor_earlier: bool) -> str:
    """Escaped, new poor ("phát sinh") or fallen back ("tái nghèo") since the previous review.

    `previous_class` is the class at the household's latest earlier review ("" if none: with
    nothing to compare, a first review records no movement); `was_poor_earlier` says whether any
    review before that one found it poor.
    """
    if not previous_class:
        return Movement.NONE
    if previous_class == LivingClass.POOR:
        return Movement.NONE if living_class == LivingClass.POOR else Movement.ESCAPED
    if living_class != LivingClass.POOR:
        return Movement.NONE
    return Movement.FALLEN_BACK if was_poor_earlier else Movement.NEW_POOR


def history(classes_by_year: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """For a household's reviews (year, class), oldest first: (year, previous class, movement)."""
    result = []
    previous, poor_before_previous = "", False
    for year, living_class in sorted(classes_by_year):
        result.append((year, previous, movement(living_class, previous, poor_before_previous)))
        poor_before_previous = poor_before_previous or previous == LivingClass.POOR
        previous = living_class
    return result


def mask_of(bits: list[int]) -> int:
    mask = 0
    for bit in bits:
        mask |= 1 << bit
    return mask


def bits_of(mask: int) -> list[int]:
    return [bit for bit in range(mask.bit_length()) if mask >> bit & 1]
