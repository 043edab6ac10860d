"""Disaggregation (issue 12, scope 4): the dimension catalogue and its workbook sheet, figures per
option through the workbook and the entry page, refusals of an option the indicator does not take,
a target on one option judged on that option's figures, the check that options add up to the whole,
and pages whose query counts do not grow with the options."""

from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards.judging import evaluate_targets
from dashboards.scope import Options
from exchange.workbook.loading import import_workbook
from exchange.workbook.reading import read_upload
from exchange.workbook.results import WorkbookResult
from exchange.workbook.sheets import SHEET_TITLES, sheet_headers
from indicators import breakdowns
from indicators.evaluation import EvaluationStatus
from indicators.models import Actual, Dimension, DimensionOption, Indicator, Target, YearlyValue
from plans.models import AdministrativeUnit, AdminMap
from review.models import ReviewStatus

CODE = "GN-DTTS"  # an indicator of these tests, split by ethnicity
KH18 = {"Số hiệu văn bản": "18/KH-UBND", "Mã cơ quan ban hành": "hg-ubnd"}
HAU_GIANG = {"Mã địa bàn": "93", "Bản đồ": "63"}


# ---------------------------------------------------------------------------------------------
# Helpers: workbooks as a user fills the template, read and imported as an upload is


def row_of(sheet: str, **cells) -> list:
    headers = sheet_headers(sheet)
    assert not set(cells) - set(headers), set(cells) - set(headers)
    return [cells.get(h, "") for h in headers]


def import_book(tmp_path, sheets: dict[str, list[list]], *, user=None, dry_run=False) -> WorkbookResult:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(SHEET_TITLES[name])
        sheet.append(sheet_headers(name))
        for row in rows:
            sheet.append(row)
    path = tmp_path / f"ke-hoach-{len(list(tmp_path.iterdir()))}.xlsx"
    book.save(path)
    read = read_upload(path, path.name)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the roll-ups run once the import commits
        return import_workbook(read.sheets, problems=read.problems, user=user, dry_run=dry_run)


def messages(result) -> list[str]:
    return [error.message for error in result.errors]


def indicator_row(**changes) -> list:
    cells = {"Mã chỉ số": CODE, "Tên chỉ số": "Tỷ lệ hộ nghèo (thử phân tổ)", "Đơn vị tính": "%",
             "Chiều tốt": "Càng thấp càng tốt", "Cách tổng hợp": "Tỷ lệ", "Chiều phân tổ": "dan-toc"}
    cells.update(changes)
    return row_of("indicators", **cells)


def actual_row(year: int, value: str, breakdown: str = "", **changes) -> list:
    cells = {"Mã chỉ số": CODE, **HAU_GIANG, "Năm": year, "Kỳ": "Năm", "Số kỳ": 0, "Giá trị": value,
             "Trạng thái": "Đã duyệt", "Nhóm phân tổ": breakdown}
    cells.update(changes)
    return row_of("actuals", **cells)


def target_row(code: str, breakdown: str = "", **changes) -> list:
    cells = {**KH18, "Mã chỉ tiêu": code, "Mã chỉ số": CODE, **HAU_GIANG, "Loại chỉ tiêu": "Thay đổi bình quân năm",
             "Chiều thay đổi": "Giảm", "Giá trị tối thiểu": "3", "Đơn vị": "điểm %", "Từ năm": 2022, "Đến năm": 2025,
             "Từ ngữ": "trên", "Nhóm phân tổ": breakdown,
             "Trích dẫn nguồn": "Tỷ lệ hộ nghèo dân tộc thiểu số giảm trên 3%/năm.", "Thứ tự": 90}
    cells.update(changes)
    return row_of("targets", **cells)


@pytest.fixture
def split_indicator(db, tmp_path) -> Indicator:
    """An indicator split by ethnicity, and two targets of KH 18 on Hậu Giang: one on ethnic-minority
    households ("giảm trên 3%/năm"), one on the whole; all through the workbook."""
    result = import_book(tmp_path, {
        "indicators": [indicator_row()],
        "targets": [target_row("T.DTTS", "dan-toc-thieu-so"), target_row("T.TONG")],
    })
    assert not result.has_errors, messages(result)
    return Indicator.objects.get(code=CODE)


def target(code: str) -> Target:
    return Target.objects.select_related("indicator", "territory", "document").get(document__issuer__code="hg-ubnd", code=code)


# ---------------------------------------------------------------------------------------------
# The catalogue


