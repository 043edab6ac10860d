"""Issue 12, display: numbers as people write them (12,09 ; 1.234.567 ; 2,2%) from every path a
figure arrives by; a level target's path that keeps what the latest figure already gives; a target of
a closed unit that says how it is judged before any successor figure; unit names as they were in the
figure's year; the comparison on the map in force in the year; a restated target from a basis."""

import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.template import Context, Template
from django.test import TestCase
from django.urls import reverse

from dashboards import charts
from dashboards.comparison import comparison
from dashboards.figures import number_text
from dashboards.judging import closure_note, evaluate_targets
from dashboards.paths import target_path
from dashboards.scope import Options
from dashboards.target import target_detail
from exchange.workbook.loading import import_workbook
from exchange.workbook.sheets import sheet_headers
from indicators.admin import TargetAdminForm
from indicators.models import Actual, Indicator, MeasureUnit, Target, TargetKind
from indicators.restated import restates_error
from plans.models import AdministrativeUnit, AdminMap, Document, DocumentBasis, UnitLevel
from plans.text import format_number
from plans.unit_names import names_in_year
from tests.conftest import unit
from tests.test_exports import csv_rows, xlsx_rows
from tests.test_provenance import import_through_the_service as import_and_apply
from tests.test_provenance import register_figures
from tests.test_workbook import row_of

TRAILING_ZERO = re.compile(r"\d,\d*0(?!\d)")  # "12,0900", "50,00": a decimal part that ends in 0


def target(issuer: str, code: str) -> Target:
    return Target.objects.select_related("indicator", "territory", "document").get(document__issuer__code=issuer, code=code)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode().split("<main>", 1)[1]


def figures_table(html: str) -> str:
    return html.split('class="data figures"', 1)[1].split("</table>", 1)[0]


