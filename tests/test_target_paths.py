"""The path, projection and IPTT cells of the targets the evaluation judges as written (issue 12):
"gấp 2 lần so với năm 2020" and a change in "%" of a rate (relative, average compounded), with the
evaluation's own arithmetic; and a document without a number named by its reference on every page.

Everything arrives through the plan workbook (Văn bản, Căn cứ, Chỉ số, Chỉ tiêu, Số liệu thực hiện),
the plan's document without a number, cited by its key.
"""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import charts
from dashboards.iptt import iptt_table
from dashboards.iptt_xlsx import iptt_workbook
from dashboards.judging import TargetStatus, evaluate_targets
from dashboards.paths import anchor, projection, target_path
from dashboards.scope import Options
from dashboards.target import target_detail
from exchange.workbook.loading import import_workbook
from indicators.evaluation import EvaluationStatus as S
from indicators.models import Target
from plans.models import Document
from tests.test_targets_as_written import sheet

KEY = "hg-ubnd-kh-lo-trinh-thu"
REFERENCE = f"chưa rõ số hiệu ({KEY})"
PLACE = {"Mã địa bàn": "93", "Bản đồ": "63"}  # Hậu Giang closed on 1/7/2025: targets end in 2024
DOCUMENTS = [
    {"Mã cơ quan ban hành": "hg-ubnd", "Loại văn bản": "Kế hoạch", "Trích yếu": "Kế hoạch lộ trình thử",
     "Mã văn bản": KEY, **PLACE, "Ngày ban hành": "15/01/2021", "Từ năm": 2021, "Đến năm": 2024, "Có văn bản": "Không"},
    {"Số hiệu": "99/KH-UBND", "Mã cơ quan ban hành": "hg-ubnd", "Loại văn bản": "Kế hoạch",
     "Trích yếu": "Kế hoạch thực hiện thử", **PLACE, "Ngày ban hành": "01/03/2021", "Từ năm": 2021, "Đến năm": 2024,
     "Có văn bản": "Không"},
]
BASES = [{"Số hiệu": "99/KH-UBND", "Mã cơ quan ban hành": "hg-ubnd", "Số hiệu căn cứ": KEY, "Quan hệ": "Thực hiện"}]
INDICATORS = [
    {"Mã chỉ số": "TNP", "Tên chỉ số": "Thu nhập bình quân thử", "Đơn vị tính": "triệu đồng/người/năm",
     "Chiều tốt": "Càng cao càng tốt", "Cách tổng hợp": "Không tổng hợp"},
    {"Mã chỉ số": "TLP", "Tên chỉ số": "Tỷ lệ hộ nghèo lộ trình thử", "Đơn vị tính": "%",
     "Chiều tốt": "Càng thấp càng tốt", "Cách tổng hợp": "Không tổng hợp"},
]


def target_row(code: str, document: str = KEY, **cells) -> dict:
    return {"Số hiệu văn bản": document, "Mã cơ quan ban hành": "hg-ubnd", "Mã chỉ tiêu": code, **PLACE,
            "Đến năm": 2024, "Trích dẫn nguồn": f"Trích dẫn {code}", "Thứ tự": 1, **cells}