def test_the_catalogue_is_loaded_with_the_seed_cascade_options_in_order(db):
    options = {
        d.code: [o.code for o in d.options.order_by("position")]
        for d in Dimension.objects.prefetch_related("options")
    }
    assert options["khu-vuc"] == ["thanh-thi", "nong-thon"]
    assert options["dan-toc"] == ["dan-toc-thieu-so", "dan-toc-kinh"]
    assert options["gioi-tinh-chu-ho"] == ["chu-ho-nam", "chu-ho-nu"]
    assert options["nguoi-co-cong"] == ["ho-co-nguoi-co-cong", "ho-khong-co-nguoi-co-cong"]
    assert DimensionOption.objects.get(code="dan-toc-thieu-so").name == "Dân tộc thiểu số"


def test_the_dimension_sheet_creates_renames_and_then_changes_nothing(db, tmp_path):
    rows = [
        row_of("dimensions", **{"Mã chiều phân tổ": "nhom-tuoi", "Tên chiều phân tổ": "Nhóm tuổi chủ hộ",
                                "Mã nhóm phân tổ": "duoi-60", "Tên nhóm phân tổ": "Dưới 60 tuổi", "Thứ tự": 1}),
        row_of("dimensions", **{"Mã chiều phân tổ": "nhom-tuoi", "Tên chiều phân tổ": "",
                                "Mã nhóm phân tổ": "tu-60", "Tên nhóm phân tổ": "Từ 60 tuổi trở lên", "Thứ tự": 2}),
        row_of("dimensions", **{"Mã chiều phân tổ": "khu-vuc", "Tên chiều phân tổ": "Khu vực sinh sống",
                                "Mã nhóm phân tổ": "thanh-thi", "Tên nhóm phân tổ": "Thành thị", "Thứ tự": 1}),
    ]
    # An indicator of the same workbook is split by the new dimension (the sheet loads before "Chỉ số").
    result = import_book(tmp_path, {"dimensions": rows, "indicators": [indicator_row(**{"Chiều phân tổ": "nhom-tuoi, khu-vuc"})]})
    assert not result.has_errors, messages(result)
    assert result.totals["dimensions"].as_dict() == {"new": 2, "changed": 1, "unchanged": 0, "wrong": 0}
    assert sorted(Indicator.objects.get(code=CODE).dimensions.values_list("code", flat=True)) == ["khu-vuc", "nhom-tuoi"]
    assert list(DimensionOption.objects.filter(dimension__code="nhom-tuoi").values_list("code", "name")) == [
        ("duoi-60", "Dưới 60 tuổi"), ("tu-60", "Từ 60 tuổi trở lên")]
    assert Dimension.objects.get(code="khu-vuc").name == "Khu vực sinh sống"

    again = import_book(tmp_path, {"dimensions": rows})
    assert again.totals["dimensions"].as_dict() == {"new": 0, "changed": 0, "unchanged": 3, "wrong": 0}


def test_the_dimension_sheet_refuses_a_moved_option_a_nameless_new_dimension_and_a_bad_code(db, tmp_path):
    rows = [
        row_of("dimensions", **{"Mã chiều phân tổ": "dan-toc", "Mã nhóm phân tổ": "thanh-thi", "Tên nhóm phân tổ": "Thành thị"}),
        row_of("dimensions", **{"Mã chiều phân tổ": "moi", "Mã nhóm phân tổ": "moi-a", "Tên nhóm phân tổ": "A"}),
        row_of("dimensions", **{"Mã chiều phân tổ": "khu vực", "Tên chiều phân tổ": "Khu vực",
                                "Mã nhóm phân tổ": "x", "Tên nhóm phân tổ": "X"}),
    ]
    result = import_book(tmp_path, {"dimensions": rows})
    found = messages(result)
    assert any("đã thuộc chiều “Khu vực” (khu-vuc); không chuyển sang chiều khác được" in m for m in found), found
    assert any("Chiều phân tổ mới “moi” cần có tên" in m for m in found), found
    assert any("Mã “khu vực” không hợp lệ" in m for m in found), found
    assert [e.row for e in result.errors] == [2, 3, 4]
    assert DimensionOption.objects.get(code="thanh-thi").dimension.code == "khu-vuc"
    assert not Dimension.objects.filter(code="moi").exists()


# ---------------------------------------------------------------------------------------------
# Figures per option through the workbook


