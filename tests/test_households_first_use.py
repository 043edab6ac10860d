"""What a commune officer meets on first use of the register: a first review's label, the
commune's figures following each save, the urban default of a phường, Vietnamese incomes and a
yearly chart that cuts nothing."""

import json

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from households import charts, services, synthetic
from households.models import Area, Household, HouseholdReview, RegisterStat
from households.register_actuals import REGISTER_INDICATORS
from indicators.models import Actual, ActualSource, YearlyValue
from plans.models import AdministrativeUnit, AdminMap, Role, UnitLevel
from tests.conftest import make_user, unit

POOR = ["bhyt", "nha-tieu", "viec-lam"]
COUNTED = ("total", "poor", "near_poor", "middle", "not_poor", "escaped", "new_poor", "fallen_back", "synthetic")


def commune_of_kind(kind: str) -> AdministrativeUnit:
    """A commune of thành phố Cần Thơ (2025 map) of this kind, that took over a legacy commune."""
    return (AdministrativeUnit.objects.filter(admin_map=AdminMap.CURRENT, level=UnitLevel.COMMUNE, parent__code="92",
                                              division_type=kind, predecessor_links__predecessor__level=UnitLevel.COMMUNE)
            .order_by("code").distinct().first())


@pytest.fixture
def ward(db):
    call_command("load_standards", verbosity=0)
    return commune_of_kind("phường")


@pytest.fixture
def keeper(ward):
    return make_user("canbo.phuong", Role.OFFICER, (ward.code, AdminMap.CURRENT))


def add_household(keeper, commune, name="Trần Văn Bình") -> Household:
    return services.save_household(user=keeper, commune=commune, head_name=name, village="Khu vực 1", members=4)


def figures(unit_id: int, year: int) -> tuple:
    stat = RegisterStat.objects.filter(unit_id=unit_id, year=year).first()
    return tuple(getattr(stat, name) for name in COUNTED) if stat else None


def all_figures(year: int) -> dict:
    stats = {s.unit_id: (tuple(getattr(s, n) for n in COUNTED), s.deprived_poor, s.deprived_near_poor,
                         {k: v for k, v in s.transitions.items() if v}) for s in RegisterStat.objects.filter(year=year)}
    register = {(a.indicator_id, a.unit_id): (a.value, a.numerator, a.denominator, a.source)
                for a in Actual.objects.filter(year=year, source__in=[ActualSource.REGISTER, ActualSource.SYNTHETIC])}
    yearly = {(y.indicator_id, y.unit_id): (y.value, y.numerator, y.denominator)
              for y in YearlyValue.objects.filter(year=year, indicator__code__in=REGISTER_INDICATORS)}
    return {"stats": stats, "actuals": register, "yearly": yearly}


# ---------------------------------------------------------------------------------------------
# A first review


def test_a_first_review_reads_first_review_and_a_later_one_its_movement(client, ward, keeper):
    household = add_household(keeper, ward)
    client.force_login(keeper)
    for year, income in ((2024, "1.200.000"), (2025, "1.300.000")):
        response = client.post(reverse("review_edit", args=[household.pk, year]), {"income": income, "deprivations": POOR})
        assert response.status_code == 302
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    first, later = (HouseholdReview.objects.get(household=household, year=y) for y in (2024, 2025))
    assert first.previous_class == "" and first.movement_label == "Lần rà soát đầu"
    assert later.previous_class == "poor" and later.movement_label == "Không đổi"
    assert page.count("Lần rà soát đầu") == 1 and page.count("Không đổi") == 1
    listing = client.get(reverse("household_list", args=[ward.pk]) + "?nam=2024")
    assert [row.movement_label for row in listing.context["rows"]] == ["Lần rà soát đầu"]


def test_imported_and_generated_first_reviews_read_first_review_too(client, ward, keeper):
    content = tablib.Dataset(
        ["N-1", ward.code, "Lê Thị Hoa", "Khu vực 2", "3", "2025", "900.000", ";".join(POOR)],
        headers=["Mã hộ", "Mã xã", "Chủ hộ", "Thôn, ấp, tổ dân phố", "Số nhân khẩu", "Năm rà soát",
                 "Thu nhập bình quân (đồng/người/tháng)", "Chỉ số thiếu hụt"],
    ).export("csv").encode()
    client.force_login(keeper)
    client.post(reverse("review_import"), {"file": SimpleUploadedFile("ds.csv", content)})
    assert HouseholdReview.objects.get(household__code="N-1").movement_label == "Lần rà soát đầu"
    slots = synthetic.legacy_slots([unit("673")], per_commune=2)
    synthetic.generate(slots, years=[2024, 2025], seed=3)
    generated = HouseholdReview.objects.filter(household__is_synthetic=True)
    assert {r.movement_label for r in generated.filter(year=2024)} == {"Lần rà soát đầu"}
    assert "Lần rà soát đầu" not in {r.movement_label for r in generated.filter(year=2025)}


