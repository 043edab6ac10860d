"""Imports keep the rule of closed places (indicators.closures): a figure of a unit for a period that
ends after the unit closed is refused by every import path, with the entry page's message naming
where the figure counts, and nothing is written. The generators never write such a figure.

Hậu Giang (93, 63-province map) merged into thành phố Cần Thơ (92, 34-province map) on 1/7/2025.
"""

import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exchange.models import ImportRecord
from exchange.workbook import records
from exchange.workbook.bulk_actuals import import_actuals
from exchange.workbook.results import SheetRows
from exchange.workbook.sheets import sheet_headers
from indicators import closures
from indicators.models import Actual, PeriodKind
from indicators.resources import ActualResource
from plans.models import AdministrativeUnit, AdminMap, Membership, Role, UnitLevel
from tests.conftest import make_user, unit
from tests.test_workbook import row_of, xlsx

METHODS = ["copy", "batched"]
MERGED = "Tỉnh Hậu Giang đã sáp nhập vào Thành phố Cần Thơ từ ngày 01/07/2025"


def refusal(code: str, year: int, kind=PeriodKind.YEAR, number=0, admin_map=AdminMap.LEGACY) -> str:
    """The entry page's message for this unit and period."""
    closure = closures.closure_for(unit(code, admin_map), closures.Period(year, kind, number))
    assert closure is not None
    return closure.message


def cells(year=2026, code="93", admin_map="63", value="2,1", kind="Năm", number="0", indicator="GN01") -> dict:
    return {"Mã chỉ số": indicator, "Mã địa bàn": code, "Bản đồ": admin_map, "Năm": year, "Kỳ": kind, "Số kỳ": number,
            "Giá trị": value, "Trạng thái": "Đã duyệt"}


def sheet(rows: list[dict]) -> SheetRows:
    headers = sheet_headers("actuals")
    lines = [[row.get(header, "") for header in headers] for row in rows]
    return SheetRows(headers=headers, open_rows=lambda: iter(enumerate(lines, start=2)), total=len(lines))


def current_communes(count: int) -> list[str]:
    return list(AdministrativeUnit.objects.filter(admin_map=AdminMap.CURRENT, level=UnitLevel.COMMUNE)
                .order_by("code").values_list("code", flat=True)[:count])


@pytest.fixture
def admin_client(client, db):
    admin = make_user("quantri.sapnhap", Role.ADMIN)
    client.force_login(admin)
    return client


def last_record() -> ImportRecord:
    return ImportRecord.objects.order_by("-pk").first()


# ---------------------------------------------------------------------------------------------
# The plan workbook (upload, preview, error workbook, confirm)


