"""Demo data that steps aside: the illustrative and synthetic figures of chosen units go in a few
set-based statements (indicators.demo_data), the rest stays exactly, the yearly table is rebuilt as a
full rebuild would, and a real figure over a demo one is a new figure, not a late correction."""

import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exchange.workbook.bulk_actuals import import_actuals
from households.models import Household, HouseholdReview, RegisterStat
from indicators import rollups
from indicators.demo_data import REPLACE_ACTION, REPLACE_REASON, parse_unit, remove_demo_data, subtree_ids
from indicators.models import Actual, ActualSource, Target, YearlyValue
from plans.models import AdminMap
from review.models import AuditEntry, ReviewStatus
from tests.conftest import unit
from tests.test_workbook_bulk import figure, sheet

ILLUSTRATIVE = ActualSource.ILLUSTRATIVE
YEARS = ["--from-year", "2022", "--to-year", "2024"]


@pytest.fixture
def demo(db):
    """Illustrative figures of the poverty rate and its counts, 2022–2024, and real figures beside them:
    imported ones of Hậu Giang (inside Cần Thơ's subtree) and of Huế, under an indicator not drawn."""
    call_command("generate_illustrative_actuals", "--indicators", "GN01,GN03", *YEARS, "--no-task-reports", verbosity=0)
    rows = [figure(2023, "3,1", **{"Mã chỉ số": "GN02"}), figure(2023, "2,2", **{"Mã chỉ số": "GN02", "Mã địa bàn": "46"})]
    assert import_actuals(sheet(*rows)).new == 2
    rollups.refresh_yearly_values()


def in_subtree(reference: str):
    return Actual.objects.filter(unit_id__in=subtree_ids([parse_unit(reference)]))


def yearly_checksum() -> list:
    return sorted(YearlyValue.every.values_list("indicator_id", "unit_id", "year", "standard", "breakdown", "value",
                                                "numerator", "is_computed", "is_headline", "is_illustrative"))


def test_removing_one_province_leaves_every_other_figure_and_rebuilds_its_yearly_values(demo):
    cantho = in_subtree("92@34")
    total = Actual.objects.filter(source=ILLUSTRATIVE).count()
    inside = cantho.filter(source=ILLUSTRATIVE).count()
    real = list(Actual.objects.exclude(source=ILLUSTRATIVE).order_by("pk").values_list("pk", "value", "version", "status"))
    assert inside > 0 and len(real) == 2
    assert YearlyValue.objects.filter(unit=unit("93"), is_illustrative=True).exists()

    result = remove_demo_data(units=[parse_unit("92@34")], illustrative=True)

    assert result.illustrative == inside and result.synthetic == 0
    assert not cantho.filter(source=ILLUSTRATIVE).exists()
    assert Actual.objects.filter(source=ILLUSTRATIVE).count() == total - inside
    assert in_subtree("46@34").filter(source=ILLUSTRATIVE).count() > 0  # Huế keeps its figures
    assert list(Actual.objects.exclude(source=ILLUSTRATIVE).order_by("pk").values_list("pk", "value", "version", "status")) == real
    # Both maps: Cần Thơ today, and Hậu Giang and Sóc Trăng merged into it, with their districts and communes.
    for code, admin_map in (("92", AdminMap.CURRENT), ("93", AdminMap.LEGACY), ("94", AdminMap.LEGACY)):
        assert not YearlyValue.every.filter(unit=unit(code, admin_map), is_illustrative=True).exists()
    assert not YearlyValue.every.filter(unit_id__in=subtree_ids([unit("92", AdminMap.CURRENT)]), is_illustrative=True).exists()
    # Hậu Giang's real figure still shows; the nation no longer adds up a country with a hole in it.
    hg = YearlyValue.objects.get(indicator__code="GN02", unit=unit("93"), year=2023)
    assert (hg.value, hg.is_illustrative) == (Decimal("3.1"), False)
    assert not YearlyValue.objects.filter(indicator__code="GN01", unit=unit("VN", AdminMap.STATISTICAL)).exists()
    assert YearlyValue.objects.filter(indicator__code="GN01", unit=unit("46", AdminMap.CURRENT), is_illustrative=True).exists()
    # The rebuild of the province is what a rebuild of everything gives.
    after = yearly_checksum()
    rollups.refresh_yearly_values()
    assert yearly_checksum() == after
    entry = AuditEntry.objects.get(action="remove_demo")
    assert entry.after["illustrative"] == inside and "92@34" in entry.object_repr


def test_years_and_all(demo):
    in_2024 = Actual.objects.filter(source=ILLUSTRATIVE, year=2024).count()
    result = remove_demo_data(years=[2024], illustrative=True)
    assert result.illustrative == in_2024 and result.years == [2024]
    assert sorted(Actual.objects.filter(source=ILLUSTRATIVE).values_list("year", flat=True).order_by("year").distinct()) == [2022, 2023]
    remove_demo_data(illustrative=True)
    assert not Actual.objects.filter(source=ILLUSTRATIVE).exists()
    assert not YearlyValue.every.filter(is_illustrative=True).exists()
    assert Actual.objects.count() == 2