def test_figures_per_option_import_and_roll_up_beside_the_whole(split_indicator, tmp_path):
    result = import_book(tmp_path, {"actuals": [
        actual_row(2024, "9,2"), actual_row(2024, "23", "dan-toc-thieu-so"), actual_row(2024, "4,1", "dan-toc-kinh"),
    ]})
    assert not result.has_errors, messages(result)
    assert sorted(Actual.objects.filter(indicator=split_indicator).values_list("breakdown", "value")) == [
        ("", Decimal("9.2000")), ("dan-toc-kinh", Decimal("4.1000")), ("dan-toc-thieu-so", Decimal("23.0000"))]
    values = YearlyValue.every.filter(indicator=split_indicator, year=2024, unit__code="93", unit__admin_map=AdminMap.LEGACY)
    assert sorted(values.values_list("breakdown", "value")) == [
        ("", Decimal("9.2000")), ("dan-toc-kinh", Decimal("4.1000")), ("dan-toc-thieu-so", Decimal("23.0000"))]
    # Dashboards read the whole only.
    assert list(YearlyValue.objects.filter(indicator=split_indicator).values_list("breakdown", flat=True)) == [""]


def test_an_imported_figure_of_an_option_the_indicator_does_not_take_is_refused_in_vietnamese(split_indicator, tmp_path):
    result = import_book(tmp_path, {"actuals": [actual_row(2024, "5", "thanh-thi"), actual_row(2024, "5", "khong-co")]})
    found = messages(result)
    assert found == [
        "Nhóm phân tổ: Nhóm phân tổ “thanh-thi” không thuộc chiều phân tổ nào của chỉ số GN-DTTS; dùng một trong: "
        "dan-toc-kinh, dan-toc-thieu-so (xem sheet Chiều phân tổ).",
        "Nhóm phân tổ: Nhóm phân tổ “khong-co” không thuộc chiều phân tổ nào của chỉ số GN-DTTS; dùng một trong: "
        "dan-toc-kinh, dan-toc-thieu-so (xem sheet Chiều phân tổ).",
    ]
    assert not Actual.objects.filter(indicator=split_indicator).exists()


# ---------------------------------------------------------------------------------------------
# Entry on the page


def entry_url(target_: Target, year: int = 2024, breakdown: str | None = None) -> str:
    url = f"{reverse('actual_entry', args=[target_.pk])}?nam={year}"
    return url if breakdown is None else f"{url}&nhom={breakdown}"


def post_figure(client, target_: Target, value: str, breakdown: str, action: str = "submit"):
    data = {"year": 2024, "period": "nam", "breakdown": breakdown, "value": value, "numerator": "",
            "denominator": "", "version": "", "action": action, "correction_reason": ""}
    return client.post(entry_url(target_), data)


def test_an_officer_enters_the_whole_and_an_option_and_the_queue_and_history_name_the_option(
        split_indicator, personas, client):
    whole_target = target("T.TONG")
    client.force_login(personas.officer_hg)
    page = client.get(entry_url(whole_target))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="breakdown"' in text and "Dân tộc thiểu số" in text and "Tổng số" in text

    assert post_figure(client, whole_target, "9,2", "").status_code == 302
    response = post_figure(client, whole_target, "23", "dan-toc-thieu-so", action="save")
    assert response.status_code == 302
    option = Actual.objects.get(indicator=split_indicator, breakdown="dan-toc-thieu-so")
    assert (option.value, option.status) == (Decimal("23.0000"), ReviewStatus.DRAFT)
    whole = Actual.objects.get(indicator=split_indicator, breakdown="")
    assert (whole.value, whole.status) == (Decimal("9.2000"), ReviewStatus.SUBMITTED)

    detail = client.get(response["Location"]).content.decode()
    assert "Nhóm phân tổ" in detail and "Dân tộc thiểu số" in detail
    # Its edit link opens the option's entry, of the target set on that option.
    assert f'href="{reverse("actual_entry", args=[target("T.DTTS").pk])}?nam=2024&amp;ky=nam"' in detail
    whole_detail = client.get(reverse("actual_detail", args=[whole.pk])).content.decode()
    assert "Dân tộc thiểu số" not in whole_detail
    assert client.post(reverse("actual_submit", args=[option.pk])).status_code == 302

    # The option's own entry page shows its figure and the table of the period beside the whole.
    page = client.get(entry_url(whole_target, breakdown="dan-toc-thieu-so")).content.decode()
    assert 'value="23"' in page and "Số liệu theo nhóm phân tổ" in page and "9,2%" in page

    client.force_login(personas.reviewer_hg)
    queue = client.get(reverse("review_queue")).content.decode()
    assert '<span class="tag breakdown">Dân tộc thiểu số</span>' in queue
    assert queue.count('class="tag breakdown"') == 1  # the whole is not tagged


