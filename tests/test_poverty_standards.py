"""The standard of every figure (issue 12, scope 5): figures of two poverty standards side by side,
the headline row, the workbook's refusals, the register's stamp, and a change target judged on its
own standard, never across the break between QĐ 59/2015 (2016–2021) and NĐ 07/2021 (2022–2026)."""

import csv
import io
from decimal import Decimal

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards.judging import evaluate_targets
from dashboards.scope import Options, for_judging
from exchange.workbook.bulk_actuals import import_actuals
from exchange.workbook.results import SheetRows
from exchange.workbook.sheets import sheet_headers
from households import services as register_services
from households.models import Household, HouseholdReview, PovertyStandard
from indicators.evaluation import EvaluationStatus
from indicators.models import Actual, ChangeDirection, Indicator, MeasureUnit, Target, TargetKind, YearlyValue
from indicators.poverty_standards import Standards
from indicators.resources import ActualResource
from plans.models import AdminMap, Document, Membership, Role, UnitLevel
from review.models import ReviewStatus
from tests.conftest import make_user, unit

NATION = ("VN", AdminMap.STATISTICAL)
QD59, ND07 = "qd-59-2015", "nd-07-2021"


@pytest.fixture
def standards(db):
    call_command("load_standards", verbosity=0)


def sheet(*rows: dict) -> SheetRows:
    headers = sheet_headers("actuals")
    values = [[row.get(h, "") for h in headers] for row in rows]
    return SheetRows(headers=headers, open_rows=lambda: iter(enumerate(values, start=2)), total=len(values))


def national(year: int, value: str, standard: str = "", code: str = "GN01", **cells) -> dict:
    return {"Mã chỉ số": code, "Mã địa bàn": "VN", "Bản đồ": "", "Năm": year, "Giá trị": value,
            "Chuẩn nghèo": standard, **cells}


@pytest.fixture
def national_rates(standards, django_capture_on_commit_callbacks):
    """2020 under QĐ 59/2015 (2,75%), 2021 under both standards, 2022–2025 under NĐ 07/2021; a blank
    standard is the one in force in the year."""
    with django_capture_on_commit_callbacks(execute=True):
        result = import_actuals(sheet(
            national(2020, "2,75"), national(2021, "2,23"), national(2021, "5,2", ND07),
            national(2022, "4,03"), national(2023, "2,93"), national(2024, "1,93"), national(2025, "1"),
        ))
    assert (result.new, result.error_count) == (7, 0)
    return Indicator.objects.get(code="GN01")


def national_target(*, standard: str = "", kind=TargetKind.AVERAGE_CHANGE, **fields) -> Target:
    nation = unit(*NATION)
    document = Document.objects.filter(territory=nation).order_by("pk").first()
    values = {"change_direction": ChangeDirection.DECREASE, "min_value": Decimal(1), "max_value": Decimal("1.5"),
              "unit": MeasureUnit.POINTS, "start_year": 2021, "end_year": 2025, **fields}
    return Target.objects.create(
        document=document, code=f"CN.{standard or 'chinh'}.{kind}", indicator=Indicator.objects.get(code="GN01"),
        territory=nation, kind=kind, standard=standard, source_quote="Tỷ lệ hộ nghèo giảm 1–1,5 điểm %/năm.", **values,
    )


def judged(user, target: Target, year: int):
    target = for_judging(Target.objects.filter(pk=target.pk)).get()
    return evaluate_targets(user=user, targets=[target], options=Options(year=year))[0]


def test_the_poverty_rate_indicators_depend_on_the_standard_and_every_year_has_one(standards):
    depends = set(Indicator.objects.filter(depends_on_standard=True).values_list("code", flat=True))
    assert {"GN01", "GN02", "GN03", "GN06"} <= depends and not {"GN04", "GN07", "LD01"} & depends
    standards = Standards()
    assert [standards.in_force(year) for year in (2010, 2015, 2016, 2020, 2021, 2022, 2026, 2027, 2030)] == [
        "", "qd-09-2011", QD59, QD59, QD59, ND07, ND07, "nd-351-2025", "nd-351-2025"]
    assert [standards.short_name(code) for code in (QD59, ND07, "nd-351-2025")] == [
        "chuẩn 2016–2020", "chuẩn 2022–2025", "chuẩn 2027–2030"]
    qd59 = PovertyStandard.objects.get(code=QD59)
    assert (qd59.poverty_income_rural, qd59.poverty_income_urban, qd59.legal_basis) == (700_000, 900_000, "QĐ 59/2015/QĐ-TTg")
    assert not qd59.confirmed and qd59.indicators.count() == 10
    # Its classification rule is not the register's: it labels figures, households are not reviewed by it.
    with pytest.raises(ValidationError) as refused:
        register_services.standard_for(2021)
    assert "Năm 2021 áp dụng chuẩn nghèo QĐ 59/2015/QĐ-TTg" in str(refused.value)


