"""Households' personal data leaving the register: exports masked by default, the full export for
the commune's own officer with a stated reason, lists logged like household pages, and the
household's access log for the commune's officers.

Households arrive by the officer's form, by a review-list import and from the synthetic generator.
"""

import io

import openpyxl
import pytest
import tablib
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households import privacy, resources, selectors, services, synthetic
from households.models import AccessAction, Area, Household, HouseholdAccessLog
from plans.models import AdministrativeUnit, AdminMap, Membership, Role, UnitLevel
from tests.conftest import make_user

YEAR = 2025
ID_NUMBER, PHONE = "079123456789", "0912345678"
MASKED_ID, MASKED_PHONE = "*********789", "*******678"
REASON = "Gửi Ngân hàng Chính sách xã hội danh sách hộ vay vốn năm 2025"


def commune_officer(commune, name="canbo.xa"):
    user = make_user(name)
    Membership.objects.create(user=user, unit=commune, role=Role.OFFICER)
    return user


@pytest.fixture
def place(db):
    """A commune whose households came by all three paths, its officer and a neighbour commune."""
    call_command("load_standards", verbosity=0)
    district = AdministrativeUnit.objects.filter(admin_map=AdminMap.LEGACY, level=UnitLevel.DISTRICT,
                                                 parent__code="93").order_by("code").first()
    slots = synthetic.legacy_slots([district], per_commune=3)
    synthetic.generate(slots, years=[YEAR], seed=5)
    commune = AdministrativeUnit.objects.get(pk=slots[0].commune_id)
    neighbour = AdministrativeUnit.objects.get(pk=next(s.commune_id for s in slots if s.commune_id != commune.pk))
    officer = commune_officer(commune)
    typed = services.save_household(user=officer, commune=commune, head_name="Lê Thị Hoa", village="Ấp 1",
                                    area=Area.RURAL, members=4, head_id_number=ID_NUMBER, phone=PHONE)
    services.save_review(user=officer, household=typed, year=YEAR, deprivations=["bhyt"], income=1_200_000)
    rows = tablib.Dataset(
        ["NK-1", commune.code, "Trần Văn Nhập", "Ấp 2", "3", str(YEAR), "1.000.000", "001088000555", "0987654321"],
        headers=["Mã hộ", "Mã xã", "Chủ hộ", "Thôn, ấp, tổ dân phố", "Số nhân khẩu", "Năm rà soát",
                 "Thu nhập bình quân (đồng/người/tháng)", "Số định danh", "Điện thoại"],
    )
    assert not resources.import_review_list(rows, user=officer).has_errors
    return commune, neighbour, officer, typed


def sheet_rows(content: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row)) for row in values[1:]]


def full_export(client, commune, reason=REASON):
    return client.post(reverse("household_export_full", args=[commune.pk]), {"nam": YEAR, "reason": reason})


# ---------------------------------------------------------------------------------------------
# Exports


def test_the_export_masks_ids_and_phones_by_default_exactly_as_the_list(place, client, personas):
    commune, _, _, typed = place
    client.force_login(personas.reviewer_hg)
    response = client.get(reverse("household_export", args=[commune.pk]), {"nam": YEAR})
    assert response.status_code == 200 and response["Content-Disposition"].endswith(f'ra-soat-{commune.code}-{YEAR}.xlsx"')
    rows = {row["Mã hộ"]: row for row in sheet_rows(response.content)}
    households = {h.code: h for h in Household.objects.filter(commune=commune)}
    assert set(rows) == set(households) and {typed.code, "NK-1"} < set(rows)
    assert Household.objects.filter(commune=commune, is_synthetic=True).count() == len(rows) - 2
    assert (rows[typed.code]["Số định danh"], rows[typed.code]["Điện thoại"]) == (MASKED_ID, MASKED_PHONE)
    assert (rows["NK-1"]["Số định danh"], rows["NK-1"]["Điện thoại"]) == ("*********555", "*******321")
    for code, household in households.items():
        assert rows[code]["Số định danh"] == selectors.mask_digits(value=household.head_id_number) != household.head_id_number
        assert rows[code]["Điện thoại"] == selectors.mask_digits(value=household.phone)
    everything = " ".join(str(v) for row in rows.values() for v in row.values())
    assert not any(h.head_id_number in everything or h.phone in everything for h in households.values())
    log = HouseholdAccessLog.objects.get()
    assert (log.user, log.action, log.unit, log.rows, log.reason) == (personas.reviewer_hg, AccessAction.EXPORT, commune, len(rows), "")