def test_an_option_not_of_the_indicators_dimensions_is_refused_on_the_page_in_vietnamese(
        split_indicator, personas, client):
    client.force_login(personas.officer_hg)
    response = post_figure(client, target("T.TONG"), "40", "chu-ho-nu")
    assert response.status_code == 200
    assert ("Nhóm phân tổ “Chủ hộ là nữ” thuộc chiều “Giới tính chủ hộ”, không phải chiều phân tổ của chỉ số "
            "GN-DTTS (chỉ số này phân tổ theo: Dân tộc).") in response.content.decode()
    assert not Actual.objects.filter(indicator=split_indicator).exists()


def test_my_work_shows_a_target_on_one_option_its_options_figure_and_the_whole_target_none(
        split_indicator, personas, client):
    from indicators import selectors
    from review import worklist

    client.force_login(personas.officer_hg)
    assert post_figure(client, target("T.TONG"), "23", "dan-toc-thieu-so", action="save").status_code == 302
    rows = worklist.targets_awaiting_figures(personas.officer_hg, 2024, selectors.Abilities(personas.officer_hg))
    figures = {row.target.code: row.figure for row in rows if row.target.indicator_id == split_indicator.pk}
    assert figures == {"T.DTTS": "23%", "T.TONG": ""}
    assert client.get(reverse("my_work") + "?nam=2024").status_code == 200


def test_an_indicator_without_dimensions_has_no_breakdown_field(personas, client):
    plain = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")
    assert not plain.indicator.dimensions.exists()
    client.force_login(personas.officer_hg)
    page = client.get(entry_url(plain)).content.decode()
    assert 'name="breakdown"' not in page and "Số liệu theo nhóm phân tổ" not in page


# ---------------------------------------------------------------------------------------------
# A target on one option


def test_a_target_on_ethnic_minority_households_is_judged_on_their_figures_not_the_whole(
        split_indicator, personas, client, tmp_path):
    # Ethnic-minority households: 30 -> 26,5 -> 23 (3,5 points a year); the whole: 10 -> 9,6 -> 9,2.
    rows = []
    for year, whole, minority, kinh in ((2022, "10", "30", "5"), (2023, "9,6", "26,5", "4,6"), (2024, "9,2", "23", "4,1")):
        rows += [actual_row(year, whole), actual_row(year, minority, "dan-toc-thieu-so"), actual_row(year, kinh, "dan-toc-kinh")]
    result = import_book(tmp_path, {"actuals": rows})
    assert not result.has_errors, messages(result)
    on_option, on_whole = target("T.DTTS"), target("T.TONG")
    assert on_option.breakdown == "dan-toc-thieu-so"

    statuses = evaluate_targets(user=personas.leader, targets=[on_option, on_whole], options=Options(year=2024))
    assert statuses[0].used_values == {2022: Decimal("30.0000"), 2023: Decimal("26.5000"), 2024: Decimal("23.0000")}
    assert statuses[0].status in (EvaluationStatus.ON_TRACK, EvaluationStatus.ACHIEVED)
    assert statuses[1].used_values[2024] == Decimal("9.2000")
    assert statuses[1].status == EvaluationStatus.OFF_TRACK

    client.force_login(personas.leader)
    page = client.get(reverse("dashboard_target", args=[on_option.pk]) + "?nam=2024")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Số liệu theo nhóm phân tổ" in text and "26,5" in text and "Dân tộc Kinh" in text


# ---------------------------------------------------------------------------------------------
# The options of one dimension add up to the whole


def test_the_options_of_a_dimension_must_add_up_to_the_whole(db):
    households = Indicator.objects.create(code="SO-HO-NGHEO", name="Số hộ nghèo", measure_unit="households",
                                          direction="lower", aggregation="sum")
    households.dimensions.add(Dimension.objects.get(code="khu-vuc"), Dimension.objects.get(code="dan-toc"))
    options = breakdowns.indicator_options(households)
    whole = breakdowns.Figure(value=Decimal(100))
    parts = {"thanh-thi": breakdowns.Figure(Decimal(60)), "nong-thon": breakdowns.Figure(Decimal(30)),
             "dan-toc-thieu-so": breakdowns.Figure(Decimal(70))}  # dân tộc Kinh missing: not judged
    gaps = breakdowns.sum_gaps(indicator=households, options=options, whole=whole, parts=parts)
    assert [gap.message for gap in gaps] == ["Tổng giá trị các nhóm theo khu vực là 90, khác tổng số 100."]
    parts["nong-thon"] = breakdowns.Figure(Decimal(40))
    assert breakdowns.sum_gaps(indicator=households, options=options, whole=whole, parts=parts) == []

    rate = Indicator.objects.create(code="TY-LE-THU", name="Tỷ lệ thử", measure_unit="percent", direction="lower",
                                    aggregation="ratio")
    rate.dimensions.add(Dimension.objects.get(code="khu-vuc"))
    fraction = breakdowns.Figure(None, Decimal(50), Decimal(1000))
    split = {"thanh-thi": breakdowns.Figure(None, Decimal(10), Decimal(400)),
             "nong-thon": breakdowns.Figure(None, Decimal(40), Decimal(500))}
    gaps = breakdowns.sum_gaps(indicator=rate, options=breakdowns.indicator_options(rate), whole=fraction, parts=split)
    assert [(gap.field, gap.parts, gap.whole) for gap in gaps] == [("denominator", Decimal(900), Decimal(1000))]