def test_both_2021_figures_are_kept_neither_a_correction_and_the_standard_in_force_heads(national_rates):
    nation = unit(*NATION)
    figures = {a.standard: a for a in Actual.objects.filter(indicator=national_rates, unit=nation, year=2021)}
    assert {s: a.value for s, a in figures.items()} == {QD59: Decimal("2.23"), ND07: Decimal("5.2")}
    assert not any(a.is_late_correction for a in figures.values()) and {a.version for a in figures.values()} == {1}
    rows = {(r.standard, r.is_headline) for r in YearlyValue.every.filter(indicator=national_rates, unit=nation, year=2021)}
    assert rows == {(QD59, True), (ND07, False)}
    assert YearlyValue.objects.get(indicator=national_rates, unit=nation, year=2021).value == Decimal("2.23")
    assert YearlyValue.objects.get(indicator=national_rates, unit=nation, year=2022).standard == ND07
    # The in-force figure gone (one save, refresh_for), the other standard's becomes the headline.
    figures[QD59].delete()
    headline = YearlyValue.objects.get(indicator=national_rates, unit=nation, year=2021)
    assert (headline.standard, headline.value) == (ND07, Decimal("5.2"))


def test_roll_ups_add_up_one_standard_and_a_breakdown_row_is_never_headline(standards):
    gn03 = Indicator.objects.get(code="GN03")
    province = unit("93")
    districts = list(province.children.all())
    for district in districts:
        for standard, value in ((QD59, 10), (ND07, 20)):
            Actual.objects.create(indicator=gn03, unit=district, year=2021, standard=standard, value=value,
                                  status=ReviewStatus.APPROVED)
    Actual.objects.create(indicator=gn03, unit=districts[0], year=2021, standard=ND07, breakdown="dtts", value=4,
                          status=ReviewStatus.APPROVED)
    rows = {(r.standard, r.breakdown): r for r in YearlyValue.every.filter(indicator=gn03, unit=province, year=2021)}
    assert {key: (r.value, r.is_headline) for key, r in rows.items()} == {
        (QD59, ""): (10 * len(districts), True), (ND07, ""): (20 * len(districts), False)}
    breakdown = YearlyValue.every.get(indicator=gn03, unit=districts[0], year=2021, breakdown="dtts")
    assert not breakdown.is_headline
    # A full rebuild chooses the same rows.
    from indicators import rollups

    rollups.refresh_yearly_values(indicator_ids=[gn03.pk])
    assert YearlyValue.objects.get(indicator=gn03, unit=province, year=2021).standard == QD59
    assert YearlyValue.every.filter(indicator=gn03, unit=province, year=2021).count() == 2


def test_a_target_on_its_own_standard_is_judged_on_it_not_slowed_by_the_2020_figure(national_rates, personas):
    own = national_target(standard=ND07)
    status = judged(personas.leader, own, 2025)
    assert status.status == EvaluationStatus.ACHIEVED
    assert status.evaluation.explanation == (
        "Bình quân giảm 1,05 điểm %/năm, nằm trong mức 1–1,5; theo chuẩn 2022–2025, năm gốc 2021")
    assert [(p.year, p.standard) for p in status.points] == [(y, ND07) for y in range(2021, 2026)]
    # In 2024, on track; across the break (2,75% in 2020 to 1,93%) it would have been "chậm tiến độ".
    early = judged(personas.leader, own, 2024)
    assert early.status == EvaluationStatus.ON_TRACK
    assert early.evaluation.explanation.startswith("Bình quân giảm 1,09 điểm %/năm")


