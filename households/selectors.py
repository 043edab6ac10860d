"""Reads of the household register. Everything starts from plans.access.scope().

Households (personal data) are read with Action.VIEW_HOUSEHOLDS: the commune's own officers and
the reviewers above them. Figures (RegisterStat) are read with the plain scope, so that leaders
see the aggregates of their territory, never the households.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import F, FilteredRelation, Q, QuerySet

from households.models import (
    AccessAction,
    DeprivationIndicator,
    Household,
    HouseholdAccessLog,
    HouseholdReview,
    LivingClass,
    PovertyStandard,
    RegisterStat,
    movement_label,
)
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit, AdminMap, Membership, Role, UnitLevel
from plans.text import search_key

PAGE_SIZE = 50
NOT_REVIEWED = "none"  # the class filter's value for households without a review that year


def visible_households(*, user: User) -> QuerySet[Household]:
    return access.scope(user, Household.objects.all(), unit_path="commune", action=Action.VIEW_HOUSEHOLDS)


def visible_stats(*, user: User) -> QuerySet[RegisterStat]:
    return access.scope(user, RegisterStat.objects.all(), unit_path="unit")


def visible_access_log(*, user: User) -> QuerySet[HouseholdAccessLog]:
    return access.scope(user, HouseholdAccessLog.objects.all(), unit_path="unit", action=Action.VIEW_HOUSEHOLDS)


def standard_for_year(*, year: int) -> PovertyStandard | None:
    return PovertyStandard.objects.filter(first_year__lte=year, last_year__gte=year).first()


def deprivation_indicators(*, standard: PovertyStandard | None) -> list[DeprivationIndicator]:
    return list(standard.indicators.order_by("position")) if standard else []


# ---------------------------------------------------------------------------------------------
# Masking


MASK = "*"


def mask_digits(*, value: str, keep: int = 3) -> str:
    """"079123456789" -> "*********789": lists, the admin and exports show only the last digits of
    IDs and phones (the one masking of the app)."""
    value = value or ""
    if not value:
        return ""
    return MASK * max(len(value) - keep, 0) + value[-keep:]


def is_masked(*, value: str) -> bool:
    """A value mask_digits wrote (a masked export read back): it must never replace a stored number."""
    return MASK in (value or "")


# ---------------------------------------------------------------------------------------------
# The commune's own officers: full exports and the access log


def is_commune_officer(*, user: User, commune: AdministrativeUnit) -> bool:
    """Does the user hold the officer role on this very commune? Full exports (unmasked IDs and
    phones) and a household's access log are theirs only: not the reviewers above, leaders, other
    communes' officers, national officers or administrators (superusers included) without that
    membership. Narrower than access.can(VIEW_HOUSEHOLDS), which callers check first."""
    # The officers' reach (cached on the user by access.can) holds their memberships' own units;
    # a national membership or a superuser reaches "everywhere", which is not this commune's role.
    if user.is_superuser:  # reach() gives superusers everything, roles aside
        return user.is_active and Membership.objects.filter(user=user, role=Role.OFFICER, unit=commune).exists()
    return commune.pk in access.reach(user, {Role.OFFICER.value}).root_unit_ids


def household_access_log(*, household: Household) -> QuerySet[HouseholdAccessLog]:
    """Who viewed the household, saw it in a list, or exported its commune's list: newest first."""
    exports = Q(household__isnull=True, unit_id=household.commune_id,
                action__in=[AccessAction.EXPORT, AccessAction.EXPORT_FULL])
    return (
        HouseholdAccessLog.objects.filter(Q(household=household) | exports)
        .select_related("user").order_by("-at", "-id")
    )


# ---------------------------------------------------------------------------------------------
# A commune's list


@dataclass
class ListFilters:
    year: int
    living_class: str = ""
    village: str = ""
    cause: str = ""
    deprivation: str = ""  # an indicator code of the year's standard
    movement: str = ""
    query: str = ""


@dataclass
class HouseholdRow:
    household: Household
    living_class: str
    living_class_label: str
    income: int | None
    score_a: int | None
    deprivation_count: int | None
    movement: str
    movement_label: str
    masked_id: str
    masked_phone: str


CLASS_LABELS = dict(LivingClass.choices)


def commune_households(*, user: User, commune: AdministrativeUnit, filters: ListFilters, page_number=1) -> tuple[Page, list[HouseholdRow]]:
    """The commune's households with their review of the year, filtered; IDs and phones masked."""
    households = (
        visible_households(user=user)
        .filter(commune=commune)
        .annotate(this_year=FilteredRelation("reviews", condition=Q(reviews__year=filters.year)))
        .annotate(
            r_class=F("this_year__living_class"), r_income=F("this_year__income"), r_score=F("this_year__score_a"),
            r_count=F("this_year__deprivation_count"), r_movement=F("this_year__movement"),
            r_previous=F("this_year__previous_class"),
        )
    )
    if filters.living_class == NOT_REVIEWED:
        households = households.filter(this_year__id__isnull=True)
    elif filters.living_class:
        households = households.filter(this_year__living_class=filters.living_class)
    if filters.village:
        households = households.filter(village=filters.village)
    if filters.cause:
        households = households.filter(this_year__cause=filters.cause)
    if filters.movement:
        households = households.filter(this_year__movement=filters.movement)
    if filters.deprivation:
        indicator = DeprivationIndicator.objects.filter(
            standard__first_year__lte=filters.year, standard__last_year__gte=filters.year, code=filters.deprivation
        ).first()
        bit = indicator.bit if indicator else 0
        households = households.annotate(r_bit=F("this_year__deprivation_mask").bitand(1 << bit)).filter(
            this_year__id__isnull=False, r_bit__gt=0
        ) if indicator else households.none()
    if filters.query:
        households = households.filter(search_key__contains=search_key(filters.query))
    households = households.order_by("village", "code").only(
        "id", "code", "commune_id", "head_name", "head_id_number", "phone", "village", "members", "is_synthetic",
        "ethnic_minority", "merit", "social_protection",
    )
    page = Paginator(households, PAGE_SIZE).get_page(page_number)
    rows = [
        HouseholdRow(
            household=h,
            living_class=h.r_class or "",
            living_class_label=str(CLASS_LABELS.get(h.r_class, "")),
            income=h.r_income,
            score_a=h.r_score,
            deprivation_count=h.r_count,
            movement=h.r_movement or "",
            movement_label=movement_label(h.r_movement, h.r_previous) if h.r_class else "",
            masked_id=mask_digits(value=h.head_id_number),
            masked_phone=mask_digits(value=h.phone),
        )
        for h in page.object_list
    ]
    return page, rows