# ---------------------------------------------------------------------------------------------
# Query counts


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_pages_read_a_fixed_number_of_queries_whatever_the_options(split_indicator, personas, client, tmp_path):
    on_option = target("T.DTTS")
    client.force_login(personas.officer_hg)
    post_figure(client, on_option, "30", "dan-toc-thieu-so")
    client.force_login(personas.reviewer_hg)
    queue_one = _queries(client, reverse("review_queue"))
    client.force_login(personas.officer_hg)
    entry_one = _queries(client, entry_url(on_option))
    post_figure(client, on_option, "5", "dan-toc-kinh")
    post_figure(client, on_option, "10", "")
    client.force_login(personas.reviewer_hg)
    assert _queries(client, reverse("review_queue")) == queue_one
    client.force_login(personas.officer_hg)
    assert _queries(client, entry_url(on_option)) == entry_one

    client.force_login(personas.leader)
    page = reverse("dashboard_target", args=[on_option.pk]) + "?nam=2024"
    import_book(tmp_path, {"actuals": [actual_row(2022, "10"), actual_row(2022, "33", "dan-toc-thieu-so")]})
    target_one = _queries(client, page)
    import_book(tmp_path, {"actuals": [
        actual_row(year, value, code) for year in (2023, 2024)
        for code, value in (("", "9"), ("dan-toc-thieu-so", "29"), ("dan-toc-kinh", "5"))]})
    assert _queries(client, page) == target_one


# ---------------------------------------------------------------------------------------------
# The admin


def test_the_admin_edits_a_dimension_with_its_options_but_keeps_an_option_in_use(split_indicator, personas, client, tmp_path):
    assert not import_book(tmp_path, {"actuals": [actual_row(2024, "23", "dan-toc-thieu-so")]}).has_errors
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    client.force_login(personas.admin)
    dimension = Dimension.objects.get(code="dan-toc")
    url = reverse("admin:indicators_dimension_change", args=[dimension.pk])
    listing = client.get(reverse("admin:indicators_dimension_changelist")).content.decode()
    assert "Dân tộc thiểu số, Dân tộc Kinh" in listing
    assert client.get(url).status_code == 200
    options = list(dimension.options.order_by("position"))
    data = {"code": "dan-toc", "name": "Dân tộc", "position": dimension.position, "options-TOTAL_FORMS": 2,
            "options-INITIAL_FORMS": 2, "options-MIN_NUM_FORMS": 0, "options-MAX_NUM_FORMS": 1000}
    for index, option in enumerate(options):
        data.update({f"options-{index}-id": option.pk, f"options-{index}-dimension": dimension.pk,
                     f"options-{index}-code": option.code, f"options-{index}-name": option.name,
                     f"options-{index}-position": option.position})
    renamed = {**data, "options-0-code": "dttso"}
    response = client.post(url, renamed)
    assert response.status_code == 200
    assert ("Nhóm phân tổ “dan-toc-thieu-so” đang được dùng cho số liệu hoặc chỉ tiêu: không đổi mã, không xóa được."
            in response.content.decode())
    assert DimensionOption.objects.filter(code="dan-toc-thieu-so").exists()
    # An option no figure uses may be renamed; a dimension with an option in use may not be deleted.
    assert client.post(url, {**data, "options-1-name": "Dân tộc Kinh và Hoa"}).status_code == 302
    assert DimensionOption.objects.get(code="dan-toc-kinh").name == "Dân tộc Kinh và Hoa"
    assert client.get(reverse("admin:indicators_dimension_delete", args=[dimension.pk])).status_code == 403