def test_a_headline_target_uses_one_standard_or_says_the_figures_do_not_compare(national_rates, personas):
    headline = judged(personas.leader, national_target(), 2025)
    assert headline.status == EvaluationStatus.ACHIEVED
    assert headline.evaluation.explanation == (
        "Bình quân giảm 1,05 điểm %/năm, nằm trong mức 1–1,5; chỉ tính theo chuẩn 2022–2025 từ năm 2021, "
        "không so sánh được qua hai chuẩn nghèo với số liệu theo chuẩn 2016–2020")
    assert {p.year: p.standard for p in headline.points if p.used} == {y: ND07 for y in range(2021, 2026)}
    relative = judged(personas.leader, national_target(
        kind=TargetKind.RELATIVE_CHANGE, baseline_year=2020, unit=MeasureUnit.PERCENT, min_value=Decimal(50),
        max_value=None), 2025)
    assert relative.status == EvaluationStatus.NO_DATA
    assert relative.evaluation.explanation == (
        "Không so sánh được qua hai chuẩn nghèo: năm 2020 theo chuẩn 2016–2020, năm 2025 theo chuẩn 2022–2025")


def test_the_standard_shows_on_the_target_page_the_dashboard_the_queue_and_the_export(national_rates, personas, client):
    target = national_target(standard=ND07)
    client.force_login(personas.leader)
    page = client.get(reverse("dashboard_target", args=[target.pk]) + "?nam=2025").content.decode()
    assert page.count("chuẩn 2022–2025") >= 5
    board = client.get(reverse("dashboard") + "?nam=2025").content.decode()
    assert "chuẩn 2022–2025" in board

    officer = make_user("canbo.vn", Role.OFFICER, NATION)
    Actual.objects.create(indicator=national_rates, unit=unit(*NATION), year=2026, value=Decimal("0.9"),
                          standard=ND07, status=ReviewStatus.SUBMITTED, created_by=officer)
    client.force_login(personas.admin)
    queue = client.get(reverse("review_queue")).content.decode()
    assert "chuẩn 2022–2025" in queue
    rows = list(csv.reader(io.StringIO(b"".join(
        client.get(reverse("export_list", args=["actuals", "csv"])).streaming_content).decode("utf-8-sig"))))
    column = rows[0].index("Chuẩn nghèo")
    assert sorted(row[column] for row in rows[1:] if row[3] == "2021") == [ND07, QD59]