def test_a_masked_export_imported_back_keeps_the_stored_numbers(place, client):
    commune, _, officer, typed = place
    client.force_login(officer)
    content = client.get(reverse("household_export", args=[commune.pk]), {"nam": YEAR}).content
    before = dict(Household.objects.values_list("code", "head_id_number"))
    response = client.post(reverse("review_import"), {"file": SimpleUploadedFile("ds.xlsx", content)})
    assert response.context["result"] is not None and not response.context["result"].has_errors
    assert response.context["result"].updated == Household.objects.filter(commune=commune).count()
    assert dict(Household.objects.values_list("code", "head_id_number")) == before
    typed.refresh_from_db()
    assert (typed.head_id_number, typed.phone) == (ID_NUMBER, PHONE)


def test_the_communes_officer_exports_in_full_with_a_reason_and_both_are_logged(place, client):
    commune, _, officer, typed = place
    client.force_login(officer)
    form = client.get(reverse("household_export_full", args=[commune.pk]), {"nam": YEAR})
    assert form.status_code == 200 and "Lý do" in form.content.decode()
    list_page = client.get(reverse("household_list", args=[commune.pk]), {"nam": YEAR}).content.decode()
    assert reverse("household_export_full", args=[commune.pk]) in list_page
    logged = HouseholdAccessLog.objects.count()
    response = full_export(client, commune)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'ra-soat-{commune.code}-{YEAR}-day-du.xlsx"')
    rows = {row["Mã hộ"]: row for row in sheet_rows(response.content)}
    assert (rows[typed.code]["Số định danh"], rows[typed.code]["Điện thoại"]) == (ID_NUMBER, PHONE)
    assert rows["NK-1"]["Số định danh"] == "001088000555"
    assert HouseholdAccessLog.objects.count() == logged + 1
    log = HouseholdAccessLog.objects.order_by("-id").first()
    assert (log.user, log.action, log.unit, log.household, log.rows, log.reason, log.detail) == (
        officer, AccessAction.EXPORT_FULL, commune, None, len(rows), REASON, f"{commune.code} {YEAR}")


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_full_export_without_a_reason_is_refused_in_vietnamese(place, client, reason):
    commune, _, officer, _ = place
    client.force_login(officer)
    response = full_export(client, commune, reason)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors["reason"] == ["Hãy nêu lý do cần xuất danh sách đầy đủ."]
    assert not HouseholdAccessLog.objects.filter(action=AccessAction.EXPORT_FULL).exists()
    with pytest.raises(ValidationError, match="Hãy nêu lý do"):
        privacy.export_reviews(user=officer, commune=commune, year=YEAR, full=True, reason=" ")
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdAccessLog.objects.create(user=officer, action=AccessAction.EXPORT_FULL, unit=commune)


def superuser():
    return get_user_model().objects.create_superuser("sieu.quantri", password="mat-khau-quan-tri")


REFUSED = {
    "reviewer above": lambda place, personas: personas.reviewer_hg,  # sees households, exports masked only
    "leader": lambda place, personas: personas.leader,
    "province officer": lambda place, personas: personas.officer_hg,
    "other province officer": lambda place, personas: personas.officer_hue,
    "neighbour commune officer": lambda place, personas: commune_officer(place[1], "canbo.xa.ben"),
    "national admin role": lambda place, personas: personas.admin,
    "superuser": lambda place, personas: superuser(),
    "national officer": lambda place, personas: make_user("canbo.tw", Role.OFFICER),
    "commune reviewer": lambda place, personas: make_user("duyet.xa", Role.REVIEWER, (place[0].code, AdminMap.CURRENT)),
    "outsider": lambda place, personas: personas.outsider,
}


@pytest.mark.parametrize("who", REFUSED)
def test_everyone_but_the_communes_officer_is_refused_the_full_export(place, client, personas, who):
    commune = place[0]
    user = REFUSED[who](place, personas)
    client.force_login(user)
    assert client.get(reverse("household_export_full", args=[commune.pk])).status_code == 403
    assert full_export(client, commune).status_code == 403
    assert "household_export_full" not in str(client.get(reverse("household_list", args=[commune.pk])).content)
    with pytest.raises(PermissionDenied):
        privacy.export_reviews(user=user, commune=commune, year=YEAR, full=True, reason=REASON)
    assert not HouseholdAccessLog.objects.filter(action__in=[AccessAction.EXPORT, AccessAction.EXPORT_FULL]).exists()


def test_an_administrator_who_also_is_the_communes_officer_may_export_in_full(place, client):
    commune = place[0]
    admin = superuser()
    Membership.objects.create(user=admin, unit=commune, role=Role.OFFICER)
    client.force_login(admin)
    assert full_export(client, commune).status_code == 200
    assert HouseholdAccessLog.objects.get(action=AccessAction.EXPORT_FULL).user == admin


# ---------------------------------------------------------------------------------------------
# Lists