def villages(*, commune: AdministrativeUnit) -> list[str]:
    return list(
        Household.objects.filter(commune=commune).order_by("village").values_list("village", flat=True).distinct()
    )


def reviews_for_export(*, user: User, commune: AdministrativeUnit, year: int) -> QuerySet[HouseholdReview]:
    return HouseholdReview.objects.filter(household__in=visible_households(user=user).filter(commune=commune), year=year).order_by(
        "household__village", "household__code"
    )


# ---------------------------------------------------------------------------------------------
# A household's page


@dataclass
class ReviewRow:
    review: HouseholdReview
    deprivations: list[DeprivationIndicator]


def household_history(*, household: Household) -> list[ReviewRow]:
    """Its reviews, newest first, each with the deprivation indicators it lacked (two queries)."""
    reviews = list(household.reviews.select_related("standard").order_by("-year"))
    indicators: dict[int, list[DeprivationIndicator]] = {}
    for indicator in DeprivationIndicator.objects.filter(standard__in={r.standard_id for r in reviews}).order_by("position"):
        indicators.setdefault(indicator.standard_id, []).append(indicator)
    return [
        ReviewRow(review=r, deprivations=[i for i in indicators.get(r.standard_id, []) if r.deprivation_mask >> i.bit & 1])
        for r in reviews
    ]


def recent_views(*, household: Household, limit: int = 10) -> list[HouseholdAccessLog]:
    return list(
        HouseholdAccessLog.objects.filter(household=household, action=AccessAction.VIEW)
        .select_related("user").order_by("-at")[:limit]
    )


# ---------------------------------------------------------------------------------------------
# Territory dashboards (aggregates only)


def map_for_year(*, year: int) -> str:
    from households.recompute import REORGANISATION_YEAR

    return AdminMap.CURRENT if year >= REORGANISATION_YEAR else AdminMap.LEGACY


@dataclass
class ChildRow:
    unit: AdministrativeUnit
    stat: RegisterStat


@dataclass
class Dashboard:
    unit: AdministrativeUnit
    year: int
    stat: RegisterStat | None
    previous: RegisterStat | None
    children: list[ChildRow]
    series: list[RegisterStat]
    indicators: list[DeprivationIndicator]
    years: list[int] = field(default_factory=list)


def children_filter(*, unit: AdministrativeUnit, year: int) -> Q:
    """The units a dashboard lists under `unit`: provinces under the nation and regions (of the
    map the year's review ran on), districts or communes under a province, communes under a district."""
    if unit.level == UnitLevel.NATION:
        return Q(unit__level=UnitLevel.PROVINCE, unit__admin_map=map_for_year(year=year))
    if unit.level == UnitLevel.REGION:
        return Q(unit__level=UnitLevel.PROVINCE, unit__admin_map=map_for_year(year=year), unit__region=unit)
    return Q(unit__parent=unit)


def dashboard(*, user: User, unit: AdministrativeUnit, year: int) -> Dashboard:
    """A territory's register figures for `year`, the year before, its units below and its series (4 queries)."""
    stats = visible_stats(user=user)
    own = {s.year: s for s in stats.filter(unit=unit).select_related("standard").order_by("year")}
    children = [
        ChildRow(unit=s.unit, stat=s)
        for s in stats.filter(children_filter(unit=unit, year=year), year=year).select_related("unit").order_by("unit__name")
    ]
    stat = own.get(year)
    return Dashboard(
        unit=unit,
        year=year,
        stat=stat,
        previous=own.get(year - 1),
        children=children,
        series=list(own.values()),
        indicators=deprivation_indicators(standard=stat.standard if stat else standard_for_year(year=year)),
        years=sorted(own),
    )


def unit_in_stats_scope(*, user: User, unit_id: int) -> AdministrativeUnit | None:
    """The unit, if the user may see its figures (same rule as the figures themselves)."""
    unit = AdministrativeUnit.objects.filter(pk=unit_id).select_related("parent__parent__parent").first()
    if unit is None:
        return None
    return unit if access.unit_in_reach(access.reach(user), unit) else None


def home_units(*, user: User) -> list[AdministrativeUnit]:
    """Where the register pages start for this user: the units of their memberships (the nation for admins)."""
    if user.is_superuser or access.reach(user).everywhere:
        return list(AdministrativeUnit.objects.filter(level=UnitLevel.NATION))
    return list(
        AdministrativeUnit.objects.filter(memberships__user=user).distinct().order_by("level", "name")
    )