def test_the_entry_page_shows_and_records_the_standard_of_the_year(standards, personas, client):
    target = national_target(kind=TargetKind.LEVEL, change_direction="", unit=MeasureUnit.PERCENT, min_value=None,
                             max_value=Decimal(1), start_year=None, end_year=2025)
    officer = make_user("canbo.nhap", Role.OFFICER, NATION)
    client.force_login(officer)
    url = reverse("actual_entry", args=[target.pk]) + "?nam=2025"
    assert "chuẩn 2022–2025" in client.get(url).content.decode()
    response = client.post(url, {"year": 2025, "value": "1,9", "numerator": "", "denominator": "", "action": "save", "version": "0"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    actual = Actual.objects.get(indicator=target.indicator, unit=target.territory, year=2025)
    assert actual.standard == ND07


def test_the_workbook_refuses_a_standard_on_an_indicator_without_one_and_an_unknown_code(standards):
    result = import_actuals(sheet(
        national(2024, "3", ND07, code="GN04"), national(2024, "2", "nd-99-2099"), national(2024, "1,9"),
    ), write=False)
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages == {
        (2, "Chuẩn nghèo"): "Chuẩn nghèo: Chỉ số GN04 không đo theo chuẩn nghèo: để trống cột “Chuẩn nghèo”.",
        (3, "Chuẩn nghèo"): "Chuẩn nghèo: Không có chuẩn nghèo mã “nd-99-2099” (các mã: qd-09-2011, qd-59-2015, nd-07-2021, nd-351-2025).",
    }
    assert (result.new, result.wrong) == (1, 2)

    # The row-by-row path (the admin's import) says the same.

    headers = sheet_headers("actuals")
    dataset = tablib.Dataset(headers=headers)
    dataset.append([national(2024, "3", ND07, code="GN04").get(h, "") for h in headers])
    outcome = ActualResource().import_data(dataset, dry_run=True)
    [row] = outcome.invalid_rows
    assert row.error_dict["standard"] == ["Chỉ số GN04 không đo theo chuẩn nghèo: để trống cột “Chuẩn nghèo”."]


def test_a_workbook_made_before_the_new_columns_still_imports(standards):
    headers = [h for h in sheet_headers("actuals") if h not in ("Chuẩn nghèo", "Nhóm phân tổ")]
    values = [[national(2022, "4,03").get(h, "") for h in headers]]
    result = import_actuals(SheetRows(headers=headers, open_rows=lambda: iter(enumerate(values, start=2)), total=1))
    assert (result.new, result.error_count) == (1, 0)
    assert Actual.objects.get(year=2022).standard == ND07


def test_the_admin_import_button_also_takes_a_file_made_before_the_new_columns(standards):
    # django-import-export checks its key columns before any row: the two optional ones are added.
    headers = [h for h in sheet_headers("actuals") if h not in ("Chuẩn nghèo", "Nhóm phân tổ")]
    dataset = tablib.Dataset(headers=headers)
    dataset.append([national(2022, "4,03", **{"Kỳ": "Năm", "Số kỳ": 0}).get(h, "") for h in headers])
    outcome = ActualResource().import_data(dataset)
    assert [row.error_dict for row in outcome.invalid_rows] == [] and not outcome.has_errors()
    assert outcome.totals["new"] == 1
    assert (Actual.objects.get(year=2022).standard, Actual.objects.get(year=2022).breakdown) == (ND07, "")


def test_the_register_recompute_stamps_the_standard_of_its_year(commune):
    officer = make_user("canbo.xa.chuan")
    Membership.objects.create(user=officer, unit=commune, role=Role.OFFICER)
    household = register_services.save_household(
        user=officer, commune=commune, code="HO-CHUAN-1", head_name="Nguyễn Văn Thử", village="Ấp 1", members=4,
        area="rural")
    register_services.save_review(user=officer, household=household, year=2025, income=1_000_000,
                                  deprivations=["bhyt", "viec-lam", "nha-tieu"])
    register_services.recompute_register(year=2025)
    figures = {a.indicator.code: a.standard for a in Actual.objects.filter(unit=commune, year=2025).select_related("indicator")}
    assert figures["GN01"] == figures["GN03"] == ND07 and figures["HN01"] == ""
    assert YearlyValue.objects.get(indicator__code="GN01", unit=commune, year=2025).standard == ND07
    assert HouseholdReview.objects.get(household=household).standard.code == ND07
    assert Household.objects.count() == 1


def test_the_dashboard_pages_read_no_more_queries_with_a_second_standard(national_rates, personas, client):
    target = national_target(standard=ND07)
    client.force_login(personas.leader)
    pages = [reverse("dashboard_target", args=[target.pk]) + "?nam=2025", reverse("dashboard") + "?nam=2025",
             reverse("dashboard_compare", args=[national_rates.pk]) + "?nam=2025"]

    def counts() -> list[int]:
        out = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            out.append(len(queries))
        return out

    counts()  # the standards' short names are read once per process
    before = counts()
    nation = unit(*NATION)
    for year in range(2016, 2021):
        Actual.objects.create(indicator=national_rates, unit=nation, year=year, standard=ND07, value=Decimal(9),
                              status=ReviewStatus.APPROVED)
    provinces = unit("VN", AdminMap.STATISTICAL).children.filter(level=UnitLevel.REGION)
    assert provinces.exists()
    assert counts() == before


def test_the_data_migration_gives_existing_figures_the_standard_of_their_year(db):
    import importlib

    from django.apps import apps

    stamp = importlib.import_module("indicators.migrations.0008_standards_figure_standard").stamp
    nation = unit(*NATION)
    gn01, gn04 = Indicator.objects.get(code="GN01"), Indicator.objects.get(code="GN04")
    for indicator, year in ((gn01, 2021), (gn01, 2023), (gn04, 2023)):
        Actual.objects.create(indicator=indicator, unit=nation, year=year, value=Decimal(3), status=ReviewStatus.APPROVED)
    Actual.objects.create(indicator=gn01, unit=nation, year=2023, standard=ND07, value=Decimal(4),
                          status=ReviewStatus.APPROVED)  # already under the standard: the blank one stays blank

    stamp(apps, None)  # no standard loaded: the years of data/standards

    figures = sorted(Actual.objects.filter(unit=nation).values_list("indicator__code", "year", "standard", "value"))
    assert figures == [("GN01", 2021, QD59, 3), ("GN01", 2023, "", 3), ("GN01", 2023, ND07, 4), ("GN04", 2023, "", 3)]
    assert YearlyValue.every.get(indicator=gn01, unit=nation, year=2021).standard == QD59


# ---------------------------------------------------------------------------------------------
# The entry page: a year that takes two standards (the last year of one, the baseline of the next)


@pytest.fixture
def target_2021(standards) -> Target:
    """A Hậu Giang target on NĐ 07/2021 whose baseline is the 2021 review (it takes both standards)."""
    document = Document.objects.get(number="18/KH-UBND", issuer__code="hg-ubnd")
    return Target.objects.create(
        document=document, code="HG.CN", indicator=Indicator.objects.get(code="GN01"), territory=unit("93"),
        kind=TargetKind.AVERAGE_CHANGE, change_direction=ChangeDirection.DECREASE, min_value=Decimal(1),
        unit=MeasureUnit.POINTS, baseline_year=2021, start_year=2022, end_year=2025, standard=ND07,
        source_quote="Tỷ lệ hộ nghèo giảm bình quân 1 điểm %/năm.",
    )


def entry(target: Target, year: int = 2021, standard: str = "") -> str:
    url = f"{reverse('actual_entry', args=[target.pk])}?nam={year}"
    return f"{url}&chuan={standard}" if standard else url


def post_figure(client, target: Target, value: str, standard: str | None, version: str = "", year: int = 2021,
                page_standard: str = ""):
    data = {"year": year, "period": "nam", "value": value, "numerator": "", "denominator": "", "version": version,
            "action": "save", "correction_reason": ""}
    if standard is not None:
        data["standard"] = standard
    return client.post(entry(target, year, page_standard), data)


def test_the_entry_page_offers_both_2021_standards_defaulting_to_the_target_s_and_keeps_both_figures(
        target_2021, personas, client):
    client.force_login(personas.officer_hg)
    page = client.get(entry(target_2021)).content.decode()
    assert '<option value="nd-07-2021" selected>chuẩn 2022–2025 (NĐ 07/2021/NĐ-CP)</option>' in page
    assert '<option value="qd-59-2015">chuẩn 2016–2020 (QĐ 59/2015/QĐ-TTg)</option>' in page

    assert post_figure(client, target_2021, "14,1", ND07).status_code == 302
    assert post_figure(client, target_2021, "4,5", QD59).status_code == 302
    figures = Actual.objects.filter(indicator=target_2021.indicator, unit=target_2021.territory, year=2021)
    assert sorted(figures.values_list("standard", "value", "version")) == [
        (ND07, Decimal("14.1"), 1), (QD59, Decimal("4.5"), 1)]

    # The page on the other standard (?chuan=) shows both figures, and editing one never touches the other.
    page = client.get(entry(target_2021, standard=QD59)).content.decode()
    assert "Số liệu theo từng chuẩn nghèo" in page and "14,1" in page and "4,5" in page
    assert '<option value="qd-59-2015" selected>' in page
    assert post_figure(client, target_2021, "4,6", QD59, version="1", page_standard=QD59).status_code == 302
    assert sorted(figures.values_list("standard", "value", "version")) == [
        (ND07, Decimal("14.1"), 1), (QD59, Decimal("4.6"), 2)]
    # Its figure page's edit link opens the entry on its own standard.
    detail = client.get(reverse("actual_detail", args=[figures.get(standard=QD59).pk])).content.decode()
    assert f"{entry(target_2021)}&amp;ky=nam&amp;chuan={QD59}" in detail


def test_a_standard_the_year_does_not_take_is_refused_in_vietnamese_on_the_page_and_in_the_workbook(
        target_2021, personas, client):
    client.force_login(personas.officer_hg)
    response = post_figure(client, target_2021, "3", "nd-351-2025")
    assert response.status_code == 200
    assert ("Chuẩn nghèo “nd-351-2025” không dùng cho số liệu năm 2021; năm này chỉ nhận: qd-59-2015, nd-07-2021."
            in response.content.decode())
    # A year of one standard: no choice on the page, the figure is under it.
    assert 'name="standard"' not in client.get(entry(target_2021, year=2023)).content.decode()
    assert post_figure(client, target_2021, "3", None, year=2023).status_code == 302
    assert list(Actual.objects.filter(indicator=target_2021.indicator).values_list("year", "standard")) == [(2023, ND07)]

    result = import_actuals(sheet(national(2020, "3", ND07), national(2015, "9,88", QD59)), write=False)
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "Chuẩn nghèo: Chuẩn nghèo “nd-07-2021” không dùng cho số liệu năm 2020; năm này chỉ nhận: qd-59-2015.")]
    assert Standards().applicable(2015) == ["qd-09-2011", QD59] and Standards().applicable(2010) == ["qd-09-2011"]
