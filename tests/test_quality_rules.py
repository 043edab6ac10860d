"""Data-quality rules (quality/): Tiền Giang's published 2021 review, entered through the workbook
with each printed rate beside its counts, has its districts' poor households adding up to 8.172
against the province's 8.112 and four printed rates that do not match their counts."""

from decimal import Decimal

import pytest
import tablib
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Actual, Indicator, MeasureUnit, Target, TargetKind
from indicators.services import validate_figure
from plans.models import AdministrativeUnit, AdminMap, Document, Role, UnitLevel
from quality import engine
from quality.expressions import ExpressionError, parse
from quality.models import QualityFinding, QualityRule
from tests.conftest import make_user
from tests.test_real_plans import TIEN_GIANG_PUBLISHED, csv_rows, import_fixture, read_fixture

ND07 = "nd-07-2021"


def _with_published_rates(sheets: dict) -> dict:
    """The review's rows as printed: each rate row carries the published rate and its counts."""
    rows = csv_rows("tien-giang-ra-soat-2021", "actuals")
    actuals = tablib.Dataset(headers=list(rows[0]))
    for row in rows:
        rates = TIEN_GIANG_PUBLISHED.get(row["Mã địa bàn"])
        if row["Mã chỉ số"] in ("GN01", "GN02") and rates:
            row["Giá trị"] = rates[0 if row["Mã chỉ số"] == "GN01" else 1] or ""
        actuals.append(list(row.values()))
    sheets["actuals"] = actuals
    return sheets


@pytest.fixture
def tien_giang(db, django_capture_on_commit_callbacks, monkeypatch):
    import tests.test_real_plans as real

    monkeypatch.setattr(real, "read_fixture", lambda slug: (_with_published_rates(read_fixture(slug)[0]), []))
    with django_capture_on_commit_callbacks(execute=True):
        import_fixture("tien-giang-ra-soat-2021")
    call_command("load_quality_rules", verbosity=0)
    return AdministrativeUnit.objects.get(code="82", admin_map=AdminMap.LEGACY)


def _by_rule(findings) -> dict[str, list]:
    result: dict[str, list] = {}
    for f in findings:
        result.setdefault(f.rule.code, []).append(f)
    return result


def test_a_row_with_both_the_published_rate_and_its_counts_is_accepted_and_keeps_the_rate(tien_giang):
    figure = Actual.objects.get(indicator__code="GN01", unit__code="819", year=2021, standard=ND07)
    assert (figure.value, figure.numerator, figure.denominator) == (Decimal("1.67"), 1370, 79836)
    assert figure.effective_value == Decimal("1.67")


def test_the_entry_form_still_refuses_both_while_the_import_accepts_them():
    gn01 = Indicator(code="GN01", measure_unit=MeasureUnit.PERCENT)
    with pytest.raises(Exception, match="không nhập cả hai"):
        validate_figure(indicator=gn01, value=Decimal("1.67"), numerator=Decimal(1370), denominator=Decimal(79836))
    validate_figure(indicator=gn01, value=Decimal("1.67"), numerator=Decimal(1370), denominator=Decimal(79836),
                    with_fraction=True)
    with pytest.raises(Exception, match="cả tử số và mẫu số"):
        validate_figure(indicator=gn01, value=Decimal("1.67"), numerator=Decimal(1370), denominator=None, with_fraction=True)


def test_tien_giang_district_sum_and_four_rate_slips_are_found_with_their_figures(tien_giang):
    found = _by_rule(engine.run(territory=tien_giang, year=2021))
    [district_sum] = found["tong-cap-duoi-ho-ngheo"]
    assert (district_sum.unit_id, district_sum.left_value, district_sum.right_value) == (tien_giang.pk, 8112, 8172)
    assert (district_sum.difference, district_sum.children_count) == (-60, 11)
    slips = {(f.indicator.code, f.unit.code): (f.left_value, f.right_value.quantize(Decimal("0.0001")))
             for code in ("ty-le-ho-ngheo-khop-so-ho", "ty-le-ho-can-ngheo-khop-so-ho") for f in found[code]}
    assert slips == {
        ("GN01", "819"): (Decimal("1.67"), Decimal("1.7160")),  # Cái Bè: 1.370 / 79.836
        ("GN01", "823"): (Decimal("1.37"), Decimal("1.4456")),
        ("GN02", "822"): (Decimal("2.39"), Decimal("3.0778")),
        ("GN02", "823"): (Decimal("2.14"), Decimal("1.7702")),
    }
    # Nothing else: total households add up, counts stay within totals, TX Gò Công's missing
    # near-poor count leaves the near-poor sum unchecked rather than wrong.
    assert set(found) == {"tong-cap-duoi-ho-ngheo", "ty-le-ho-ngheo-khop-so-ho", "ty-le-ho-can-ngheo-khop-so-ho"}
    assert QualityFinding.objects.filter(year=2021).count() == 5
    engine.run(territory=tien_giang, year=2021)  # a rerun replaces, never adds
    assert QualityFinding.objects.filter(year=2021).count() == 5


