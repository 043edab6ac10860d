"""Aggregate tables as .xlsx (Biểu 02, the household review, tasks): each workbook opened again with
openpyxl equals the database, totals add up, the balance column checks the movements, no text runs
as a formula, a territory out of reach is a 404 and the queries do not grow with the rows."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from dashboards.tasks import TaskCategory
from households import aggregate_reviews
from households.aggregate_reviews import TableRow
from households.models import AggregateReview, PovertyStandard
from indicators import services
from indicators.models import Indicator
from plans.models import AdministrativeUnit, AdminMap, Role, Task, UnitLevel
from tests.conftest import make_user, unit

ND07 = "nd-07-2021"


def download(client, user, table: str, place: AdministrativeUnit, year: int):
    client.force_login(user)
    response = client.get(reverse("report_table_download", args=[table]) + f"?dia_ban={place.pk}&nam={year}")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return load_workbook(io.BytesIO(response.content))


def table(sheet) -> tuple[list, list[tuple]]:
    """The header row and the rows up to the blank line before the source note."""
    header = [c.value for c in sheet[2]]
    rows = []
    for row in sheet.iter_rows(min_row=3, values_only=True):
        if not any(v is not None for v in row):
            break
        rows.append(row)
    return header, rows


def note(sheet) -> str:
    return "\n".join(str(r[0]) for r in sheet.iter_rows(values_only=True) if r and isinstance(r[0], str))


# --- Biểu 02 ------------------------------------------------------------------------------------


def test_bieu_02_shows_the_years_plan_and_the_approved_figure_entered_through_the_services(client, personas):
    ld02 = Indicator.objects.get(code="LD02")
    actual = services.save_actual(user=personas.officer_hg, indicator=ld02, unit=unit("93"), year=2021,
                                  value=Decimal("16000"))
    services.submit_actual(user=personas.officer_hg, actual=actual)
    services.approve_actual(user=personas.reviewer_hg, actual=actual)
    book = download(client, personas.officer_hg, "bieu-02", unit("93"), 2021)
    sheet = book["Biểu 02"]
    assert "Hậu Giang" in sheet["A1"].value and "2021" in sheet["A1"].value
    header, rows = table(sheet)
    assert header[:3] == ["STT", "Mã chỉ tiêu", "Chỉ tiêu"]
    jobs = next(r for r in rows if r[1] == "II.2.a.3")
    assert jobs[header.index("Chỉ tiêu kế hoạch năm 2021")] == 15000
    assert jobs[header.index("Thực hiện năm 2021")] == 16000
    assert jobs[header.index("Tỷ lệ thực hiện so với kế hoạch (%)")] == pytest.approx(106.6667)
    assert jobs[header.index("Đơn vị tính")] == "lao động" and jobs[header.index("Văn bản")] == "18/KH-UBND"
    # numbers are numbers, in a Vietnamese number format
    cell = sheet.cell(row=3 + rows.index(jobs), column=header.index("Thực hiện năm 2021") + 1)
    assert cell.data_type == "n" and cell.number_format == "[$-42A]#,##0.00"
    # the status summary adds up to the number of targets
    targets = [r for r in rows if isinstance(r[0], int)]
    total = next(r for r in rows if r[2] == "Tổng số chỉ tiêu")
    by_status = [r for r in rows if isinstance(r[2], str) and r[2].startswith("– ")]
    assert total[10] == len(targets) == sum(r[10] for r in by_status) > 0
    assert "Nguồn: Chỉ tiêu theo các văn bản" in note(sheet) and "18/KH-UBND" in note(sheet)
    # the units below: the approved yearly value of each headline indicator
    units = book["Theo địa bàn"]
    header, rows = table(units)
    assert any(h.startswith("LD02 – ") for h in header)
    assert rows[0][1] == "Toàn địa bàn: Tỉnh Hậu Giang" and rows[0][header.index(next(h for h in header if h.startswith("LD02")))] == 16000


# --- The household review ------------------------------------------------------------------------


HUE_FIGURES = {  # total, poor start, escaped, fallen back, new poor, poor end, near-poor start, end
    0: (1000, 50, 20, 2, 8, 40, 60, 55),
    1: (2000, 80, 30, 0, 10, 60, 90, 70),
    2: (1500, 40, 10, 1, 4, 36, 45, 50),  # balanced: 40 − 10 + 1 + 4 = 35, not 36: the difference is shown
}


def hue_communes(count: int) -> list[AdministrativeUnit]:
    return list(AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE, admin_map=AdminMap.LEGACY,
                                                  parent__parent__code="46").order_by("code")[:count])


def import_review(admin, communes: list[AdministrativeUnit], year: int = 2024) -> None:
    """Rows of a province's table, through the aggregate import's check and write."""
    rows = []
    for i, commune in enumerate(communes):
        total, start, escaped, back, new, end, near_start, near_end = HUE_FIGURES[i % 3]
        values = {"total": total, "poor_start": start, "escaped": escaped, "fallen_back": back, "new_poor": new,
                  "poor_end": end, "near_poor_start": near_start, "near_poor_end": near_end}
        rows.append(TableRow(line=len(rows) + 2, unit_code=commune.code, values=values))
        rows.append(TableRow(line=len(rows) + 2, unit_code=commune.code, breakdown="Thành thị",
                             values={"total": total // 2, "poor_end": end // 4}))
    standard = PovertyStandard.objects.get(code=ND07)
    checked = aggregate_reviews.preview(rows, user=admin, year=year, standard=standard, admin_map=AdminMap.LEGACY)
    assert checked["errors"] == []
    aggregate_reviews.apply(table=checked, user=admin, file_name="ra-soat.xlsx", checksum="x", size=1, source="test")


@pytest.fixture
def hue_review(personas):
    call_command("load_standards", verbosity=0)
    communes = hue_communes(3)
    import_review(personas.admin, communes)
    return communes


def test_the_review_table_gives_each_commune_and_a_province_total_that_adds_up(client, personas, hue_review):
    book = download(client, personas.officer_hue, "ra-soat-ho-ngheo", unit("46", AdminMap.CURRENT), 2024)
    sheet = book.active
    header, rows = table(sheet)
    col = {name: header.index(name) for name in header}
    communes = {r[col["Mã địa bàn"]]: r for r in rows if r[col["Nhóm"]] == "Tổng số" and isinstance(r[0], int)}
    assert set(communes) == {c.code for c in hue_review}
    for commune in hue_review:
        review = AggregateReview.objects.get(unit=commune, year=2024, breakdown="")
        row = communes[commune.code]
        assert row[col["Địa bàn"]] == commune.name and row[col["Tổng số hộ"]] == review.total
        assert row[col["Hộ nghèo cuối kỳ"]] == review.poor_end and row[col["Thoát nghèo"]] == review.escaped
        assert row[col["Tỷ lệ hộ nghèo cuối kỳ (%)"]] == pytest.approx(round(review.poor_end * 100 / review.total, 2))
    province = next(r for r in rows if r[col["Mã địa bàn"]] == "46" and r[col["Nhóm"]] == "Tổng số")
    for name in ("Tổng số hộ", "Hộ nghèo đầu kỳ", "Thoát nghèo", "Tái nghèo", "Nghèo phát sinh", "Hộ nghèo cuối kỳ",
                 "Hộ cận nghèo đầu kỳ", "Hộ cận nghèo cuối kỳ"):
        assert province[col[name]] == sum(r[col[name]] for r in communes.values()), name
    assert province[col["Tổng số hộ"]] == 4500
    # the urban subtotal of the province = the sum of the communes' urban rows
    urban = [r for r in rows if r[col["Nhóm"]] == "Thành thị"]
    assert urban[0][col["Mã địa bàn"]] == "46" and urban[0][col["Tổng số hộ"]] == sum(r[col["Tổng số hộ"]] for r in urban[1:])
    # the balance: ✓, or the difference
    balance = col["Cân đối (đầu kỳ − thoát + tái + phát sinh = cuối kỳ)"]
    assert [communes[c.code][balance] for c in hue_review] == ["✓", "✓", -1]
    assert province[balance] == -1
    assert sheet.cell(row=3, column=col["Tổng số hộ"] + 1).number_format == "[$-42A]#,##0"
    assert "Nguồn: Sổ hộ trên hệ thống" in note(sheet)


def test_a_unit_name_starting_with_equals_is_written_as_text(client, personas, hue_review):
    commune = hue_review[0]
    AdministrativeUnit.objects.filter(pk=commune.pk).update(name='=HYPERLINK("http://x","y")')
    sheet = download(client, personas.officer_hue, "ra-soat-ho-ngheo", unit("46", AdminMap.CURRENT), 2024).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value == "'=HYPERLINK(\"http://x\",\"y\")" for c in cells)


def test_the_query_count_does_not_grow_with_the_communes(client, personas):
    call_command("load_standards", verbosity=0)
    communes = hue_communes(12)
    counts = []
    for size, year in ((3, 2023), (12, 2024)):
        import_review(personas.admin, communes[:size], year=year)
        client.force_login(personas.officer_hue)
        for slug in ("ra-soat-ho-ngheo", "bieu-02", "nhiem-vu"):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("report_table_download", args=[slug])
                                      + f"?dia_ban={unit('46', AdminMap.CURRENT).pk}&nam={year}")
            assert response.status_code == 200
            counts.append((slug, len(queries)))
    assert counts[:3] == [(slug, n) for slug, n in counts[3:]]
    assert all(n <= 25 for _, n in counts), counts


# --- Tasks ---------------------------------------------------------------------------------------


def test_the_task_table_counts_the_four_categories_by_lead_agency_and_escapes_names(client, personas):
    task = Task.objects.filter(document__issuer__code="tth-btv-tu", children__isnull=True).order_by("pk").first()
    Task.objects.filter(pk=task.pk).update(title="=1+1 Tuyên truyền")
    book = download(client, personas.officer_hue, "nhiem-vu", unit("46", AdminMap.CURRENT), 2024)
    sheet = book["Theo cơ quan chủ trì"]
    header, rows = table(sheet)
    heads = [str(TaskCategory.LABELS[c]) for c in TaskCategory.ORDER]
    assert header[3:7] == heads
    total, agencies = rows[0], rows[1:]
    assert total[1] == "Tổng số" and total[2] > 0
    for i in range(2, 7):
        assert total[i] == sum(r[i] for r in agencies)
    assert total[2] == sum(total[3:7])
    tasks = book["Từng nhiệm vụ"]
    _header, task_rows = table(tasks)
    assert len(task_rows) == total[2]
    cell = next(c for row in tasks.iter_rows() for c in row if isinstance(c.value, str) and "Tuyên truyền" in c.value
                and "1+1" in c.value)
    assert cell.data_type == "s" and cell.value == "'=1+1 Tuyên truyền"


# --- Access --------------------------------------------------------------------------------------


def test_a_territory_out_of_reach_is_a_404_and_anonymous_users_log_in(client, personas):
    can_tho = unit("92", AdminMap.CURRENT)
    url = reverse("report_table_download", args=["bieu-02"]) + f"?dia_ban={can_tho.pk}&nam=2024"
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(personas.officer_hue)
    for slug in ("bieu-02", "ra-soat-ho-ngheo", "nhiem-vu"):
        assert client.get(reverse("report_table_download", args=[slug]) + f"?dia_ban={can_tho.pk}&nam=2024").status_code == 404
    assert client.get(reverse("report_tables") + f"?dia_ban={can_tho.pk}").status_code == 404
    assert client.get(reverse("report_table_download", args=["khong-co"])).status_code == 404
    client.force_login(personas.outsider)
    assert client.get(reverse("report_tables")).status_code == 403


def test_the_page_offers_the_users_territories_and_three_downloads(client, personas):
    client.force_login(personas.officer_hue)
    page = client.get(reverse("report_tables") + "?nam=2024")
    assert page.status_code == 200
    text = page.content.decode()
    hue = unit("46", AdminMap.CURRENT)
    assert f'value="{hue.pk}" selected' in text and "Cần Thơ" not in text
    for slug in ("bieu-02", "ra-soat-ho-ngheo", "nhiem-vu"):
        assert f'{reverse("report_table_download", args=[slug])}?dia_ban={hue.pk}&amp;nam=2024' in text
    assert f'href="{reverse("report_tables")}"' in text  # the menu link


def test_a_register_commune_reads_its_register(client, personas, commune):
    """The register's figures (households kept here) are the commune's row, its province's total theirs."""
    from households.models import RegisterStat
    from households.recompute import recompute_register

    make_register(personas.admin, commune)
    recompute_register(year=2025)
    stat = RegisterStat.objects.get(unit=commune, year=2025)
    sheet = download(client, personas.officer_hg, "ra-soat-ho-ngheo", unit("92", AdminMap.CURRENT), 2025).active
    header, rows = table(sheet)
    col = {name: header.index(name) for name in header}
    row = next(r for r in rows if r[col["Mã địa bàn"]] == commune.code and r[col["Nhóm"]] == "Tổng số")
    assert row[col["Tổng số hộ"]] == stat.total and row[col["Hộ nghèo cuối kỳ"]] == stat.poor
    assert row[col["Nguồn số liệu"]] == "Sổ hộ"