def import_through_the_service(rows: list[list], *, name: str) -> None:
    """The upload, check and apply of the import pages; the roll-ups run once it commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        import_and_apply(rows, name=name)


def figure_rows(*rows: tuple[str, str, str, int, str]) -> list[list]:
    """Workbook rows of approved yearly figures: (indicator, unit code, map, year, value as typed)."""
    return [row_of("actuals", **{"Mã chỉ số": code, "Mã địa bàn": place, "Bản đồ": admin_map, "Năm": year,
                                 "Kỳ": "Năm", "Số kỳ": 0, "Giá trị": value, "Trạng thái": "Đã duyệt"})
            for code, place, admin_map, year, value in rows]


# ---------------------------------------------------------------------------------------------
# Numbers


@pytest.mark.parametrize("value, decimals, text", [
    (Decimal("12.0900"), 2, "12,09"),
    (Decimal("1234567.0000"), 2, "1.234.567"),
    (Decimal("2.2000"), 2, "2,2"),
    (Decimal("75000"), 4, "75.000"),
    (Decimal("1500000.2500"), 4, "1.500.000,25"),
    (Decimal("-0.0010"), 2, "0"),
    (Decimal("-3.1400"), 2, "-3,14"),
    (Decimal("1000.5"), 0, "1.001"),
    (Decimal("2.345"), 2, "2,35"),
    (12.5, 1, "12,5"),
])
def test_a_number_is_written_with_dots_for_thousands_a_comma_for_decimals_and_no_trailing_zeros(value, decimals, text):
    assert format_number(value, decimals) == text


def test_a_number_with_its_unit_reads_as_in_the_plans():
    assert number_text(Decimal("2.2000"), MeasureUnit.PERCENT) == "2,2%"
    assert number_text(Decimal("1234567.0000"), MeasureUnit.HOUSEHOLDS) == "1.234.567 hộ"
    assert number_text(Decimal("12.0900"), MeasureUnit.MILLION_VND_PER_PERSON_YEAR) == "12,09 triệu đồng/người/năm"
    rendered = Template("{% load dashboard_numbers %}{{ a|so }} {{ b|so_don_vi:'percent' }} {{ c|so:0 }}").render(
        Context({"a": Decimal("12.0900"), "b": Decimal("2.2000"), "c": Decimal("1234567.4000")}))
    assert rendered == "12,09 2,2% 1.234.567"


def test_figures_imported_from_a_workbook_show_as_typed_on_the_target_page_its_chart_and_the_iptt(client, personas):
    import_through_the_service(figure_rows(("GN01", "46", "63", 2022, "3,10"), ("GN01", "46", "63", 2023, "1,95")),
                               name="so-lieu-hue.xlsx")
    hue = target("tth-btv-tu", "2.1.1")  # "còn 2,2%" at the end of 2024
    client.force_login(personas.leader)

    table = figures_table(page(client, reverse("dashboard_target", args=[hue.pk]) + "?nam=2024"))
    assert re.search(r"<td>2022</td>\s*<td>Thành phố Huế</td>\s*<td class=\"num\">3,1\b", table)
    assert re.search(r"<td>2023</td>\s*<td>Thành phố Huế</td>\s*<td class=\"num\">1,95\b", table)
    assert not TRAILING_ZERO.search(table), TRAILING_ZERO.findall(table)

    detail = target_detail(user=personas.leader, target_id=hue.pk, options=Options(2024))
    figure = charts.target_figure(detail)
    own = next(trace for trace in figure.data if trace.name.startswith("Số liệu"))
    assert list(own.text) == ["3,1%<br>đã duyệt", "1,95%<br>đã duyệt"]
    assert own.hovertemplate == "%{x}: %{text}<extra></extra>"
    anchor = next(trace for trace in figure.data if trace.name.startswith("Gốc"))
    assert anchor.name == "Gốc 2023: 1,95%" and list(anchor.text) == ["1,95%"]

    iptt = page(client, reverse("dashboard_iptt", args=[hue.document_id]) + "?nam=2024")
    assert '<td class="num">1,95</td>' in iptt
    assert not TRAILING_ZERO.search(iptt.split("<table", 1)[1]), TRAILING_ZERO.findall(iptt)


def test_a_figure_typed_on_the_entry_page_shows_with_thousands_dots_in_the_table_the_chart_and_the_iptt(client, personas):
    jobs = target("hg-ubnd", "II.2.a.3")  # workers given a job, 75.000 over 2021–2025
    client.force_login(personas.officer_hg)
    data = {"year": 2024, "period": "nam", "breakdown": "", "value": "1.234.567", "numerator": "", "denominator": "",
            "version": "", "action": "submit", "correction_reason": ""}
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert client.post(f"{reverse('actual_entry', args=[jobs.pk])}?nam=2024", data).status_code == 302
    assert Actual.objects.get(indicator=jobs.indicator, year=2024).value == Decimal("1234567")

    client.force_login(personas.leader)
    table = figures_table(page(client, reverse("dashboard_target", args=[jobs.pk]) + "?nam=2024&cho_duyet=1"))
    # The figure, then the running total, then the path (60.000 of 75.000 by the fourth year).
    assert re.search(r"<td>2024</td>\s*<td>Tỉnh Hậu Giang</td>\s*<td class=\"num\">1\.234\.567</td>\s*"
                     r"<td class=\"num\">1\.234\.567</td>\s*<td class=\"num\">60\.000</td>", table)
    iptt = page(client, reverse("dashboard_iptt", args=[jobs.document_id]) + "?nam=2024&cho_duyet=1")
    assert "1.234.567*" in iptt
    detail = target_detail(user=personas.leader, target_id=jobs.pk, options=Options(2024, include_pending=True))
    own = next(trace for trace in charts.target_figure(detail).data if trace.name.startswith("Lũy kế"))
    assert list(own.text) == ["1.234.567 lao động<br>chờ duyệt"]


def test_register_figures_show_without_trailing_zeros_in_the_comparison_and_the_register_page(client, personas, commune):
    figures = register_figures(commune)
    rate = next(f for f in figures if f.indicator.code == "GN01")
    assert (rate.numerator, rate.denominator) == (Decimal("1"), Decimal("2"))
    client.force_login(personas.leader)
    gn01 = Indicator.objects.get(code="GN01")
    html = page(client, reverse("dashboard_compare", args=[gn01.pk]) + f"?nam=2025&dia_ban={commune.parent_id}")
    row = html.split('class="data compare"', 1)[1].split(f">{commune.name}<", 1)[1]
    assert row.split("</tr>", 1)[0].split("<td", 2)[1] == ' class="num">50</td>\n      ' 
    comp = comparison(user=personas.leader, indicator=gn01, parent=commune.parent, options=Options(2025))
    bar = charts.comparison_figure(comp).data[0]
    assert list(bar.text) == ["50%<br>Cần ít nhất hai năm số liệu từ năm 2020 (hiện có 1)"]
    officer = get_user_model().objects.get(username="canbo.xa.nguongoc")
    client.force_login(officer)
    register = page(client, reverse("register_dashboard", args=[commune.pk]) + "?nam=2025")
    assert "(50%)" in register and "50,00" not in register


def test_illustrative_figures_compare_on_the_map_in_force_in_the_year_under_that_years_names(client, personas):
    call_command("generate_illustrative_actuals", "--from-year", "2023", "--to-year", "2023", "--indicators", "GN01",
                 "--no-communes", "--no-task-reports", verbosity=0)
    gn01 = Indicator.objects.get(code="GN01")
    nation = unit("VN", AdminMap.STATISTICAL)
    client.force_login(personas.leader)
    url = reverse("dashboard_compare", args=[gn01.pk])

    old_map = comparison(user=personas.leader, indicator=gn01, parent=nation, options=Options(2023))
    assert (old_map.admin_map, len(old_map.rows), old_map.map_chosen) == (AdminMap.LEGACY, 63, False)
    html = page(client, url + "?nam=2023")
    assert ">Tỉnh Hậu Giang<" in html and ">Tỉnh Bắc Giang<" in html
    assert 'name="ban_do"' not in html  # the year form does not pin the map it opened on
    assert "<strong>63 tỉnh (trước 1/7/2025)</strong>" in html
    table = html.split('class="data compare"', 1)[1]
    assert not TRAILING_ZERO.search(table), TRAILING_ZERO.findall(table)

    assert comparison(user=personas.leader, indicator=gn01, parent=nation, options=Options(2025)).admin_map == AdminMap.CURRENT
    assert "<strong>34 tỉnh (từ 1/7/2025)</strong>" in page(client, url + "?nam=2025")

    chosen = page(client, url + "?nam=2023&ban_do=34")
    assert '<input type="hidden" name="ban_do" value="34">' in chosen
    assert ">Tỉnh Bắc Giang và Tỉnh Bắc Ninh<" in chosen  # today's Bắc Ninh, as the territory was in 2023
    assert ">Thành phố Cần Thơ, Tỉnh Hậu Giang và Tỉnh Sóc Trăng<" in chosen
    new_map = comparison(user=personas.leader, indicator=gn01, parent=nation, options=Options(2023), admin_map=AdminMap.CURRENT)
    assert "Tỉnh Bắc Giang và Tỉnh Bắc Ninh" in charts.comparison_figure(new_map).data[0].x


# ---------------------------------------------------------------------------------------------
# The path of a level target


def test_a_lower_is_better_level_path_never_rises_above_the_latest_figure(personas):
    import_through_the_service(figure_rows(("GN01", "46", "63", 2023, "1,95")), name="hue-2023.xlsx")
    status = evaluate_targets(user=personas.leader, targets=[target("tth-btv-tu", "2.1.1")], options=Options(2024))[0]
    path = target_path(status)
    # Drawn from 1,95 (2023) to the bound 2,2 (2024) it would climb; it stays at 1,95.
    assert [(p.year, p.low, p.high) for p in path] == [(2023, Decimal("1.95"), Decimal("1.95")),
                                                         (2024, Decimal("1.95"), Decimal("1.95"))]


def test_a_higher_is_better_level_path_never_falls_below_the_latest_figure_and_the_earlier_years_keep_the_line(personas):
    trained = target("hg-ubnd", "II.2.a.2")  # "đạt 70%" at the end of 2025, higher is better
    import_through_the_service(figure_rows(("LD01", "93", "63", 2021, "60"), ("LD01", "93", "63", 2023, "72,5")),
                               name="lao-dong.xlsx")
    status = evaluate_targets(user=personas.leader, targets=[trained], options=Options(2024))[0]
    path = {p.year: p.low for p in target_path(status)}
    assert path == {2021: Decimal("60"), 2022: Decimal("62.5"), 2023: Decimal("72.5"), 2024: Decimal("72.5"),
                    2025: Decimal("72.5")}


# ---------------------------------------------------------------------------------------------
# A target of a unit that closed before its end


SPANS_MERGER = ("Tỉnh Hậu Giang sáp nhập vào Thành phố Cần Thơ ngày 01/07/2025: chỉ tiêu được đánh giá trên số liệu "
                "của Tỉnh Hậu Giang đến năm 2024; số liệu từ năm 2025 của Thành phố Cần Thơ chỉ hiển thị riêng, "
                "không gộp vào đánh giá.")


def test_a_target_spanning_a_merger_says_how_it_is_judged_before_the_successor_has_any_figure(client, personas):
    poverty = target("hg-ubnd", "II.2.a.1")  # 2021–2025; Hậu Giang closed on 30/6/2025
    assert not Actual.objects.filter(unit=unit("92", AdminMap.CURRENT)).exists()
    client.force_login(personas.leader)
    options = "?nam=2025"
    assert SPANS_MERGER in page(client, reverse("dashboard_target", args=[poverty.pk]) + options)
    board = page(client, reverse("dashboard") + options)
    assert SPANS_MERGER in board.split(f'id="target-{poverty.pk}"', 1)[1].split("</tr>", 1)[0]
    assert SPANS_MERGER in page(client, reverse("dashboard_iptt", args=[poverty.document_id]) + options)
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("dashboard_iptt_excel", args=[poverty.document_id])
                                                        + options).content)).active
    notes = [row[-1] for row in book.iter_rows(min_row=4, values_only=True) if row[0] == "II.2.a.1"]
    assert notes == [SPANS_MERGER]


def test_a_target_of_a_district_and_of_a_unit_closed_without_successor_say_how_they_are_judged(personas):
    a_luoi = target("tth-btv-tu", "2.1.3")
    a_luoi.end_year, a_luoi.due_on = 2026, date(2026, 12, 31)  # as if it ran past the end of the district level
    status = evaluate_targets(user=personas.leader, targets=[a_luoi], options=Options(2025))[0]
    assert status.closure_note == (
        "Huyện A Lưới không còn từ ngày 01/07/2025 (bỏ cấp huyện), địa bàn nay thuộc Thành phố Huế: số liệu của "
        "Thành phố Huế không thay cho số liệu của Huyện A Lưới. Chỉ tiêu được đánh giá trên số liệu của Huyện A Lưới "
        "đến năm 2024."
    )
    gone = AdministrativeUnit.objects.create(code="99901", name="Xã Thử Nghiệm", level=UnitLevel.COMMUNE,
                                             admin_map=AdminMap.LEGACY, parent=unit("481"), valid_to=date(2024, 9, 30))
    orphan = Target.objects.create(
        document=a_luoi.document, code="T.1", indicator=Indicator.objects.get(code="GN01"), territory=gone,
        kind=TargetKind.LEVEL, max_value=Decimal("2"), unit=MeasureUnit.PERCENT, start_year=2023, end_year=2025,
        source_quote="thử",
    )
    orphan = Target.objects.select_related("territory", "indicator", "document").get(pk=orphan.pk)
    status = evaluate_targets(user=personas.leader, targets=[orphan], options=Options(2025))[0]
    assert status.closure_note == (
        "Xã Thử Nghiệm không còn từ ngày 01/10/2024 và không có đơn vị kế thừa: chỉ tiêu được đánh giá trên số liệu "
        "của Xã Thử Nghiệm đến năm 2023."
    )
    assert closure_note(target("tth-btv-tu", "2.1.1"), None) == ""  # Huế lived to the end of 2024


# ---------------------------------------------------------------------------------------------
# Names as they were in the figure's year


def test_a_figure_of_a_year_before_the_reorganisation_is_shown_under_the_names_of_that_year(client, personas):
    can_tho = unit("92", AdminMap.CURRENT)
    import_through_the_service(figure_rows(("GN01", "92", "34", 2024, "2,5"), ("GN01", "92", "34", 2025, "2,1")),
                               name="can-tho.xlsx")
    plan = Target.objects.create(
        document=target("hg-ubnd", "II.2.b.1").document, code="T.CT", indicator=Indicator.objects.get(code="GN01"),
        territory=can_tho, kind=TargetKind.LEVEL, max_value=Decimal("1.5"), unit=MeasureUnit.PERCENT,
        start_year=2025, end_year=2030, source_quote="thử",
    )
    client.force_login(personas.leader)
    table = figures_table(page(client, reverse("dashboard_target", args=[plan.pk]) + "?nam=2025"))
    assert re.search(r"<td>2024</td>\s*<td>Thành phố Cần Thơ, Tỉnh Hậu Giang và Tỉnh Sóc Trăng</td>", table)
    assert re.search(r"<td>2025</td>\s*<td>Thành phố Cần Thơ</td>\s*<td class=\"num\">2,1\b", table)
    assert names_in_year([can_tho, unit("93")], 2023) == {
        can_tho.pk: "Thành phố Cần Thơ, Tỉnh Hậu Giang và Tỉnh Sóc Trăng", unit("93").pk: "Tỉnh Hậu Giang"}


# ---------------------------------------------------------------------------------------------
# A restated target belongs to a basis of the document


def target_sheet(number: str, restates: str) -> tablib.Dataset:
    cells = {"Số hiệu văn bản": number, "Mã cơ quan ban hành": "hg-ubnd", "Mã chỉ tiêu": "1", "Mã chỉ số": "GN01",
             "Mã địa bàn": "93", "Bản đồ": "63", "Loại chỉ tiêu": "Thay đổi bình quân năm", "Chiều thay đổi": "Giảm",
             "Giá trị tối thiểu": "1", "Đơn vị": "điểm %", "Từ năm": "2021", "Đến năm": "2025",
             "Chỉ tiêu cấp trên": restates, "Trích dẫn nguồn": "Giảm tỷ lệ hộ nghèo bình quân 1%/năm", "Thứ tự": "1"}
    return tablib.Dataset([cells.get(h, "") for h in sheet_headers("targets")], headers=sheet_headers("targets"))


def sheet(name: str, **cells) -> tablib.Dataset:
    return tablib.Dataset(row_of(name, **cells), headers=sheet_headers(name))


def new_plan(**extra_sheets) -> dict[str, tablib.Dataset]:
    return {"documents": sheet("documents", **{"Số hiệu": "77/KH-UBND", "Mã cơ quan ban hành": "hg-ubnd",
                                                "Loại văn bản": "Kế hoạch", "Trích yếu": "Kế hoạch thử",
                                                "Mã địa bàn": "93", "Bản đồ": "63", "Có văn bản": "Có"}),
            **extra_sheets}


def test_the_workbook_refuses_a_restated_target_of_a_document_that_is_not_a_basis(db):
    result = import_workbook(new_plan(targets=target_sheet("77/KH-UBND", "05-CT/TW|tw-bbt|MT.1")))
    assert [(e.sheet, e.column, e.message) for e in result.errors] == [(
        "targets", "Chỉ tiêu cấp trên",
        "Chỉ tiêu cấp trên: Chỉ tiêu MT.1 của Chỉ thị 05-CT/TW không thuộc văn bản căn cứ nào của Kế hoạch "
        "77/KH-UBND (kể cả căn cứ của các văn bản căn cứ). Thêm Chỉ thị 05-CT/TW vào căn cứ của Kế hoạch 77/KH-UBND "
        "(sheet “Căn cứ”), hoặc chọn chỉ tiêu của một văn bản căn cứ.",
    )]
    assert not Document.objects.filter(number="77/KH-UBND").exists()


def test_the_workbook_takes_a_restated_target_of_a_basis_or_of_a_basis_of_a_basis(db):
    basis = sheet("document_bases", **{"Số hiệu": "77/KH-UBND", "Mã cơ quan ban hành": "hg-ubnd",
                                       "Số hiệu căn cứ": "18/KH-UBND", "Mã cơ quan ban hành căn cứ": "hg-ubnd"})
    # 18/KH-UBND implements Chỉ thị 05: MT.1 is a target of a basis of a basis.
    result = import_workbook(new_plan(document_bases=basis, targets=target_sheet("77/KH-UBND", "05-CT/TW|tw-bbt|MT.1")))
    assert not result.errors, [e.message for e in result.errors]
    restated = Target.objects.get(document__number="77/KH-UBND", code="1").restates
    assert (restated.document.number, restated.code) == ("05-CT/TW", "MT.1")


def test_the_admin_form_refuses_a_restated_target_outside_the_bases_in_vietnamese(db):
    hue = target("tth-btv-tu", "2.1.1")
    other = target("hg-ubnd", "II.2.a.1")  # 18/KH-UBND is no basis of Huế's conclusion
    data = {k: v for k, v in model_to_dict(hue).items() if v is not None}
    data.update(restates=other.pk, compare_units=[])
    form = TargetAdminForm(data=data, instance=hue)
    assert not form.is_valid()
    assert form.errors["restates"] == [restates_error(Target(document=hue.document, restates=other))]
    assert form.errors["restates"][0].startswith("Chỉ tiêu II.2.a.1 của Kế hoạch 18/KH-UBND không thuộc văn bản căn cứ")
    data.update(restates=target("tw-bbt", "MT.1").pk)
    assert TargetAdminForm(data=data, instance=hue).is_valid()


def test_every_seed_target_restates_a_target_of_a_basis_of_its_document(db):
    restating = Target.objects.filter(restates__isnull=False).select_related("document", "restates__document")
    assert restating.count() == 7
    assert [t.code for t in restating if restates_error(t)] == []
    assert DocumentBasis.objects.filter(document__number="18/KH-UBND", basis__number="05-CT/TW").exists()


# ---------------------------------------------------------------------------------------------
# Exports keep numbers as numbers


def test_an_xlsx_export_holds_numbers_and_the_csv_holds_them_as_people_type_them(client, personas):
    client.force_login(personas.leader)
    rows = xlsx_rows(client.get(reverse("export_list", args=["targets", "xlsx"])))
    bound, code = rows[0].index("Giá trị tối đa"), rows[0].index("Mã chỉ tiêu")
    assert next(r[bound] for r in rows[1:] if r[code] == "2.1.2") == 1.84
    table = csv_rows(client.get(reverse("export_list", args=["targets", "csv"])))
    assert next(r[bound] for r in table[1:] if r[code] == "2.1.2") == "1,84"


def test_the_admin_shows_an_imported_figure_as_typed_in_its_list_and_on_its_page(client, db):
    import_through_the_service(figure_rows(("GN01", "46", "63", 2024, "12,09")), name="admin.xlsx")
    figure = Actual.objects.get(unit=unit("46"), year=2024)
    client.force_login(get_user_model().objects.create_superuser("quantri.so", password="mat-khau-quan-tri"))
    listing = client.get(reverse("admin:indicators_actual_changelist")).content.decode()
    detail = client.get(reverse("admin:indicators_actual_change", args=[figure.pk])).content.decode()
    for html in (listing, detail):
        assert "12,09" in html and "12,0900" not in html
    assert str(figure) == f"GN01 Thành phố Huế {figure.period_label}: 12,09"


def test_the_target_page_of_a_unit_closed_without_successor_says_so_under_its_own_heading(client, personas):
    gone = AdministrativeUnit.objects.create(code="99902", name="Xã Đã Giải Thể", level=UnitLevel.COMMUNE,
                                             admin_map=AdminMap.LEGACY, parent=unit("481"), valid_to=date(2024, 9, 30))
    orphan = Target.objects.create(
        document=target("tth-btv-tu", "2.1.1").document, code="T.2", indicator=Indicator.objects.get(code="GN01"),
        territory=gone, kind=TargetKind.LEVEL, max_value=Decimal("2"), unit=MeasureUnit.PERCENT, start_year=2023,
        end_year=2025, source_quote="thử",
    )
    client.force_login(personas.leader)
    html = page(client, reverse("dashboard_target", args=[orphan.pk]) + "?nam=2025")
    assert ("<dt>Địa bàn không còn</dt><dd class=\"merger\">Xã Đã Giải Thể không còn từ ngày 01/10/2024 và không có "
            "đơn vị kế thừa: chỉ tiêu được đánh giá trên số liệu của Xã Đã Giải Thể đến năm 2023.</dd>") in html