def test_published_rounding_accepts_a_rate_within_half_a_hundredth():
    rule = QualityRule(code="r", left_side="GN01.value", operator="==", right_side="GN01.rate", rounding_decimals=2)
    assert rule.allowed_gap == Decimal("0.005")
    assert engine.passes("==", Decimal("1.47") - Decimal(793) * 100 / Decimal(53904), rule.allowed_gap)  # 1,4711
    assert not engine.passes("==", Decimal("1.67") - Decimal(1370) * 100 / Decimal(79836), rule.allowed_gap)


def test_balance_and_year_on_year_band_and_count_within_total(db):
    call_command("load_quality_rules", verbosity=0)
    from indicators.models import YearlyValue

    province = AdministrativeUnit.objects.get(code="82", admin_map=AdminMap.LEGACY)
    codes = dict(Indicator.objects.values_list("code", "pk"))
    rows = {("GN03", 2021): 1000, ("GN03", 2022): 950, ("HN03", 2022): 200, ("HN05", 2022): 10, ("HN04", 2022): 100,
            ("HN01", 2022): 900, ("GN01", 2021): Decimal("2.5"), ("GN01", 2022): Decimal("14")}
    YearlyValue.every.bulk_create(YearlyValue(indicator_id=codes[c], unit=province, year=y, value=v) for (c, y), v in rows.items())
    found = _by_rule(engine.evaluate(territory=province, year=2022))
    assert [(f.left_value, f.right_value) for f in found["can-doi-ho-ngheo"]] == [(950, 1000 - 200 + 10 + 100)]
    assert [(f.left_value, f.right_value) for f in found["ho-ngheo-khong-vuot-tong-so-ho"]] == [(950, 900)]
    assert [f.left_value for f in found["ty-le-ho-ngheo-tang-bat-thuong"]] == [Decimal("11.5")]
    assert "ty-le-ho-ngheo-giam-bat-thuong" not in found


def test_expressions_are_parsed_never_evaluated():
    assert [(t.sign, t.code, t.year_offset) for t in parse("GN03[year-1] - HN03 + HN05 + HN04")] == [
        (1, "GN03", 1), (-1, "HN03", 0), (1, "HN05", 0), (1, "HN04", 0)]
    assert parse("#{BENCH-Q01}.rate")[0].code == "BENCH-Q01"
    for bad in ("__import__('os')", "GN03 * 2", "GN03.secret", "sum_children(GN03", "GN03 +"):
        with pytest.raises(ExpressionError):
            parse(bad)


# ---------------------------------------------------------------------------------------------
# The page and the dashboards


def test_leader_runs_the_check_and_sees_both_figures_side_by_side(tien_giang, client):
    leader = make_user("lanhdao.cl", Role.LEADER)
    client.force_login(leader)
    response = client.post("/chat-luong-so-lieu/", {"dia_ban": tien_giang.pk, "nam": 2021})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "8.112" in html and "8.172" in html and "1,716" in html and "1,67" in html, html[-3000:]
    assert html.count("Cái Bè") == 1


def test_page_refuses_users_without_the_right_or_outside_their_territory(tien_giang, client):
    client.force_login(make_user("nguoingoai.cl"))
    assert client.get("/chat-luong-so-lieu/").status_code == 403
    client.force_login(make_user("canbo.cl", Role.OFFICER, ("82", AdminMap.LEGACY)))
    assert client.get("/chat-luong-so-lieu/").status_code == 403
    client.force_login(make_user("duyet.cl", Role.REVIEWER, ("92", AdminMap.CURRENT)))
    assert client.get(f"/chat-luong-so-lieu/?dia_ban={tien_giang.pk}&nam=2021").status_code == 404
    assert client.post("/chat-luong-so-lieu/", {"dia_ban": tien_giang.pk, "nam": 2021}).status_code == 404
    assert not QualityFinding.objects.exists()