TARGETS = [
    target_row("GAP.1", **{"Mã chỉ số": "TNP", "Loại chỉ tiêu": "Gấp nhiều lần so với gốc", "Giá trị tối thiểu": "2",
                           "Đơn vị": "lần", "Năm gốc": 2020, "Từ năm": 2021}),
    target_row("GAP.2", **{"Mã chỉ số": "TNP", "Loại chỉ tiêu": "Gấp nhiều lần so với gốc", "Giá trị tối thiểu": "2",
                           "Đơn vị": "lần", "Năm gốc": 2019, "Giá trị gốc": "30", "Từ năm": 2021}),
    target_row("TD.1", **{"Mã chỉ số": "TLP", "Loại chỉ tiêu": "Thay đổi so với gốc", "Chiều thay đổi": "Giảm",
                          "Giá trị tối thiểu": "10", "Đơn vị": "%", "Năm gốc": 2020}),
    target_row("BQ.1", **{"Mã chỉ số": "TLP", "Loại chỉ tiêu": "Thay đổi bình quân năm", "Chiều thay đổi": "Giảm",
                          "Giá trị tối thiểu": "10", "Đơn vị": "%", "Từ năm": 2021}),
    target_row("BQ.2", **{"Mã chỉ số": "TLP", "Loại chỉ tiêu": "Thay đổi bình quân năm", "Chiều thay đổi": "Giảm",
                          "Giá trị tối thiểu": "8", "Giá trị tối đa": "10", "Đơn vị": "%", "Từ năm": 2021}),
    target_row("LV.1", **{"Mã chỉ số": "TNP", "Loại chỉ tiêu": "Mức tại thời điểm", "Giá trị tối thiểu": "70",
                          "Đơn vị": "triệu đồng/người/năm", "Từ ngữ": "từ ... trở lên", "Từ năm": 2021}),
    target_row("C.1", document="99/KH-UBND", **{
        "Mã chỉ số": "TNP", "Loại chỉ tiêu": "Mức tại thời điểm", "Giá trị tối thiểu": "75",
        "Đơn vị": "triệu đồng/người/năm", "Từ năm": 2021, "Chỉ tiêu cấp trên": f"{KEY}||LV.1"}),
]


def figure(indicator: str, year: int, value: str) -> dict:
    return {"Mã chỉ số": indicator, **PLACE, "Năm": year, "Kỳ": "Năm", "Giá trị": value, "Trạng thái": "Đã duyệt"}


FIGURES = [
    figure("TNP", 2020, "40"), figure("TNP", 2021, "48"), figure("TNP", 2022, "57"), figure("TNP", 2024, "84"),
    figure("TLP", 2020, "5"), figure("TLP", 2021, "4,9"), figure("TLP", 2022, "4,8"), figure("TLP", 2024, "4,5"),
]


