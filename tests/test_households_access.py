"""Privacy of the register: who sees households, masking in lists, logging of views and exports.

Only the commune's own officers and the reviewers above them see households; leaders see the
aggregates; province-level officers, other communes' officers and outsiders see nothing.
"""

import pytest
from django.core.management import call_command
from django.urls import reverse

from households import selectors, services, synthetic
from households.models import AccessAction, Household, HouseholdAccessLog
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit, AdminMap, Membership, Role, UnitLevel
from tests.conftest import make_user, unit


@pytest.fixture
def register(db):
    """A small synthetic register of legacy district Vị Thủy (Hậu Giang), figures computed for 2024–2025."""
    call_command("load_standards", verbosity=0)
    district = AdministrativeUnit.objects.filter(admin_map=AdminMap.LEGACY, level=UnitLevel.DISTRICT,
                                                 parent__code="93").order_by("code").first()
    slots = synthetic.legacy_slots([district], per_commune=4)
    synthetic.generate(slots, years=[2024, 2025], seed=7)
    for year in (2024, 2025):
        services.recompute_register(year=year)
    commune = AdministrativeUnit.objects.get(pk=slots[0].commune_id)
    neighbour = AdministrativeUnit.objects.get(pk=next(s.commune_id for s in slots if s.commune_id != commune.pk))
    return commune, neighbour


def commune_officer(commune, name="canbo.xa"):
    user = make_user(name)
    Membership.objects.create(user=user, unit=commune, role=Role.OFFICER)
    return user


def test_scope_gives_households_to_the_communes_officer_and_the_reviewer_above_only(register, personas):
    commune, neighbour = register
    officer = commune_officer(commune)
    own = set(Household.objects.filter(commune=commune).values_list("pk", flat=True))
    assert own and set(selectors.visible_households(user=officer).values_list("pk", flat=True)) == own
    assert selectors.visible_households(user=personas.reviewer_hg).filter(commune=neighbour).exists()
    for user in (personas.officer_hg, personas.officer_hue, personas.leader, personas.outsider):
        assert not selectors.visible_households(user=user).exists(), user.username
    assert access.can(officer, Action.VIEW_HOUSEHOLDS, unit=commune)
    assert not access.can(officer, Action.VIEW_HOUSEHOLDS, unit=neighbour)
    assert not access.can(personas.reviewer_hg, Action.KEEP_REGISTER, unit=commune)
    assert access.can(personas.admin, Action.KEEP_REGISTER, unit=neighbour)


def test_the_list_masks_ids_and_phones(register, client):
    commune, _ = register
    client.force_login(commune_officer(commune))
    response = client.get(reverse("household_list", args=[commune.pk]), {"nam": 2025})
    assert response.status_code == 200
    household = Household.objects.filter(commune=commune).order_by("village", "code").first()
    page = response.content.decode()
    assert household.head_id_number not in page and household.phone not in page
    assert "*********" + household.head_id_number[-3:] in page
    assert "Giả lập" in page


def test_the_list_takes_few_queries_and_filters_by_class(register, client, django_assert_max_num_queries):
    commune, _ = register
    client.force_login(commune_officer(commune))
    with django_assert_max_num_queries(17):  # the bell's unread count included
        response = client.get(reverse("household_list", args=[commune.pk]), {"nam": 2025, "hang": "not_poor"})
    rows = response.context["rows"]
    assert rows and {row.living_class for row in rows} == {"not_poor"}


def test_a_wrong_filter_is_named_and_the_other_filters_still_apply(register, client):
    commune, _ = register
    client.force_login(commune_officer(commune))
    response = client.get(reverse("household_list", args=[commune.pk]), {"nam": 2025, "hang": "not_poor", "bien_dong": "bay-bien"})
    rows = response.context["rows"]
    assert rows and {row.living_class for row in rows} == {"not_poor"}
    assert "Bộ lọc không hợp lệ nên đã bỏ qua: Biến động" in response.content.decode()