def make_register(user, commune) -> None:
    from households import services as register
    from plans.models import Membership

    officer = make_user("canbo.xa")
    Membership.objects.create(user=officer, unit=commune, role=Role.OFFICER)
    for i, income in enumerate((500_000, 3_000_000, 1_000_000)):
        household = register.save_household(user=officer, commune=commune, code=f"T-{i}", head_name=f"Hộ {i}",
                                             village="Ấp 1", members=3, area="rural")
        register.save_review(user=officer, household=household, year=2025, income=income, deprivations=[])


def test_bieu_02_units_below_are_read_on_the_map_of_the_year(client, personas, hue_review):
    """Huế of today's map in 2024: the legacy province's own figure and its districts' (the yearly table)."""
    from indicators.models import YearlyValue

    district = AdministrativeUnit.objects.filter(parent=unit("46"), level=UnitLevel.DISTRICT).order_by("code").first()
    import_review(personas.admin, [unit("46"), district])
    book = download(client, personas.officer_hue, "bieu-02", unit("46", AdminMap.CURRENT), 2024)
    header, rows = table(book["Theo địa bàn"])
    gn01 = header.index(next(h for h in header if h.startswith("GN01 – ")))
    expected = {
        v.unit.code: float(v.value) for v in YearlyValue.objects.filter(
            indicator__code="GN01", year=2024, unit__admin_map=AdminMap.LEGACY, unit__level__lte=UnitLevel.DISTRICT,
        ).filter(unit__code__startswith="4").select_related("unit") if v.unit.code == "46" or v.unit.parent.code == "46"
    }
    shown = {r[2]: r[gn01] for r in rows if r[gn01] is not None}
    assert set(shown) == {"46", district.code} and shown == pytest.approx(expected)
    assert shown["46"] == 4.0  # 40 poor of 1.000 households, as imported