def test_dashboards_mark_the_figures_to_check(tien_giang, client):
    engine.run(territory=tien_giang, year=2021)
    client.force_login(make_user("lanhdao.db", Role.LEADER))
    gn01 = Indicator.objects.get(code="GN01")
    html = client.get(f"/bang-dieu-khien/so-sanh/{gn01.pk}/?nam=2021&dia_ban={tien_giang.pk}").content.decode()
    rows = [r for r in html.split("<tr>") if "Cái Bè" in r or "Cai Lậy" in r]
    assert any("Cái Bè" in r and "cần kiểm tra" in r for r in rows)
    assert all("cần kiểm tra" not in r for r in rows if "Cái Bè" not in r)
    target = Target.objects.create(
        document=Document.objects.filter(targets__isnull=True).first() or Document.objects.first(), code="CL-1",
        indicator=Indicator.objects.get(code="GN03"), territory=tien_giang, kind=TargetKind.LEVEL,
        max_value=9000, unit=MeasureUnit.HOUSEHOLDS, end_year=2021, source_quote="Số hộ nghèo dưới 9.000 hộ")
    page = client.get(f"/bang-dieu-khien/chi-tieu/{target.pk}/?nam=2021").content.decode()
    assert page.count("cần kiểm tra") == 1


def test_engine_query_count_does_not_grow_with_the_number_of_units(tien_giang):
    thanh_hoa = AdministrativeUnit.objects.get(code="38", admin_map=AdminMap.LEGACY)
    nation = AdministrativeUnit.objects.get(level=UnitLevel.NATION)
    counts = []
    for territory in (tien_giang, thanh_hoa, nation):  # 11 districts, 27 districts, 14.000 units
        with CaptureQueriesContext(connection) as queries:
            engine.run(territory=territory, year=2021)
        inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
        assert len(inserts) <= 1  # the findings, in one statement
        counts.append(len(queries) - len(inserts))
    assert counts[0] == counts[1] and counts[2] <= counts[0] <= 10  # the nation has no merged units to look up


# ---------------------------------------------------------------------------------------------
# The workbook preview: warnings beside errors, blocking only for rules of severity "Chặn"


def test_preview_warns_of_a_printed_rate_off_its_counts_and_blocks_a_count_over_the_total(admin_client):
    from tests.test_workbook import actual_row, last_record, upload, xlsx

    call_command("load_standards", verbosity=0)
    call_command("load_quality_rules", verbosity=0)
    rate = actual_row(**{"Giá trị": "2,41", "Tử số": 30, "Mẫu số": "1.000"})  # 30 / 1.000 = 3%, printed 2,41%
    total = actual_row(**{"Mã chỉ số": "HN01", "Giá trị": "1.000"})
    upload(admin_client, xlsx({"actuals": [rate, total, actual_row(**{"Mã chỉ số": "GN03", "Giá trị": "1.200"})]}))
    record = last_record()
    [blocking] = [e for e in record.errors if not e.get("warning")]
    assert (record.error_count, blocking["row"]) == (1, 4)
    assert blocking["message"].startswith("Số hộ nghèo không vượt tổng số hộ: GN03 = 1.200, HN01 = 1.000")

    upload(admin_client, xlsx({"actuals": [rate, total, actual_row(**{"Mã chỉ số": "GN03", "Giá trị": 30})]}))
    record = last_record()
    [warning] = record.errors
    assert (record.error_count, warning["row"], warning["warning"]) == (0, 2, True)
    assert "GN01.value = 2,41, GN01.rate = 3" in warning["message"]
    page = admin_client.get(reverse("import_detail", args=[record.pk])).content.decode()
    assert "1 cảnh báo chất lượng số liệu" in page and reverse("import_apply", args=[record.pk]) in page


def test_saving_a_figure_on_the_entry_page_warns_of_a_rule_it_breaks_and_keeps_it(client, personas):
    """On save: 1.200 poor households typed beside the 1.000 households the unit has breaks "count ≤ total"."""
    call_command("load_quality_rules", verbosity=0)
    from tests.test_reporting_pages import hg_target, login, post_actual

    rate_target = hg_target()
    poor = Target.objects.create(
        document=rate_target.document, code="QA.1", indicator=Indicator.objects.get(code="GN03"),
        territory=rate_target.territory, kind=TargetKind.LEVEL, max_value=100, unit=MeasureUnit.HOUSEHOLDS,
        start_year=2021, end_year=2025, source_quote="số hộ nghèo (kiểm tra quy tắc khi lưu)",
    )
    Actual.objects.create(indicator=Indicator.objects.get(code="HN01"), unit=poor.territory, year=2024, value=1000)
    login(client, personas.officer_hg)

    saved = post_actual(client, poor, value="1200")
    assert saved.status_code == 302
    page = client.get(saved.url).content.decode()
    assert "Đã lưu nháp số liệu." in page
    rule = QualityRule.objects.get(code="ho-ngheo-khong-vuot-tong-so-ho")
    assert f"{rule.name}: {rule.left_side} = 1.200, {rule.right_side} = 1.000 (chênh lệch 200)." in page
    assert Actual.objects.get(indicator__code="GN03", unit=poor.territory, year=2024).value == 1200

    within = post_actual(client, poor, value="900", version="1")
    assert rule.name not in client.get(within.url).content.decode()
