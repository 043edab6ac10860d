"""Register pages an officer and an admin use, the standards page, and the synthetic generator."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from households import synthetic
from households.models import Household, HouseholdReview, LivingClass, RegisterStat
from plans.models import AdministrativeUnit, AdminMap, Membership, Role, UnitLevel
from tests.conftest import make_user, unit
from tests.jobs_helpers import run_tasks


@pytest.fixture
def small_register(db):
    call_command("load_standards", verbosity=0)
    district = unit("673")  # Bảo Lộc
    slots = synthetic.legacy_slots([district], per_commune=3)
    synthetic.generate(slots, years=[2024, 2025], seed=11)
    return AdministrativeUnit.objects.get(pk=slots[0].commune_id)


def test_the_generator_is_deterministic_and_labels_every_household_synthetic(small_register):
    first = list(Household.objects.order_by("code").values_list("code", "head_name", "head_id_number", "phone", "members"))
    classes = list(HouseholdReview.objects.order_by("household__code", "year").values_list("living_class", flat=True))
    assert first and all(code.startswith("GL") and id_number.startswith("000") and phone.startswith("01")
                         for code, _name, id_number, phone, _members in first)
    assert Household.objects.filter(is_synthetic=False).count() == 0
    assert any(ch in "".join(name for _c, name, *_ in first) for ch in "ăâđêôơư")  # Vietnamese names
    slots = synthetic.legacy_slots([unit("673")], per_commune=3)
    result = synthetic.generate(slots, years=[2024, 2025], seed=11)
    assert result.deleted == len(first)
    assert list(Household.objects.order_by("code").values_list("code", "head_name", "head_id_number", "phone", "members")) == first
    assert list(HouseholdReview.objects.order_by("household__code", "year").values_list("living_class", flat=True)) == classes


def test_an_officer_records_a_review_and_the_page_computes_its_class(small_register, client):
    officer = make_user("canbo.baoloc")
    Membership.objects.create(user=officer, unit=small_register, role=Role.OFFICER)
    client.force_login(officer)
    response = client.post(reverse("household_create", args=[small_register.pk]), {
        "head_name": "K'Brơi", "village": "Tổ 3", "area": "urban", "members": "5", "head_id_number": "068 123 456 789",
    })
    household = Household.objects.get(head_name="K'Brơi")
    assert response.status_code == 302 and household.head_id_number == "068123456789" and not household.is_synthetic
    form_page = client.get(reverse("review_edit", args=[household.pk, 2025]))
    assert "living_class" not in form_page.context["form"].fields
    response = client.post(reverse("review_edit", args=[household.pk, 2025]), {
        "income": "2.000.000", "deprivations": ["bhyt", "nha-tieu", "viec-lam"], "cause": "land",
    })
    assert response.status_code == 302
    assert HouseholdReview.objects.get(household=household).living_class == LivingClass.POOR  # urban line 2.000.000
    bad = client.post(reverse("review_edit", args=[household.pk, 2025]), {"income": "hai triệu"})
    assert bad.status_code == 200 and bad.context["form"].errors["income"]


def test_only_admins_recompute_from_the_dashboard(small_register, client, personas):
    client.force_login(personas.leader)
    assert client.post(reverse("register_recompute"), {"nam": 2025}).status_code == 403
    assert not RegisterStat.objects.exists()
    client.force_login(personas.admin)
    response = client.post(reverse("register_recompute"), {"nam": 2025, "next": reverse("register_home")})
    assert response.status_code == 302
    assert not RegisterStat.objects.exists()  # queued: a worker recomputes
    run_tasks()
    nation = AdministrativeUnit.objects.get(level=UnitLevel.NATION)
    assert RegisterStat.objects.get(unit=nation, year=2025).total == Household.objects.count()
    board = client.get(reverse("register_dashboard", args=[nation.pk]), {"nam": 2025})
    assert board.status_code == 200 and "GIẢ LẬP" in board.content.decode()
    assert unit("68", AdminMap.CURRENT).name in [row.unit.name for row in board.context["board"].children]


def test_the_standards_page_marks_what_is_not_confirmed(small_register, client, personas):
    client.force_login(personas.leader)
    page = client.get(reverse("standard_list")).content.decode()
    assert "NĐ 07/2021/NĐ-CP" in page and "NĐ 351/2025/NĐ-CP" in page and "Chưa xác nhận" in page
    assert "Xử lý rác thải sinh hoạt" in page


def test_the_nav_links_to_the_register(client, personas):
    client.force_login(personas.leader)
    page = client.get(reverse("document_list")).content.decode()
    assert reverse("register_home") in page and "Hộ nghèo" in page


def test_an_officer_edits_a_household_and_a_reviewer_may_not(small_register, client, personas):
    officer = make_user("canbo.baoloc.sua")
    Membership.objects.create(user=officer, unit=small_register, role=Role.OFFICER)
    household = Household.objects.filter(commune=small_register).first()
    client.force_login(officer)
    form = client.get(reverse("household_edit", args=[household.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data.update(village="Tổ 9", legacy_commune=household.legacy_commune_id)
    assert client.post(reverse("household_edit", args=[household.pk]), data).status_code == 302
    household.refresh_from_db()
    assert household.village == "Tổ 9"
    reviewer = make_user("duyet.lamdong", Role.REVIEWER, ("68", AdminMap.CURRENT))
    client.force_login(reviewer)
    assert client.get(reverse("household_detail", args=[household.pk])).status_code == 200
    assert client.get(reverse("household_edit", args=[household.pk])).status_code == 403