@pytest.mark.parametrize("who", ["leader", "officer_hg", "officer_hue", "outsider"])
def test_others_get_no_household_page_list_or_export(register, client, personas, who):
    commune, _ = register
    household = Household.objects.filter(commune=commune).first()
    client.force_login(getattr(personas, who))
    assert client.get(reverse("household_detail", args=[household.pk])).status_code == 404
    assert client.get(reverse("household_list", args=[commune.pk])).status_code == 403
    assert client.get(reverse("household_export", args=[commune.pk])).status_code == 403
    assert not HouseholdAccessLog.objects.exists()


def test_another_communes_officer_gets_nothing(register, client):
    commune, neighbour = register
    client.force_login(commune_officer(neighbour, "canbo.xa.ben"))
    household = Household.objects.filter(commune=commune).first()
    assert client.get(reverse("household_detail", args=[household.pk])).status_code == 404
    assert client.get(reverse("household_list", args=[commune.pk])).status_code == 403


def test_every_view_and_export_is_logged_with_who_and_when(register, client, personas):
    commune, _ = register
    household = Household.objects.filter(commune=commune).first()
    client.force_login(personas.reviewer_hg)
    page = client.get(reverse("household_detail", args=[household.pk]))
    assert page.status_code == 200 and household.head_id_number in page.content.decode()
    client.get(reverse("household_detail", args=[household.pk]))
    export = client.get(reverse("household_export", args=[commune.pk]), {"nam": 2025})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    log = list(HouseholdAccessLog.objects.order_by("id"))
    assert [(e.user, e.action, e.household_id) for e in log] == [
        (personas.reviewer_hg, AccessAction.VIEW, household.pk),
        (personas.reviewer_hg, AccessAction.VIEW, household.pk),
        (personas.reviewer_hg, AccessAction.EXPORT, None),
    ]
    assert log[2].rows == Household.objects.filter(commune=commune).count() and log[2].at is not None
    with pytest.raises(ValueError):
        log[0].save()


def test_leaders_see_the_aggregates_and_outsiders_do_not(register, client, personas):
    commune, _ = register
    cantho = unit("92", AdminMap.CURRENT)
    client.force_login(personas.leader)
    response = client.get(reverse("register_dashboard", args=[cantho.pk]), {"nam": 2025})
    assert response.status_code == 200
    assert response.context["stat"].total == Household.objects.count()
    assert "vendor/plotly-basic/plotly-basic.min.js" in response.content.decode()
    assert b"Danh s\xc3\xa1ch h\xe1\xbb\x99" not in response.content  # no link to households
    names = [row.unit.name for row in response.context["board"].children]
    assert commune.name in names
    client.force_login(personas.outsider)
    assert client.get(reverse("register_dashboard", args=[cantho.pk])).status_code == 404
    client.force_login(personas.officer_hue)
    assert client.get(reverse("register_dashboard", args=[cantho.pk])).status_code == 404


def test_the_province_dashboard_reads_a_fixed_number_of_queries(register, client, personas, django_assert_max_num_queries):
    client.force_login(personas.leader)
    with django_assert_max_num_queries(13):  # 12, and one for the aggregate review tables (aggregate_reviews)
        response = client.get(reverse("register_dashboard", args=[unit("93").pk]), {"nam": 2024})
    assert response.status_code == 200 and response.context["board"].children


def test_a_household_opened_in_the_admin_is_logged_too(register, client, personas):
    commune, _ = register
    household = Household.objects.filter(commune=commune).first()
    from django.contrib.auth import get_user_model
    client.force_login(get_user_model().objects.create_superuser("quantri.ho", password="mat-khau-quan-tri"))
    listing = client.get(reverse("admin:households_household_changelist"))
    assert listing.status_code == 200 and household.head_id_number not in listing.content.decode()
    listed = HouseholdAccessLog.objects.filter(action=AccessAction.LIST)
    assert listed.count() == len(listing.context["cl"].result_list) and listed.filter(household=household).exists()
    assert client.get(reverse("admin:households_household_change", args=[household.pk])).status_code == 200
    assert HouseholdAccessLog.objects.get(action=AccessAction.VIEW).household == household