def test_the_removal_runs_the_same_queries_whatever_the_number_of_figures(demo):
    cantho = parse_unit("92@34")
    counts = []
    for years in ([2022], [2023, 2024]):
        figures = in_subtree("92@34").filter(source=ILLUSTRATIVE, year__in=years).count()
        with CaptureQueriesContext(connection) as queries:
            result = remove_demo_data(units=[cantho], years=years, illustrative=True)
        assert result.illustrative == figures
        counts.append((figures, len(queries)))
    assert counts[1][0] > 1.5 * counts[0][0]
    assert counts[0][1] == counts[1][1] and counts[0][1] < 40, counts


def test_the_command_says_what_it_removed_in_vietnamese(demo):
    inside = in_subtree("93@63").filter(source=ILLUSTRATIVE).count()
    out = io.StringIO()
    call_command("remove_demo_data", "--units", "93@63", "--illustrative", "--dry-run", stdout=out)
    assert f"Sẽ xóa ở Tỉnh Hậu Giang (93@63), mọi năm: {inside} số liệu minh họa" in out.getvalue()
    assert in_subtree("93@63").filter(source=ILLUSTRATIVE).count() == inside
    out = io.StringIO()
    call_command("remove_demo_data", "--units", "93@63", "--years", "2023", "2024", "--illustrative", stdout=out)
    removed = inside - in_subtree("93@63").filter(source=ILLUSTRATIVE).count()
    assert removed > 0 and f"Đã xóa ở Tỉnh Hậu Giang (93@63), 2023, 2024: {removed} số liệu minh họa" in out.getvalue()
    assert "Đã tính lại" in out.getvalue()
    with pytest.raises(CommandError, match="Chọn --illustrative, --synthetic hoặc --all"):
        call_command("remove_demo_data", "--units", "93@63")
    with pytest.raises(CommandError, match="Không tìm thấy địa bàn “99@34”"):
        call_command("remove_demo_data", "--units", "99@34", "--all")


def test_synthetic_register_data_goes_with_its_households_and_real_households_stay(db):
    call_command("generate_register", "--demo", verbosity=0)
    hg_communes = subtree_ids([unit("93")])
    hue = Household.objects.filter(is_synthetic=True, legacy_commune__parent__parent__code="46").count()
    place = Household.objects.filter(legacy_commune_id__in=hg_communes).first()
    real = Household.objects.create(code="HG-THAT-1", head_name="Nguyễn Văn Thật", commune=place.commune,
                                    legacy_commune=place.legacy_commune, village="Ấp 1", area=place.area, members=4)
    assert Actual.objects.filter(source=ActualSource.SYNTHETIC, unit=unit("93")).exists()
    out = io.StringIO()
    call_command("remove_demo_data", "--units", "93@63", "--synthetic", stdout=out)
    assert not Household.objects.filter(is_synthetic=True, legacy_commune_id__in=hg_communes).exists()
    assert Household.objects.filter(is_synthetic=True, legacy_commune__parent__parent__code="46").count() == hue > 0
    assert Household.objects.filter(pk=real.pk).exists()
    assert not HouseholdReview.objects.filter(household__legacy_commune_id__in=hg_communes).exists()
    assert not RegisterStat.objects.filter(unit=unit("93")).exists()
    assert RegisterStat.objects.filter(unit=unit("46")).exists()
    assert not Actual.objects.filter(source=ActualSource.SYNTHETIC, unit_id__in=hg_communes | {unit("93").pk}).exists()
    assert Actual.objects.filter(source=ActualSource.SYNTHETIC, unit=unit("46")).exists()
    assert "hộ giả lập" in out.getvalue()


# ---------------------------------------------------------------------------------------------
# The admin action


def changelist() -> str:
    return reverse("admin:indicators_actual_changelist")


