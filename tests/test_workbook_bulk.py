"""The bulk path for actuals: the same answers through COPY (PostgreSQL) and batched writes."""

from decimal import Decimal

import pytest

from exchange.workbook.bulk_actuals import import_actuals
from exchange.workbook.results import Formula, SheetRows
from exchange.workbook.sheets import sheet_headers
from indicators.models import Actual, ActualSource, Indicator, YearlyValue
from review.models import AuditEntry, ReviewStatus
from tests.conftest import unit

METHODS = ["copy", "batched"]


def sheet(*rows: dict) -> SheetRows:
    headers = sheet_headers("actuals")
    values = [[row.get(h, "") for h in headers] for row in rows]
    return SheetRows(headers=headers, open_rows=lambda: iter(enumerate(values, start=2)), total=len(values))


def figure(year: int = 2024, value="2,41", **cells) -> dict:
    return {"Mã chỉ số": "GN01", "Mã địa bàn": "93", "Bản đồ": "63", "Năm": year, "Giá trị": value, **cells}


@pytest.mark.parametrize("method", METHODS)
def test_new_changed_and_unchanged_rows_are_counted_and_written(db, method):
    first = import_actuals(sheet(figure(2023, "2,9"), figure(2024, "2,41", **{"Trạng thái": "Đã gửi"})), method=method)
    assert (first.new, first.changed, first.unchanged, first.error_count) == (2, 0, 0, 0)

    second = import_actuals(sheet(figure(2023, "2,9"), figure(2024, "2,35", **{"Trạng thái": "Đã gửi"}), figure(2022, "2")), method=method)

    assert (second.new, second.changed, second.unchanged) == (1, 1, 1)
    [change] = second.changes
    assert (change.row, change.key, change.fields) == (3, "GN01 · 93@63 · 2024", [("Giá trị", "2,41", "2,35")])
    figures = {a.year: a for a in Actual.objects.filter(indicator__code="GN01", unit=unit("93"))}
    assert figures[2024].value == Decimal("2.35") and figures[2024].version == 2
    assert figures[2024].status == ReviewStatus.SUBMITTED and figures[2024].submitted_at is not None
    assert figures[2023].status == ReviewStatus.APPROVED and figures[2023].source == ActualSource.IMPORTED
    entry = AuditEntry.objects.get(object_id=figures[2024].pk, action="import", content_type__model="actual")
    assert (Decimal(entry.before["value"]), Decimal(entry.after["value"])) == (Decimal("2.41"), Decimal("2.35"))


@pytest.mark.parametrize("method", METHODS)
def test_a_dry_run_counts_and_writes_nothing(db, method):
    result = import_actuals(sheet(figure()), write=False, method=method)
    assert result.new == 1
    assert not Actual.objects.exists()


@pytest.mark.parametrize("method", METHODS)
def test_changing_an_approved_figure_marks_a_late_correction(db, method):
    import_actuals(sheet(figure(value="2,41")), method=method)
    import_actuals(sheet(figure(value="2,5")), reason="Nhập từ tệp so-lieu.xlsx", method=method)
    actual = Actual.objects.get()
    assert actual.is_late_correction and actual.correction_reason == "Nhập từ tệp so-lieu.xlsx"


@pytest.mark.parametrize("method", METHODS)
def test_every_wrong_cell_is_reported_by_row_and_column_and_nothing_is_written(db, method):
    can_tho = {"Mã địa bàn": "92", "Bản đồ": "34"}  # years after Hậu Giang closed: its successor's
    result = import_actuals(sheet(
        figure(2025, **can_tho),
        figure(2025, "2,5", **can_tho),  # the same figure twice
        figure(2026, Formula("=A1*2"), **can_tho),
        {**figure(2027, **can_tho), "Mã chỉ số": "ZZ"},
        figure(2028, "", **{"Tử số": "40", "Mẫu số": "30"}, **can_tho),
        figure(2029, "1,23456", **can_tho),
    ), method=method)

    assert [(e.row, e.column, e.detail) for e in result.errors] == [
        (3, "Mã chỉ số", "Trùng chỉ số, địa bàn và kỳ với dòng 2."),
        (4, "Giá trị", "Ô chứa công thức (=A1*2); hãy dán giá trị thay cho công thức."),
        (5, "Mã chỉ số", "Không có chỉ số mã “ZZ” (xem sheet chỉ số)."),
        (6, "Tử số", "Tử số không được lớn hơn mẫu số."),
        (7, "Giá trị", "“1,23456” có quá 4 chữ số thập phân."),
    ]
    assert (result.new, result.wrong) == (1, 5)
    assert not Actual.objects.exists()


def test_the_copy_path_runs_a_fixed_number_of_queries_whatever_the_rows(db, django_assert_max_num_queries):
    rows = [figure(year, "1,5", **{"Mã địa bàn": code}) for year in range(2016, 2025) for code in ("93", "46", "24")]
    with django_assert_max_num_queries(30):
        result = import_actuals(sheet(*rows), method="copy")
    assert result.new == len(rows) == 27


@pytest.mark.parametrize("method", METHODS)
def test_imported_yearly_figures_reach_the_dashboards_table_once_committed(db, method, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_actuals(sheet(figure(2024, "2,41"), figure(2024, "2,5", **{"Kỳ": "6 tháng", "Số kỳ": 1})), method=method)
    assert len(callbacks) == 1
    indicator = Indicator.objects.get(code="GN01")
    assert YearlyValue.objects.get(indicator=indicator, unit=unit("93"), year=2024).value == Decimal("2.41")