# ---------------------------------------------------------------------------------------------
# The commune's figures follow each save


def test_saving_a_review_updates_the_communes_figures_as_a_full_recompute_would(client, ward, keeper):
    households = [add_household(keeper, ward, f"Hộ {i}") for i in range(3)]
    for household in households:
        services.save_review(user=keeper, household=household, year=2025, deprivations=[], income=5_000_000)
    slots = synthetic.legacy_slots([unit("673")], per_commune=2)  # another province, synthetic
    synthetic.generate(slots, years=[2025], seed=5)
    services.recompute_register(year=2025)
    assert figures(ward.pk, 2025)[:2] == (3, 0)

    client.force_login(keeper)
    response = client.post(reverse("review_edit", args=[households[0].pk, 2025]), {"income": "900.000", "deprivations": POOR})
    assert response.status_code == 302
    assert figures(ward.pk, 2025)[:2] == (3, 1)
    assert figures(ward.parent_id, 2025)[:2] == (3, 1)  # thành phố Cần Thơ
    dashboard = client.get(reverse("register_dashboard", args=[ward.pk]) + "?nam=2025")
    assert dashboard.context["stat"].poor == 1 and dashboard.context["stat"].poor_rate == pytest.approx(100 / 3)
    new = add_household(keeper, ward, "Hộ mới")
    client.post(reverse("review_edit", args=[new.pk, 2025]), {"income": "1.000.000", "deprivations": POOR[:1]})
    assert figures(ward.pk, 2025)[:3] == (4, 1, 1)

    incremental = all_figures(2025)
    services.recompute_register(year=2025)
    assert all_figures(2025) == incremental


def test_a_small_import_updates_the_figures_and_says_so(client, ward, keeper):
    services.save_review(user=keeper, household=add_household(keeper, ward), year=2025, deprivations=[], income=5_000_000)
    services.recompute_register(year=2025)
    content = tablib.Dataset(
        ["N-2", ward.code, "Lê Thị Hoa", "Khu vực 2", "3", "2025", "900.000", ";".join(POOR)],
        headers=["Mã hộ", "Mã xã", "Chủ hộ", "Thôn, ấp, tổ dân phố", "Số nhân khẩu", "Năm rà soát",
                 "Thu nhập bình quân (đồng/người/tháng)", "Chỉ số thiếu hụt"],
    ).export("csv").encode()
    client.force_login(keeper)
    response = client.post(reverse("review_import"), {"file": SimpleUploadedFile("ds.csv", content)})
    assert response.context["result"].figures_refreshed
    assert "Số liệu tổng hợp của xã đã được tính lại." in response.content.decode()
    assert figures(ward.pk, 2025)[:2] == (2, 1)


def test_a_commune_officer_may_refresh_the_communes_figures_and_others_may_not(client, ward, keeper, personas):
    household = add_household(keeper, ward)
    services.save_review(user=keeper, household=household, year=2025, deprivations=POOR, income=900_000)
    assert figures(ward.pk, 2025) is None  # saved through the service alone: not counted yet
    url = reverse("commune_refresh", args=[ward.pk])
    client.force_login(personas.leader)
    assert client.post(url, {"nam": 2025}).status_code == 403
    assert figures(ward.pk, 2025) is None
    client.force_login(keeper)
    page = client.get(reverse("register_dashboard", args=[ward.pk]) + "?nam=2025")
    assert page.context["can_refresh_commune"] and url in page.content.decode()
    response = client.post(url, {"nam": 2025})
    assert response.status_code == 302 and figures(ward.pk, 2025)[:2] == (1, 1)


# ---------------------------------------------------------------------------------------------
# Urban by default in a phường


