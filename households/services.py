"""Writes a person makes on the household register: households, their reviews, the access log.

Every write checks plans.access first (Action.KEEP_REGISTER) and keeps an audit entry; a review's
class is always computed (households.standards.classify_review), never taken from the user.
Standards and classes live in households.standards, a year's figures in households.recompute
(re-exported here, as views, admin and tests reach them through this module).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from households.models import AccessAction, Area, Household, HouseholdAccessLog, HouseholdReview
from households.recompute import recompute_register
from households.standards import classify_review, deprivation_mask, reclassify, refresh_history, standard_for
from plans.access import Action, require
from plans.models import AdministrativeUnit, AdminMap, UnitLevel, UnitSuccession
from review import workflow

__all__ = [
    "HOUSEHOLD_FIELDS", "REVIEW_FIELDS", "URBAN_KINDS", "check_communes", "classify_review", "default_area",
    "deprivation_mask", "log_access", "log_view", "main_successor", "next_household_code", "reclassify",
    "recompute_register", "refresh_history", "save_household", "save_review", "seat_predecessor", "standard_for",
]


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
        raise ValidationError({"commune": _("Chọn xã, phường của hộ.")})
    if commune is None:
        commune = main_successor(legacy_commune)
        if commune is None:
            raise ValidationError({"legacy_commune": _(
                "%(commune)s không có xã kế thừa; hãy chọn xã hiện nay."
            ) % {"commune": legacy_commune.name}})
    if commune.level != UnitLevel.COMMUNE or commune.admin_map != AdminMap.CURRENT:
        raise ValidationError({"commune": _("Xã, phường phải thuộc bản đồ 34 tỉnh (từ 1/7/2025).")})
    if legacy_commune is None:
        legacy_commune = seat_predecessor(commune)
    elif legacy_commune.level != UnitLevel.COMMUNE or legacy_commune.admin_map != AdminMap.LEGACY:
        raise ValidationError({"legacy_commune": _("Xã cũ phải thuộc bản đồ 63 tỉnh (trước 1/7/2025).")})
    elif not UnitSuccession.objects.filter(predecessor=legacy_commune, successor=commune).exists():
        raise ValidationError({"legacy_commune": _("%(legacy)s không sáp nhập vào %(commune)s.") % {
            "legacy": legacy_commune.name, "commune": commune.name}})
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


def log_access(*, user, action: str, unit: AdministrativeUnit, household: Household | None = None,
               rows: int = 1, detail: str = "", reason: str = "") -> HouseholdAccessLog:
    return HouseholdAccessLog.objects.create(
        user=user, action=action, unit=unit, household=household, rows=rows, detail=detail[:300], reason=reason[:500]
    )


def log_view(*, user, household: Household) -> HouseholdAccessLog:
    return log_access(user=user, action=AccessAction.VIEW, unit=household.commune, household=household,
                      detail=household.code)