@pytest.fixture
def plan(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = import_workbook({
            "documents": sheet("documents", *DOCUMENTS),
            "document_bases": sheet("document_bases", *BASES),
            "indicators": sheet("indicators", *INDICATORS),
            "targets": sheet("targets", *TARGETS),
            "actuals": sheet("actuals", *FIGURES),
        })
    assert not result.has_errors, [e.message for e in result.errors]
    return {t.code: t for t in Target.objects.filter(document__issuer__code="hg-ubnd", indicator__code__in=["TNP", "TLP"])
            .select_related("indicator", "document")}


def status_of(user, target: Target, year: int) -> TargetStatus:
    return evaluate_targets(user=user, targets=[target], options=Options(year))[0]


def path_of(status) -> list[tuple]:
    return [(p.year, p.low, p.high) for p in target_path(status)]


def line(*pairs) -> list[tuple]:
    return [(year, Decimal(value), Decimal(value)) for year, value in pairs]


# ---------------------------------------------------------------------------------------------
# "gấp N lần so với năm 20xx"


def test_a_multiple_runs_from_its_baseline_to_the_baseline_times_the_bound(plan, personas):
    status = status_of(personas.leader, plan["GAP.1"], 2024)
    assert (status.evaluation.status, status.evaluation.value) == (S.ACHIEVED, Decimal("2.1"))
    assert anchor(status) == (2020, Decimal("40"))
    # 40 → 80, not 40 → 2 (the bound is a multiplier, not a value)
    assert path_of(status) == line((2020, "40"), (2021, "50"), (2022, "60"), (2023, "70"), (2024, "80"))


def test_a_multiple_with_a_baseline_value_starts_at_its_year_and_is_not_capped_like_a_level(plan, personas):
    status = status_of(personas.leader, plan["GAP.2"], 2022)
    assert anchor(status) == (2019, Decimal("30"))
    # 57 in 2022 is above the path: the path still asks 48, 54, 60 (the evaluation's share of the growth).
    assert path_of(status) == line((2019, "30"), (2020, "36"), (2021, "42"), (2022, "48"), (2023, "54"), (2024, "60"))
    assert status.evaluation.status == S.ON_TRACK and "lộ trình cần gấp 1,6 lần sau 3/5 năm" in status.evaluation.explanation
    # The trend from the baseline given (30 in 2019) on: 30, 40, 48, 57 -> 74,9 in 2024.
    assert projection(status) == (2022, Decimal("57"), 2024, Decimal("74.9000"))


def test_a_level_path_keeps_the_latest_figure_on_the_good_side(plan, personas):
    status = status_of(personas.leader, plan["LV.1"], 2022)
    assert path_of(status) == line((2020, "40"), (2021, "47.5"), (2022, "57"), (2023, "62.5"), (2024, "70"))


def test_the_projection_of_a_multiple_reads_the_figures_from_its_baseline(plan, personas):
    status = status_of(personas.leader, plan["GAP.1"], 2022)
    assert (status.evaluation.status, status.evaluation.value) == (S.AT_RISK, Decimal("1.425"))
    assert projection(status) == (2022, Decimal("57"), 2024, Decimal("73.8333"))


# ---------------------------------------------------------------------------------------------
# A change in "%" of a rate


def test_a_relative_change_in_percent_ends_at_the_baseline_less_that_share(plan, personas):
    status = status_of(personas.leader, plan["TD.1"], 2022)
    assert path_of(status) == line((2020, "5"), (2021, "4.875"), (2022, "4.75"), (2023, "4.625"), (2024, "4.5"))
    assert projection(status) == (2022, Decimal("4.8"), 2024, Decimal("4.6000"))


def test_an_average_change_in_percent_compounds_year_by_year(plan, personas):
    status = status_of(personas.leader, plan["BQ.1"], 2022)
    assert anchor(status) == (2020, Decimal("5"))
    assert path_of(status) == line((2020, "5"), (2021, "4.5"), (2022, "4.05"), (2023, "3.645"), (2024, "3.2805"))
    # The mean rate so far (5 → 4,8 in two years: 0,96 over two years) kept for two more: 4,8 × 0,96.
    assert projection(status) == (2022, Decimal("4.8"), 2024, Decimal("4.6080"))


def test_an_average_change_range_in_percent_is_a_compounded_band(plan, personas):
    status = status_of(personas.leader, plan["BQ.2"], 2022)
    assert path_of(status) == [
        (2020, Decimal("5"), Decimal("5")), (2021, Decimal("4.5"), Decimal("4.6")),
        (2022, Decimal("4.05"), Decimal("4.232")), (2023, Decimal("3.645"), Decimal("3.8934")),
        (2024, Decimal("3.2805"), Decimal("3.5820")),
    ]


def test_the_target_chart_draws_the_multiple_path_and_its_projection(plan, personas):
    detail = target_detail(user=personas.leader, target_id=plan["GAP.1"].pk, options=Options(2022))
    traces = {trace.name: trace for trace in charts.target_figure(detail).data}
    path = traces["Lộ trình chỉ tiêu (gấp 2 lần so với năm 2020)"]
    assert (list(path.x), list(path.y)) == ([2020, 2021, 2022, 2023, 2024], [40.0, 50.0, 60.0, 70.0, 80.0])
    assert list(traces["Xu hướng đến 2024: 73,83 triệu đồng/người/năm"].y) == [57.0, 73.8333]


# ---------------------------------------------------------------------------------------------
# IPTT


def cells_of(table, code: str) -> tuple:
    [row] = [r for r in table.rows if r.status.target.code == code]
    return row, {year: (c.planned, c.actual, c.percent) for year, c in zip(table.years, row.cells)}


def test_iptt_cells_of_a_multiple_and_of_changes_in_percent(plan, personas):
    table = iptt_table(user=personas.leader, document=plan["GAP.1"].document, options=Options(2024))
    assert table.years == [2020, 2021, 2022, 2023, 2024]
    row, cells = cells_of(table, "GAP.1")
    assert (row.measure, row.quantity_unit) == ("số lần so với năm gốc", "times")
    assert cells == {2020: (None, None, None), 2021: (Decimal("1.25"), Decimal("1.2"), Decimal("96")),
                     2022: (Decimal("1.5"), Decimal("1.425"), Decimal("95")), 2023: (Decimal("1.75"), None, None),
                     2024: (Decimal("2"), Decimal("2.1"), Decimal("105"))}
    _row, cells = cells_of(table, "GAP.2")  # from 30 in 2019: needs 1,2 in 2020, 1,6 in 2022
    assert (cells[2020], cells[2022], cells[2024]) == (
        (Decimal("1.2"), Decimal("1.3333"), Decimal("111.1083")), (Decimal("1.6"), Decimal("1.9"), Decimal("118.75")),
        (Decimal("2"), Decimal("2.8"), Decimal("140")))
    row, cells = cells_of(table, "TD.1")  # share of "giảm 10%" against the change in % of 5
    assert row.measure == "thay đổi so với năm gốc"
    assert cells == {2020: (None, None, None), 2021: (Decimal("2.5"), Decimal("2"), Decimal("80")),
                     2022: (Decimal("5"), Decimal("4"), Decimal("80")), 2023: (Decimal("7.5"), None, None),
                     2024: (Decimal("10"), Decimal("10"), Decimal("100"))}
    row, cells = cells_of(table, "BQ.1")  # a yearly rate of the year before: 4,9 → 4,8 is 2,0408%
    assert (row.measure, row.quantity_unit) == ("thay đổi so với năm trước", "percent")
    assert cells == {2020: (None, None, None), 2021: (Decimal("10"), Decimal("2"), Decimal("20")),
                     2022: (Decimal("10"), Decimal("2.0408"), Decimal("20.408")), 2023: (Decimal("10"), None, None),
                     2024: (Decimal("10"), None, None)}


def test_the_iptt_workbook_carries_the_same_cells(plan, personas):
    table = iptt_table(user=personas.leader, document=plan["GAP.1"].document, options=Options(2024))
    sheet_ = load_workbook(io.BytesIO(iptt_workbook(table))).active
    assert sheet_["A1"].value == f"IPTT – Kế hoạch {REFERENCE}: Kế hoạch lộ trình thử"
    header = [cell.value for cell in sheet_[3]]
    rows = {row[0]: dict(zip(header, row)) for row in sheet_.iter_rows(min_row=4, values_only=True)}
    multiple = rows["GAP.1"]
    assert (multiple["Đại lượng"], multiple["Đơn vị"]) == ("số lần so với năm gốc", "lần")
    assert (multiple["2022 chỉ tiêu"], multiple["2022 thực hiện"], multiple["2022 % đạt"]) == (1.5, 1.425, 95)
    assert (multiple["2024 chỉ tiêu"], multiple["2024 thực hiện"], multiple["2024 % đạt"]) == (2, 2.1, 105)
    average = rows["BQ.1"]
    assert (average["Đơn vị"], average["2022 chỉ tiêu"], average["2022 thực hiện"], average["2022 % đạt"]) == (
        "%", 10, 2.0408, 20.408)
    relative = rows["TD.1"]
    assert (relative["2021 chỉ tiêu"], relative["2021 thực hiện"], relative["2021 % đạt"]) == (2.5, 2, 80)


# ---------------------------------------------------------------------------------------------
# A document without a number, named for people


def test_a_document_without_a_number_is_named_by_its_reference(plan):
    document = Document.objects.get(key=KEY)
    assert (document.number, document.reference) == ("", REFERENCE)
    assert Document.objects.get(number="99/KH-UBND").reference == "99/KH-UBND"
    assert str(plan["LV.1"]) == f"{REFERENCE} LV.1: Thu nhập bình quân thử"


def test_its_targets_show_the_reference_on_every_dashboard_page(plan, personas, client):
    client.force_login(personas.leader)
    level, child = plan["LV.1"], plan["C.1"]

    def page(url: str) -> str:
        response = client.get(url + "?nam=2022")
        assert response.status_code == 200, url
        return response.content.decode()

    assert f"Kế hoạch {REFERENCE}</a> – LV.1" in page(reverse("dashboard_target", args=[level.pk]))
    assert f"{REFERENCE} LV.1: Thu nhập bình quân thử</a>" in page(reverse("dashboard_target", args=[child.pk]))
    cascade = page(reverse("dashboard_cascade", args=[level.pk]))
    assert f"<h1>{REFERENCE} LV.1: Thu nhập bình quân thử" in cascade and f">{REFERENCE}</a> <a" in cascade
    assert f"{REFERENCE} LV.1</a>" in page(reverse("dashboard_cascade_index"))
    assert f'<small class="muted">Kế hoạch {REFERENCE}</small>' in page(reverse("dashboard_iptt", args=[level.document_id]))
    assert f">{REFERENCE}</a> LV.1</td>" in page(reverse("dashboard"))