def test_a_list_logs_each_household_it_showed_with_the_filter(place, client):
    commune, _, officer, typed = place
    client.force_login(officer)
    response = client.get(reverse("household_list", args=[commune.pk]), {"nam": YEAR, "thon": "Ấp 1", "q": "hoa"})
    shown = [row.household.pk for row in response.context["rows"]]
    assert shown == [typed.pk]
    log = HouseholdAccessLog.objects.get()
    assert (log.user, log.action, log.unit, log.household, log.rows) == (officer, AccessAction.LIST, commune, typed, 1)
    assert log.detail == f"nam={YEAR} thon=Ấp 1 q=hoa trang=1"
    client.get(reverse("household_list", args=[commune.pk]), {"nam": YEAR})
    assert sorted(HouseholdAccessLog.objects.filter(detail=f"nam={YEAR} trang=1").values_list("household", flat=True)) == sorted(
        Household.objects.filter(commune=commune).values_list("pk", flat=True))


def test_a_list_logs_in_a_constant_number_of_queries(commune, client):
    officer = commune_officer(commune)
    client.force_login(officer)

    def add(count, start):
        Household.objects.bulk_create(
            Household(code=f"Q-{start + i:03d}", head_name=f"Hộ {start + i}", commune=commune, village="Ấp 1",
                      area=Area.RURAL, members=2, head_id_number=f"0790000{start + i:05d}", search_key=f"q-{start + i}")
            for i in range(count)
        )

    def list_queries() -> tuple[int, int]:
        before = HouseholdAccessLog.objects.count()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("household_list", args=[commune.pk]), {"nam": YEAR})
        assert response.status_code == 200
        return len(queries), HouseholdAccessLog.objects.count() - before

    add(5, 0)
    client.get(reverse("household_list", args=[commune.pk]), {"nam": YEAR})  # session and caches settle
    five, logged_five = list_queries()
    add(15, 5)
    twenty, logged_twenty = list_queries()
    assert (logged_five, logged_twenty) == (5, 20)
    assert five == twenty <= 17  # the bell's unread count included


# ---------------------------------------------------------------------------------------------
# The access log page


def test_the_communes_officer_reads_who_viewed_listed_and_exported_a_household(place, client, personas):
    commune, _, officer, typed = place
    client.force_login(personas.reviewer_hg)
    client.get(reverse("household_detail", args=[typed.pk]))
    client.get(reverse("household_export", args=[commune.pk]), {"nam": YEAR})
    client.force_login(officer)
    client.get(reverse("household_list", args=[commune.pk]), {"nam": YEAR})
    full_export(client, commune)
    detail = client.get(reverse("household_detail", args=[typed.pk])).content.decode()
    assert reverse("household_access_log", args=[typed.pk]) in detail
    response = client.get(reverse("household_access_log", args=[typed.pk]))
    assert response.status_code == 200
    entries = [(e.user.username, e.action) for e in response.context["page"]]
    assert entries == [
        ("canbo.xa", AccessAction.VIEW), ("canbo.xa", AccessAction.EXPORT_FULL), ("canbo.xa", AccessAction.LIST),
        ("duyet.hg", AccessAction.EXPORT), ("duyet.hg", AccessAction.VIEW),
    ]
    page = response.content.decode()
    assert REASON in page and "Xuất danh sách hộ đầy đủ" in page and f"nam={YEAR} trang=1" in page
    other = Household.objects.filter(commune=commune).exclude(pk=typed.pk).first()
    others = [(e.user.username, e.action) for e in client.get(reverse("household_access_log", args=[other.pk])).context["page"]]
    assert others == [("canbo.xa", AccessAction.EXPORT_FULL), ("canbo.xa", AccessAction.LIST), ("duyet.hg", AccessAction.EXPORT)]


@pytest.mark.parametrize("who, status", [
    ("reviewer above", 403), ("superuser", 403), ("national admin role", 403),
    ("neighbour commune officer", 404), ("leader", 404), ("outsider", 404),
])
def test_others_are_refused_the_access_log(place, client, personas, who, status):
    typed = place[3]
    client.force_login(REFUSED[who](place, personas))
    assert client.get(reverse("household_access_log", args=[typed.pk])).status_code == status
    if status == 403:
        assert reverse("household_access_log", args=[typed.pk]) not in client.get(
            reverse("household_detail", args=[typed.pk])).content.decode()


def test_the_admins_household_list_logs_each_household_it_showed(place, client):
    commune, typed = place[0], place[3]
    admin = superuser()
    client.force_login(admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:households_household_changelist"), {"q": typed.code})
    shown = list(response.context["cl"].result_list)
    assert typed in shown and len(shown) == 2  # and the synthetic GL… code that contains it
    log = list(HouseholdAccessLog.objects.order_by("household__code"))
    assert [(e.user, e.action, e.household, e.unit, e.detail) for e in log] == [
        (admin, AccessAction.LIST, household, commune, f"admin q={typed.code}")
        for household in sorted(shown, key=lambda h: h.code)
    ]
    assert sum("householdaccesslog" in q["sql"] for q in queries.captured_queries) == 1
