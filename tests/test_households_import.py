"""Review lists through the import pipeline: all or nothing, errors by row, rights per commune."""

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from households.models import Household, HouseholdReview, LivingClass, Movement
from households.resources import export_review_list, import_review_list
from plans.models import AdminMap, Membership, Role, UnitLevel, UnitSuccession
from review.workflow import audit_trail
from tests.conftest import make_user

HEADERS = ["Mã hộ", "Mã xã", "Mã xã cũ", "Chủ hộ", "Số định danh", "Điện thoại", "Thôn, ấp, tổ dân phố", "Khu vực",
           "Số nhân khẩu", "Người có công", "Năm rà soát", "Thu nhập bình quân (đồng/người/tháng)", "Điểm A",
           "Chỉ số thiếu hụt", "Nguyên nhân nghèo", "Phân loại (tính theo chuẩn)"]


@pytest.fixture
def communes(db):
    call_command("load_standards", verbosity=0)
    links = list(
        UnitSuccession.objects.filter(successor__admin_map=AdminMap.CURRENT, successor__level=UnitLevel.COMMUNE,
                                      successor__parent__code="92", predecessor__level=UnitLevel.COMMUNE, is_main=True)
        .select_related("successor", "predecessor").order_by("successor__code")[:40]
    )
    first = links[0]
    second = next(link for link in links if link.successor_id != first.successor_id)
    return first.successor, first.predecessor, second.successor


@pytest.fixture
def officer(communes):
    user = make_user("canbo.xa.nhap")
    Membership.objects.create(user=user, unit=communes[0], role=Role.OFFICER)
    return user


def row(code, commune, legacy="", year=2025, income="1.200.000", score="", deprivations="bhyt;nha-tieu;viec-lam",
        klass="", name="Nguyễn Thị Lan", members="4"):
    return [code, commune.code if commune else "", legacy, name, "079123456789", "0912345678", "Ấp Mỹ Hòa", "Nông thôn",
            members, "Không", year, income, score, deprivations, "Thiếu vốn sản xuất, kinh doanh", klass]


def dataset(*rows) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=HEADERS)


def test_a_communes_list_imports_households_and_reviews_with_computed_classes(communes, officer):
    commune, legacy, _ = communes
    data = dataset(
        row("X-1", commune, legacy.code, year=2024, income="1.200.000"),
        row("X-1", commune, legacy.code, year=2025, income="2.100.000", klass="Hộ nghèo"),  # the class column is ignored
        row("X-2", commune, year=2025, income="", score="140", deprivations="bhyt"),
    )
    result = import_review_list(data, user=officer)
    assert not result.errors and (result.new, result.households, result.years) == (3, 2, {2024, 2025})
    x1 = Household.objects.get(code="X-1")
    assert (x1.commune, x1.legacy_commune, x1.head_name, x1.members) == (commune, legacy, "Nguyễn Thị Lan", 4)
    reviews = {(r.household.code, r.year): r for r in HouseholdReview.objects.select_related("household")}
    assert reviews[("X-1", 2024)].living_class == LivingClass.POOR
    assert reviews[("X-1", 2025)].living_class == LivingClass.MIDDLE and reviews[("X-1", 2025)].movement == Movement.ESCAPED
    assert reviews[("X-2", 2025)].living_class == LivingClass.NEAR_POOR and reviews[("X-2", 2025)].cause == "capital"
    assert [e.action for e in audit_trail(reviews[("X-1", 2024)])] == ["import"]
    # The same list again updates, creates nothing.
    again = import_review_list(data, user=officer)
    assert (again.new, again.updated, again.errors) == (0, 3, [])
    assert HouseholdReview.objects.count() == 3


