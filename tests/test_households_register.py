"""The register: reviews classified by the services, movements counted, figures rolled up on both maps."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from households import services
from households.models import Household, HouseholdReview, LivingClass, Movement, RegisterStat
from indicators.models import Actual, ActualSource, Indicator
from plans.models import AdministrativeUnit, AdminMap, Membership, Role, UnitLevel, UnitSuccession
from tests.conftest import make_user, unit

DEPRIVED_3 = ["bhyt", "nha-tieu", "viec-lam"]


@pytest.fixture
def standards(db):
    call_command("load_standards", verbosity=0)


def merged_commune() -> tuple[AdministrativeUnit, list[AdministrativeUnit]]:
    """A commune of Cần Thơ (map 34) whose main predecessors are two or more communes of legacy Hậu Giang."""
    links = UnitSuccession.objects.filter(
        successor__admin_map=AdminMap.CURRENT, successor__level=UnitLevel.COMMUNE, successor__parent__code="92",
        predecessor__parent__parent__code="93", is_main=True,
    ).select_related("successor", "predecessor__parent__parent").order_by("successor__code", "predecessor__code")
    by_successor: dict[int, list] = {}
    for link in links:
        by_successor.setdefault(link.successor_id, []).append(link)
    links = next(group for group in by_successor.values() if len(group) >= 2)
    return links[0].successor, [link.predecessor for link in links]


@pytest.fixture
def commune_officer(standards):
    commune, _legacy = merged_commune()
    user = make_user("canbo.xa.test")
    Membership.objects.create(user=user, unit=commune, role=Role.OFFICER)
    return user


def add_household(user, legacy: AdministrativeUnit, code: str, *, merit=False, commune=None) -> Household:
    return services.save_household(
        user=user, commune=commune, legacy_commune=legacy, code=code, head_name="Nguyễn Văn Thử", village="Ấp 1",
        members=4, area="rural", merit=merit,
    )


def review(user, household, year, income, deprivations=()):
    return services.save_review(user=user, household=household, year=year, income=income, deprivations=list(deprivations))


def test_a_legacy_commune_households_count_in_its_main_successor(commune_officer):
    commune, legacy = merged_commune()
    household = add_household(commune_officer, legacy[1], "T-1")
    assert household.commune == commune and household.legacy_commune == legacy[1]
    # Given only today's commune, the legacy commune is the seat (same code) or the first main predecessor.
    other = services.save_household(user=commune_officer, commune=commune, code="T-2", head_name="Lê Thị B",
                                    village="Ấp 2", members=2)
    assert other.legacy_commune in legacy and other.area in {"rural", "urban"}


def test_a_legacy_commune_that_did_not_merge_into_the_commune_is_refused(commune_officer):
    commune, _legacy = merged_commune()
    elsewhere = AdministrativeUnit.objects.filter(admin_map=AdminMap.LEGACY, level=UnitLevel.COMMUNE,
                                                  parent__parent__code="46").first()
    with pytest.raises(ValidationError) as error:
        services.save_household(user=commune_officer, commune=commune, legacy_commune=elsewhere, code="T-3",
                                head_name="Trần C", village="Ấp 1", members=1)
    assert "legacy_commune" in error.value.message_dict


def test_the_class_is_computed_from_the_standard_and_the_review_is_audited(commune_officer):
    _commune, legacy = merged_commune()
    household = add_household(commune_officer, legacy[0], "T-1")
    saved = review(commune_officer, household, 2024, 1_500_000, DEPRIVED_3)
    assert (saved.living_class, saved.deprivation_count, saved.standard.code) == (LivingClass.POOR, 3, "nd-07-2021")
    saved = review(commune_officer, household, 2024, 1_500_001, DEPRIVED_3)
    assert saved.living_class == LivingClass.MIDDLE and HouseholdReview.objects.filter(household=household).count() == 1
    # The same income is poor under NĐ 351/2025 in 2027.
    assert review(commune_officer, household, 2027, 1_500_001, DEPRIVED_3).living_class == LivingClass.POOR
    from review.workflow import audit_trail
    assert [e.action for e in audit_trail(saved).order_by("at", "id")] == ["create", "update"]


def test_an_indicator_of_another_standard_is_refused(commune_officer):
    _commune, legacy = merged_commune()
    household = add_household(commune_officer, legacy[0], "T-1")
    with pytest.raises(ValidationError) as error:
        review(commune_officer, household, 2025, 1_000_000, ["rac-thai"])  # NĐ 351 only
    assert "deprivations" in error.value.message_dict


def test_movements_follow_each_household_over_the_years(commune_officer):
    _commune, legacy = merged_commune()
    escaped = add_household(commune_officer, legacy[0], "T-1")
    fallen = add_household(commune_officer, legacy[0], "T-2")
    new = add_household(commune_officer, legacy[1], "T-3")
    for year, income in [(2023, 1_000_000), (2024, 1_600_000), (2025, 1_700_000)]:
        review(commune_officer, escaped, year, income, DEPRIVED_3)
    for year, income in [(2023, 1_000_000), (2024, 1_600_000), (2025, 1_400_000)]:
        review(commune_officer, fallen, year, income, DEPRIVED_3)
    for year, income in [(2023, 3_000_000), (2024, 3_000_000), (2025, 1_400_000)]:
        review(commune_officer, new, year, income, DEPRIVED_3)
    moves = {
        (r.household.code, r.year): r.movement
        for r in HouseholdReview.objects.select_related("household")
    }
    assert moves[("T-1", 2024)] == Movement.ESCAPED and moves[("T-1", 2025)] == ""
    assert moves[("T-2", 2024)] == Movement.ESCAPED and moves[("T-2", 2025)] == Movement.FALLEN_BACK
    assert moves[("T-3", 2025)] == Movement.NEW_POOR
    # Correcting an earlier review re-derives the later movements.
    review(commune_officer, fallen, 2024, 1_000_000, DEPRIVED_3)
    assert HouseholdReview.objects.get(household=fallen, year=2025).movement == ""


def test_only_the_communes_officer_keeps_its_register(standards, personas):
    commune, legacy = merged_commune()
    for user in (personas.officer_hg, personas.reviewer_hg, personas.leader, personas.outsider):
        with pytest.raises(PermissionDenied):
            add_household(user, legacy[0], "T-9")
    assert not Household.objects.filter(code="T-9").exists()


def test_figures_roll_up_on_both_maps_and_become_register_actuals(commune_officer):
    commune, legacy = merged_commune()
    households = [add_household(commune_officer, legacy[i % 2], f"T-{i}", merit=i == 0) for i in range(6)]
    incomes_2024 = [1_000_000, 1_000_000, 1_200_000, 1_400_000, 2_000_000, 5_000_000]
    deprived_2024 = [DEPRIVED_3, DEPRIVED_3, ["bhyt"], [], [], []]
    incomes_2025 = [2_000_000, 1_000_000, 1_200_000, 1_000_000, 2_000_000, 5_000_000]
    deprived_2025 = [DEPRIVED_3, DEPRIVED_3, ["bhyt"], DEPRIVED_3, [], []]
    for h, income, deprived in zip(households, incomes_2024, deprived_2024):
        review(commune_officer, h, 2024, income, deprived)
    for h, income, deprived in zip(households, incomes_2025, deprived_2025):
        review(commune_officer, h, 2025, income, deprived)
    # An officer's own figure for the same unit and year is never overwritten.
    gn01 = Indicator.objects.get(code="GN01")
    Actual.objects.create(indicator=gn01, unit=commune, year=2025, value=Decimal("9.9"), source=ActualSource.ENTERED)

    result = services.recompute_register(year=2025)

    stats = {s.unit_id: s for s in RegisterStat.objects.filter(year=2025)}
    cantho, haugiang = unit("92", AdminMap.CURRENT), unit("93")
    nation = AdministrativeUnit.objects.get(level=UnitLevel.NATION)
    dbscl = AdministrativeUnit.objects.get(code="DBSCL")
    for u in (commune, cantho, haugiang, nation, dbscl, legacy[0].parent):
        s = stats[u.pk]
        assert (s.total, s.poor, s.near_poor, s.middle, s.not_poor) == (6, 2, 1, 2, 1), u.name
        assert (s.escaped, s.new_poor, s.fallen_back, s.merit_poor) == (1, 1, 0, 0), u.name
    assert (stats[legacy[0].pk].total, stats[legacy[1].pk].total) == (3, 3)
    assert stats[nation.pk].deprived_poor["bhyt"] == 2 and stats[nation.pk].deprived_near_poor["bhyt"] == 1
    assert stats[nation.pk].deprived_poor["dinh-duong"] == 0
    assert stats[nation.pk].transitions == {"poor>poor": 1, "poor>middle": 1, "near_poor>poor": 1,
                                            "near_poor>near_poor": 1, "middle>middle": 1, "not_poor>not_poor": 1}
    register = Actual.objects.filter(source=ActualSource.REGISTER, year=2025)
    rate = register.get(indicator=gn01, unit=cantho)
    assert (rate.numerator, rate.denominator, rate.effective_value, rate.status) == (2, 6, Decimal("33.3333"), "approved")
    assert register.get(indicator__code="HN03", unit=nation).value == 1
    assert register.get(indicator__code="HN04", unit=nation).value == 1
    assert register.get(indicator__code="HN05", unit=nation).value == 0
    assert register.get(indicator__code="GN02", unit=dbscl).numerator == 1
    # The old map's units closed on 1/7/2025 keep their statistics (above) but take no 2025 figure:
    # their households' figures are the successor's.
    assert register.get(indicator__code="GN03", unit=commune).value == 2
    assert register.get(indicator__code="GN03", unit=cantho).value == 2
    assert not Actual.objects.filter(unit__in=[*legacy, legacy[0].parent, haugiang], year=2025).exists()
    assert not register.filter(indicator=gn01, unit=commune).exists()
    assert Actual.objects.get(indicator=gn01, unit=commune, year=2025).value == Decimal("9.9")
    assert result.actuals_kept == 1 and result.households == 6

    # Recomputing changes nothing; a household's reviews removed, its legacy commune's figures go.
    again = services.recompute_register(year=2025)
    assert again.actuals_created == again.actuals_updated == 0 and again.actuals_unchanged == result.actuals_created
    HouseholdReview.objects.filter(household__legacy_commune=legacy[0], year=2025).delete()
    services.recompute_register(year=2025)
    assert not RegisterStat.objects.filter(unit=legacy[0], year=2025).exists()
    assert RegisterStat.objects.get(unit=legacy[1], year=2025).total == 3
    assert register.get(indicator=gn01, unit=cantho).denominator == 3