def test_the_admin_action_asks_then_removes_for_administrators_only(client, demo):
    selected = list(in_subtree("93@63").filter(source=ILLUSTRATIVE, year=2023).values_list("pk", flat=True)[:2])
    inside = in_subtree("93@63").filter(source=ILLUSTRATIVE).count()
    total = Actual.objects.filter(source=ILLUSTRATIVE).count()
    action = {"action": "remove_demo_data_action", "_selected_action": selected}

    staff = get_user_model().objects.create_user("bientap", password="mat-khau-thu-nghiem", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_actual", "change_actual", "delete_actual"]))
    client.force_login(staff)
    page = client.get(changelist())
    assert page.status_code == 200 and "remove_demo_data_action" not in page.content.decode()
    refused = client.post(changelist(), {**action, "confirm": "1", "illustrative": "on"})
    assert refused.status_code in (200, 302) and Actual.objects.filter(source=ILLUSTRATIVE).count() == total

    client.force_login(get_user_model().objects.create_superuser("quantri", password="mat-khau-quan-tri"))
    assert "Xóa số liệu minh họa/giả lập của các địa bàn đã chọn" in client.get(changelist()).content.decode()
    confirm = client.post(changelist(), action)
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "Tỉnh Hậu Giang (93@63)" in text and f"Hiện có {inside} số liệu minh họa" in text
    assert Actual.objects.filter(source=ILLUSTRATIVE).count() == total  # asking removes nothing
    wrong = client.post(changelist(), {**action, "confirm": "1", "years": "hai nghìn"})
    assert "Ghi các năm bằng số" in wrong.content.decode() and Actual.objects.filter(source=ILLUSTRATIVE).count() == total
    done = client.post(changelist(), {**action, "confirm": "1", "illustrative": "on"}, follow=True)
    assert f"Đã xóa {inside} số liệu minh họa" in done.content.decode()
    assert Actual.objects.filter(source=ILLUSTRATIVE).count() == total - inside
    assert not in_subtree("93@63").filter(source=ILLUSTRATIVE).exists()


# ---------------------------------------------------------------------------------------------
# A real figure over an illustrative one


def hg_target() -> Target:
    return Target.objects.select_related("indicator", "territory").get(document__issuer__code="hg-ubnd", code="II.2.a.1")


def assert_replaced(actual: Actual, source: str, value: Decimal) -> None:
    assert (actual.source, actual.value, actual.is_late_correction, actual.correction_reason, actual.version) == (
        source, value, False, "", 1)
    entry = AuditEntry.objects.get(content_type__model="actual", object_id=actual.pk, action=REPLACE_ACTION)
    assert entry.reason == REPLACE_REASON


def test_a_figure_entered_over_an_illustrative_one_is_new_not_a_late_correction(client, demo, personas):
    target = hg_target()
    demo_figure = Actual.objects.get(indicator=target.indicator, unit=target.territory, year=2023)
    assert demo_figure.source == ILLUSTRATIVE
    client.force_login(personas.officer_hg)
    url = f"{reverse('actual_entry', args=[target.pk])}?nam=2023"
    form = client.get(url)
    assert form.status_code == 200
    version = re.search(r'name="version"(?: value="(\d*)")?', form.content.decode()).group(1) or ""
    saved = client.post(url, {"year": 2023, "value": "3,05", "numerator": "", "denominator": "", "version": version,
                              "action": "save", "correction_reason": ""})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    actual = Actual.objects.get(pk=demo_figure.pk)
    assert_replaced(actual, ActualSource.ENTERED, Decimal("3.05"))
    assert (actual.status, actual.created_by) == (ReviewStatus.DRAFT, personas.officer_hg)
    assert not AuditEntry.objects.filter(object_id=actual.pk, action="late_correction").exists()


@pytest.mark.parametrize("method", ["copy", "batched"])
def test_a_figure_imported_over_an_illustrative_one_is_new_not_a_late_correction(demo, method):
    demo_figure = Actual.objects.get(indicator__code="GN01", unit=unit("93"), year=2024)
    assert demo_figure.source == ILLUSTRATIVE
    same_value = str(demo_figure.effective_value).replace(".", ",")  # even the same value: the real one is new
    result = import_actuals(sheet(figure(2024, same_value), figure(2022, "4,1")), method=method, reason="Nhập từ tệp x.xlsx")
    assert result.error_count == 0 and result.changed == 2
    assert_replaced(Actual.objects.get(pk=demo_figure.pk), ActualSource.IMPORTED, demo_figure.effective_value)
    other = Actual.objects.get(indicator__code="GN01", unit=unit("93"), year=2022)
    assert_replaced(other, ActualSource.IMPORTED, Decimal("4.1"))
    # A real figure changed by a later import is a late correction again, as always.
    import_actuals(sheet(figure(2022, "4,2")), method=method)
    assert Actual.objects.get(pk=other.pk).is_late_correction


def test_a_figure_imported_through_the_workbook_over_an_illustrative_one(demo):
    from django.test import TestCase

    from exchange.workbook import loading as workbook

    demo_figure = Actual.objects.get(indicator__code="GN01", unit=unit("93"), year=2023)
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = workbook.import_workbook({"actuals": sheet(figure(2023, "2,75"))})
    assert not result.errors
    assert_replaced(Actual.objects.get(pk=demo_figure.pk), ActualSource.IMPORTED, Decimal("2.75"))
    row = YearlyValue.objects.get(indicator__code="GN01", unit=unit("93"), year=2023)
    assert (row.value, row.is_illustrative, row.is_late_correction) == (Decimal("2.75"), False, False)