def test_a_wrong_row_is_reported_and_nothing_is_written(communes, officer):
    commune, legacy, other = communes
    data = dataset(
        row("X-1", commune, legacy.code),
        row("X-2", commune, income="một triệu"),
        row("X-3", commune, deprivations="bhyt;khong-co"),
        row("X-4", other),
        row("X-5", commune, year=2019),
        row("", commune),
        row("X-6", commune, members="0"),
    )
    result = import_review_list(data, user=officer)
    rows = {error.row: error.message for error in result.errors}
    assert sorted(rows) == [3, 4, 5, 6, 7, 8]
    assert "không phải là số" in rows[3]
    assert "khong-co" in rows[4]
    assert "không giữ sổ hộ" in rows[5]
    assert "2019" in rows[6]
    assert "Mã hộ" in rows[7]
    assert "Số nhân khẩu" in rows[8]
    assert not Household.objects.exists() and not HouseholdReview.objects.exists()


def test_a_dry_run_counts_and_writes_nothing(communes, officer):
    commune, legacy, _ = communes
    result = import_review_list(dataset(row("X-1", commune, legacy.code)), user=officer, dry_run=True)
    assert (result.new, result.errors) == (1, [])
    assert not Household.objects.exists()


def test_an_admin_imports_a_whole_provinces_list(communes, personas):
    commune, legacy, other = communes
    result = import_review_list(dataset(row("X-1", commune, legacy.code), row("X-2", other)), user=personas.admin)
    assert not result.errors and Household.objects.count() == 2


def test_the_export_reads_back_as_the_import(communes, officer):
    commune, legacy, _ = communes
    import_review_list(dataset(row("X-1", commune, legacy.code)), user=officer)
    exported = export_review_list(HouseholdReview.objects.all())
    assert exported.dict[0]["Phân loại (tính theo chuẩn)"] == "Hộ nghèo"
    assert exported.dict[0]["Chỉ số thiếu hụt"] == "viec-lam;bhyt;nha-tieu"
    HouseholdReview.objects.all().delete()
    result = import_review_list(tablib.Dataset().load(exported.export("csv"), format="csv"), user=officer)
    assert not result.errors and HouseholdReview.objects.get().living_class == LivingClass.POOR


def test_the_export_escapes_formula_like_cells_and_reads_them_back(communes, officer):
    commune, legacy, _ = communes
    import_review_list(dataset(row("X-1", commune, legacy.code, name="=HYPERLINK(\"http://x\")")), user=officer)
    exported = export_review_list(HouseholdReview.objects.all())
    assert exported.dict[0]["Chủ hộ"] == "'=HYPERLINK(\"http://x\")"
    HouseholdReview.objects.all().delete()
    result = import_review_list(tablib.Dataset().load(exported.export("csv"), format="csv"), user=officer)
    assert not result.errors
    assert HouseholdReview.objects.get().household.head_name == "=HYPERLINK(\"http://x\")"


def test_the_upload_page_lists_errors_by_row(communes, officer, client):
    commune, _legacy, other = communes
    client.force_login(officer)
    content = dataset(row("X-1", commune), row("X-2", other)).export("csv").encode()
    response = client.post(reverse("review_import"), {"file": SimpleUploadedFile("ds.csv", content)})
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert [e.row for e in errors] == [3] and not Household.objects.exists()
    assert "không giữ sổ hộ" in response.content.decode()


def test_the_command_imports_a_provinces_list_outside_the_request(communes, personas, tmp_path):
    commune, legacy, other = communes
    path = tmp_path / "tinh.csv"
    path.write_text(dataset(row("X-1", commune, legacy.code), row("X-2", other)).export("csv"), encoding="utf-8")
    call_command("import_reviews", str(path), user=personas.admin.username, dry_run=True, verbosity=0)
    assert not Household.objects.exists()
    call_command("import_reviews", str(path), user=personas.admin.username, verbosity=0)
    assert Household.objects.count() == 2
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="2 lỗi"):  # a province officer keeps no commune register
        call_command("import_reviews", str(path), user=personas.officer_hg.username, verbosity=0)