def test_a_workbook_figure_of_hau_giang_for_2026_is_a_row_error_naming_the_successor(admin_client):
    admin_client.post(reverse("import_upload"), {"files": [SimpleUploadedFile("so-lieu.xlsx", xlsx({"actuals": [
        row_of("actuals", **cells(2024, value="2,4")),
        row_of("actuals", **cells(2026)),
    ]}))]})
    record = last_record()
    message = refusal("93", 2026)
    assert message.startswith(f"{MERGED}: số liệu năm 2026 được tính cho Thành phố Cần Thơ, không tính cho Tỉnh Hậu Giang")
    assert message.endswith("Hãy nhập số liệu cho Thành phố Cần Thơ.")
    assert record.errors == [{"sheet": "actuals", "row": 3, "column": "Năm", "message": message}]
    assert record.counts["actuals"]["wrong"] == 1

    preview = admin_client.get(reverse("import_detail", args=[record.pk])).content.decode()
    assert "Số liệu thực hiện" in preview and "sáp nhập vào Thành phố Cần Thơ từ ngày 01/07/2025" in preview

    response = admin_client.get(reverse("import_errors", args=[record.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in book["Danh sách lỗi"][2]] == ["Số liệu thực hiện", 3, "Năm", message]
    assert book["Số liệu thực hiện"][3][-1].value == f"Năm: {message}"

    with pytest.raises(records.NotApplicable):
        records.claim_for_apply(record.pk, user=None)
    assert not Actual.objects.exists()


def test_the_same_workbook_row_for_2024_is_written(admin_client):
    admin_client.post(reverse("import_upload"), {"files": [SimpleUploadedFile("so-lieu.xlsx", xlsx({"actuals": [
        row_of("actuals", **cells(2024, value="2,4")),
        row_of("actuals", **cells(2025, kind="6 tháng", number="1", value="2,2")),  # the half it lived to the end of
    ]}))]})
    record = last_record()
    assert record.errors == [] and record.counts["actuals"]["new"] == 2
    admin_client.post(reverse("import_apply", args=[record.pk]))
    figures = {(a.year, a.period_kind): a.value for a in Actual.objects.filter(unit=unit("93"))}
    assert figures == {(2024, PeriodKind.YEAR): Decimal("2.4"), (2025, PeriodKind.HALF): Decimal("2.2")}


# ---------------------------------------------------------------------------------------------
# Bulk actuals


@pytest.mark.parametrize("method", METHODS)
def test_bulk_actuals_refuse_exactly_the_periods_that_end_after_the_unit_closed(db, method):
    result = import_actuals(sheet([
        cells(2024),
        cells(2025, kind="6 tháng", number="1"),
        cells(2025, kind="Quý", number="2"),
        cells(2025, kind="6 tháng", number="2"),
        cells(2025, kind="Quý", number="3"),
        cells(2025),
        cells(2026, code="92", admin_map="34"),  # the successor takes it
        cells(2030),
    ]), method=method)
    assert [(e.row, e.column, e.detail) for e in result.errors] == [
        (5, "Năm", refusal("93", 2025, PeriodKind.HALF, 2)),
        (6, "Năm", refusal("93", 2025, PeriodKind.QUARTER, 3)),
        (7, "Năm", refusal("93", 2025)),
        (9, "Năm", refusal("93", 2030)),
    ]
    assert "số liệu 6 tháng cuối năm 2025 được tính cho Thành phố Cần Thơ" in result.errors[0].detail
    assert (result.new, result.wrong) == (4, 4)
    assert not Actual.objects.exists()


def test_a_row_checked_cell_by_cell_is_refused_too_beside_its_other_problems(db):
    a_luoi = {"code": "481", "indicator": "GN07", "value": "0"}  # a district: the level ended
    result = import_actuals(sheet([
        cells(2026.0),  # a number cell: the slow path
        cells(2026, value="nhiều"),
        cells(2025, **a_luoi),
        cells(2024, **a_luoi),
    ]))
    assert [(e.row, e.column, e.detail) for e in result.errors] == [
        (2, "Năm", refusal("93", 2026)),
        (3, "Năm", refusal("93", 2026)),
        (3, "Giá trị", "“nhiều” không phải là số (viết 1.500.000 hoặc 1,84)."),
        (4, "Năm", "Huyện A Lưới không còn từ ngày 01/07/2025: số liệu năm 2025 của đơn vị này không được tính ở đâu "
                   "(đơn vị này chỉ nhận số liệu của các kỳ kết thúc đến ngày 30/06/2025)."),
    ]
    assert result.errors[0].message == f"Năm: {refusal('93', 2026)}"


@pytest.mark.parametrize("method", METHODS)
def test_one_closed_row_among_a_thousand_is_refused_with_the_queries_of_ten_rows(db, method):
    communes = current_communes(999)
    legacy = list(AdministrativeUnit.objects.filter(admin_map=AdminMap.LEGACY, level=UnitLevel.COMMUNE)
                  .order_by("code").values_list("code", flat=True)[:500])

    def run(rows: list[dict]):
        with CaptureQueriesContext(connection) as queries:
            result = import_actuals(sheet(rows), method=method)
        return result, len(queries)

    def current(codes):
        return [cells(2026, code=code, admin_map="34", value="2,5") for code in codes]

    ten, ten_queries = run([*current(communes[:5]), cells(2026), *current(communes[5:9])])
    thousand, thousand_queries = run([*current(communes[:500]), cells(2026), *current(communes[500:])])
    many, many_queries = run([*current(communes[:500]), *(cells(2026, code=code) for code in legacy)])

    assert (ten.error_count, ten.wrong, ten.new) == (1, 1, 9)
    assert (thousand.error_count, thousand.wrong, thousand.new) == (1, 1, 999)
    [error] = thousand.errors
    assert (error.sheet, error.row, error.column, error.detail) == ("actuals", 502, "Năm", refusal("93", 2026))
    assert many.error_count == 500 and (many.errors[0].row, many.errors[0].detail) == (502, refusal(legacy[0], 2026))
    assert ten_queries == thousand_queries == many_queries, (ten_queries, thousand_queries, many_queries)
    assert not Actual.objects.exists()


# ---------------------------------------------------------------------------------------------
# The Django admin's import (django-import-export's row-by-row path, through ActualResource)


def dataset(*rows: dict) -> tablib.Dataset:
    headers = sheet_headers("actuals")
    return tablib.Dataset(*[[row.get(h, "") for h in headers] for row in rows], headers=headers)


def test_the_admin_import_refuses_the_figure_and_never_writes_it(db):
    rows = dataset(cells(2024), cells(2026))
    # The admin's preview (a dry run) shows the refusal and offers no confirmation; an import
    # without the preview writes the other rows, never this one.
    for dry_run in (True, False):
        result = ActualResource().import_data(rows, dry_run=dry_run, raise_errors=False)
        assert result.has_validation_errors()
        [invalid] = result.invalid_rows
        assert (invalid.number, invalid.error_dict) == (2, {"year": [refusal("93", 2026)]})
    assert list(Actual.objects.values_list("unit__code", "year")) == [("93", 2024)]

    result = ActualResource().import_data(dataset(cells(2024), cells(2026, code="92", admin_map="34")), raise_errors=False)
    assert not result.has_validation_errors() and (result.totals["new"], result.totals["skip"]) == (1, 1)
    assert sorted(Actual.objects.values_list("unit__code", "year")) == [("92", 2026), ("93", 2024)]


# ---------------------------------------------------------------------------------------------
# The generators never write such a figure


def figures_of_closed_units(**filters) -> list:
    rows = Actual.objects.filter(unit__valid_to__isnull=False, **filters).values_list(
        "unit__code", "unit__admin_map", "unit__valid_to", "year", "period_kind", "period_number")
    return [row for row in rows if closures.Period(row[3], row[4], row[5]).end > row[2]]


def test_the_illustrative_generator_stops_the_old_map_at_the_merger(db):
    call_command("generate_illustrative_actuals", "--from-year", "2024", "--to-year", "2026", "--indicators", "GN01,LD02",
                 "--no-task-reports", verbosity=0)
    years = set(Actual.objects.filter(unit__admin_map=AdminMap.LEGACY).values_list("year", flat=True))
    assert years == {2024}  # the old map has its figures up to the merger
    assert Actual.objects.filter(unit__admin_map=AdminMap.CURRENT, year=2026).exists()
    assert figures_of_closed_units() == []


def test_the_register_recompute_writes_no_figure_of_a_closed_unit(commune):
    officer = make_user("canbo.xa.sapnhap")
    Membership.objects.create(user=officer, unit=commune, role=Role.OFFICER)
    from households import services as household_services

    household = household_services.save_household(user=officer, commune=commune, code="SN-1", head_name="Phạm Văn Hộ",
                                                   village="Ấp 2", members=4, area="rural")
    assert household.legacy_commune is not None
    for year in (2024, 2025):
        household_services.save_review(user=officer, household=household, year=year, income=1_000_000,
                                       deprivations=["bhyt", "nha-tieu", "viec-lam"])
        household_services.recompute_register(year=year)
    assert Actual.objects.filter(unit=household.legacy_commune, year=2024).exists()
    assert Actual.objects.filter(unit=commune, year=2025).exists()
    assert figures_of_closed_units() == []
    # Nor does the update of the commune's figures when a review is saved.
    from households.commune_figures import save_review_and_refresh

    save_review_and_refresh(user=officer, household=household, year=2026, income=1_000_000,
                            deprivations=["bhyt", "nha-tieu", "viec-lam"])
    assert Actual.objects.filter(unit=commune, year=2026).exists()
    assert figures_of_closed_units() == []