def test_a_phuong_defaults_to_urban_on_the_form_and_in_an_import_and_a_xa_to_rural(client, ward, keeper):
    village = commune_of_kind("xã")
    assert ward.division_type == "phường" and village.division_type == "xã"
    client.force_login(keeper)
    form = client.get(reverse("household_create", args=[ward.pk])).context["form"]
    assert form["area"].value() == Area.URBAN
    assert 'value="urban" selected' in str(form["area"])
    client.force_login(make_user("canbo.hai.xa", Role.ADMIN))
    assert client.get(reverse("household_create", args=[village.pk])).context["form"]["area"].value() == Area.RURAL

    content = tablib.Dataset(
        ["P-1", ward.code, "Lê Văn Phường", "Khu vực 1", "3", "2025", "1.000.000", "", ""],
        ["X-1", village.code, "Lê Văn Xã", "Ấp 1", "3", "2025", "1.000.000", "", ""],
        headers=["Mã hộ", "Mã xã", "Chủ hộ", "Thôn, ấp, tổ dân phố", "Số nhân khẩu", "Năm rà soát",
                 "Thu nhập bình quân (đồng/người/tháng)", "Chỉ số thiếu hụt", "Khu vực"],
    ).export("csv").encode()
    response = client.post(reverse("review_import"), {"file": SimpleUploadedFile("ds.csv", content)})
    assert not response.context["result"].has_errors
    assert Household.objects.get(code="P-1").area == Area.URBAN and Household.objects.get(code="X-1").area == Area.RURAL
    assert HouseholdReview.objects.get(household__code="P-1").area == Area.URBAN


def test_a_unit_without_its_kind_is_read_by_its_name():
    assert services.default_area(AdministrativeUnit(name="Phường Vị Thanh", division_type="")) == Area.URBAN
    assert services.default_area(AdministrativeUnit(name="Thị trấn Long Mỹ", division_type="")) == Area.URBAN
    assert services.default_area(AdministrativeUnit(name="Xã Phường Xuyên", division_type="")) == Area.RURAL
    assert services.default_area(AdministrativeUnit(name="Côn Đảo", division_type="đặc khu")) == Area.RURAL


# ---------------------------------------------------------------------------------------------
# Incomes and the yearly chart


def test_incomes_show_with_vietnamese_thousands(client, ward, keeper):
    household = add_household(keeper, ward)
    services.save_review(user=keeper, household=household, year=2025, deprivations=[], income=1_234_500)
    client.force_login(keeper)
    detail = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert "1.234.500 đ" in detail and "1234500" not in detail
    listing = client.get(reverse("household_list", args=[ward.pk]) + "?nam=2025").content.decode()
    assert ">1.234.500<" in listing
    standards = client.get(reverse("standard_list")).content.decode()
    assert "2.000.000" in standards and "2000000" not in standards  # the urban poverty line of 2022–2025


def stat(year, total, poor, near_poor, escaped=0, new_poor=0, fallen_back=0) -> RegisterStat:
    return RegisterStat(year=year, total=total, poor=poor, near_poor=near_poor, middle=0, not_poor=total - poor - near_poor,
                        escaped=escaped, new_poor=new_poor, fallen_back=fallen_back)


def test_the_yearly_chart_uses_vietnamese_decimals_and_cuts_no_line():
    series = [stat(2023, 36, 1, 1), stat(2024, 36, 1, 1, escaped=0), stat(2025, 36, 0, 1, escaped=1)]
    figure = json.loads(charts.rate_series(series))
    layout = figure["layout"]
    assert layout["separators"] == ",."
    rates = [y for trace in figure["data"][:2] for y in trace["y"]]
    low, high = layout["yaxis"]["range"]
    assert low == 0 and high >= max(rates) * 1.1  # the highest marker (2,78%) is below the top
    assert all(trace["cliponaxis"] is False for trace in figure["data"][:2])  # a rate of 0 sits on the axis, whole
    low2, high2 = layout["yaxis2"]["range"]
    assert low2 == 0 and high2 >= 1 and layout["yaxis2"]["dtick"] == 1  # whole households, no 0,168
    assert layout["xaxis"]["range"] == [2022.5, 2025.5]
    big = json.loads(charts.rate_series([stat(2024, 900, 36, 15, escaped=16, new_poor=1), stat(2025, 900, 21, 23, escaped=16)]))
    assert big["layout"]["yaxis2"]["range"] == [0, 20] and big["layout"]["yaxis2"]["dtick"] == 5
    assert big["layout"]["yaxis"]["range"][1] >= 4 * 1.1
