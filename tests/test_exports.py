"""Lists exported as .xlsx and .csv: limited to what the user may see, formulas never run; the
figures' CSV streams from a cursor in a fixed number of queries, and says what produced each figure."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from common.spreadsheets import escape_formula, unescape_formula
from exchange.exports import visible_rows
from indicators.models import Actual, Indicator
from indicators.resources import ActualResource
from indicators.services import save_actual
from plans.models import Document
from plans.resources import DocumentResource
from plans.text import format_number
from review import provenance
from review.models import RecordSource
from tests.conftest import make_user, unit
from tests.jobs_helpers import run_tasks
from tests.test_provenance import figure_row, import_in_bulk, import_through_the_service, named, records  # noqa: F401


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True))


@pytest.fixture
def figures(db):
    gn01 = Indicator.objects.get(code="GN01")
    Actual.objects.create(indicator=gn01, unit=unit("93"), year=2024, value=Decimal("2.41"))
    Actual.objects.create(indicator=gn01, unit=unit("46"), year=2024, value=Decimal("2.2"))


@pytest.mark.parametrize("text", ["=1+1", "+84 912", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_cells_a_spreadsheet_would_run_get_an_apostrophe(text):
    assert escape_formula(text) == "'" + text
    assert unescape_formula(escape_formula(text)) == text


def test_other_values_pass_unchanged():
    assert [escape_formula(v) for v in ("Hậu Giang", "1,84", 75000, None, "a=b")] == ["Hậu Giang", "1,84", 75000, None, "a=b"]
    assert unescape_formula("'bình thường") == "'bình thường"


def test_an_officer_exports_only_the_figures_and_targets_of_their_territory(client, personas, figures):
    client.force_login(personas.officer_hue)

    actuals = csv_rows(client.get(reverse("export_list", args=["actuals", "csv"])))
    targets = xlsx_rows(client.get(reverse("export_list", args=["targets", "xlsx"])))

    assert actuals[0][:4] == ["Mã chỉ số", "Mã địa bàn", "Bản đồ", "Năm"]
    assert [row[:4] for row in actuals[1:]] == [["GN01", "46", "63", "2024"]]
    codes = {row[1] for row in targets[1:]}
    assert codes == {"tth-btv-tu"}  # Huế's conclusion, not the other provinces' plans
    assert len(targets) - 1 == 3


def test_an_administrator_exports_everything(client, personas, figures):
    client.force_login(personas.admin)
    actuals = csv_rows(client.get(reverse("export_list", args=["actuals", "csv"])))
    assert sorted(row[1] for row in actuals[1:]) == ["46", "93"]
    documents = xlsx_rows(client.get(reverse("export_list", args=["documents", "xlsx"])))
    assert len(documents) - 1 == Document.objects.count()


def test_someone_with_no_territory_exports_an_empty_list(client, personas, figures):
    client.force_login(personas.outsider)
    assert csv_rows(client.get(reverse("export_list", args=["actuals", "csv"]))) == [
        ["Mã chỉ số", "Mã địa bàn", "Bản đồ", "Năm", "Kỳ", "Số kỳ", "Giá trị", "Tử số", "Mẫu số", "Trạng thái",
         "Chuẩn nghèo", "Nhóm phân tổ", "Nguồn số liệu", "Tạo bởi"],
    ]


def test_exports_need_a_login_and_a_known_list(client, personas):
    assert client.get(reverse("export_list", args=["actuals", "csv"]))["Location"].startswith(reverse("login"))
    client.force_login(personas.leader)
    assert client.get(reverse("export_list", args=["households", "csv"])).status_code == 404
    assert client.get(reverse("export_list", args=["actuals", "pdf"])).status_code == 404
    assert client.get(reverse("export_home")).status_code == 200


def test_formulas_in_stored_text_are_escaped_in_csv_xlsx_and_the_admin_export(client, personas):
    Document.objects.filter(number="18/KH-UBND").update(title='=HYPERLINK("http://x.example","bấm")', signer="@admin")
    client.force_login(personas.admin)

    rows = csv_rows(client.get(reverse("export_list", args=["documents", "csv"])))
    row = next(r for r in rows if r[0] == "18/KH-UBND")
    assert row[rows[0].index("Trích yếu")] == '\'=HYPERLINK("http://x.example","bấm")'
    assert row[rows[0].index("Người ký")] == "'@admin"

    response = client.get(reverse("export_list", args=["documents", "xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    cell = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "18/KH-UBND")[headers.index("Trích yếu")]
    assert cell.data_type == "s" and cell.value.startswith("'=")

    dataset = DocumentResource().export(Document.objects.filter(number="18/KH-UBND"))  # the admin's Export
    assert dataset.dict[0]["Trích yếu"].startswith("'=HYPERLINK")


def test_the_export_command_limits_to_a_user(personas, figures, tmp_path):
    target = tmp_path / "so-lieu.csv"
    call_command("export", "actuals", file_format="csv", user=personas.officer_hue.username, output=str(target))
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["46"]
    call_command("export", "targets", output=str(tmp_path / "chi-tieu.xlsx"))
    assert openpyxl.load_workbook(tmp_path / "chi-tieu.xlsx").active.max_row == 1 + 26


# ---------------------------------------------------------------------------------------------
# The figures' list: streamed, what produced each figure, a fixed number of queries, .xlsx limit


def expected_actual_rows(user) -> list[list[str]]:
    """The figures the user may see, as ActualResource renders them one instance at a time
    (the workbook's columns), then the source's label and plans.provenance.produced_by()."""
    resource = ActualResource()
    fields = resource.get_export_fields()
    queryset = visible_rows("actuals", user).select_related("created_by", "import_record")
    rows = []
    for actual in queryset:
        cells = [resource.export_field(f, actual) for f in fields]
        cells += [RecordSource(actual.source).label, provenance.produced_by(actual)]
        rows.append(["" if c is None else str(escape_formula(str(c))) for c in cells])
    return rows


@pytest.fixture
def every_path(settings, tmp_path, named, records, personas):
    """Figures from every path: the form (an officer with a name), workbook imports with and without
    a signed-in user, bulk actuals (COPY and batched), the register recompute, the illustrative
    generator and an illustrative figure written directly; none but two has an author."""
    settings.MEDIA_ROOT = tmp_path
    officer = personas.officer_hg
    officer.first_name, officer.last_name = "Võ Thị", "Nhập"
    officer.save(update_fields=["first_name", "last_name"])
    save_actual(user=officer, indicator=Indicator.objects.get(code="LD01"), unit=unit("92", "34"), year=2025,
                value=Decimal("1.5"))
    call_command("generate_illustrative_actuals", "--from-year", "2026", "--to-year", "2026", "--indicators", "LD02",
                 "--no-task-reports", verbosity=0)
    return records


@pytest.mark.parametrize("who", ["leader", "officer_hg"])
def test_the_figures_csv_streams_the_rows_of_the_database_with_what_produced_each(client, named, every_path, who):
    user = getattr(named, who)
    client.force_login(user)

    response = client.get(reverse("export_list", args=["actuals", "csv"]))

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert rows[0][-2:] == ["Nguồn số liệu", "Tạo bởi"]
    expected = expected_actual_rows(user)
    assert rows[1:] == expected
    assert len(expected) > 20  # the generator's figures of Cần Thơ's communes are among them
    by_maker = {(row[-2], row[-1]) for row in rows[1:]}
    records = every_path
    signed, imported = records["signed"][0], records["first_import"]
    assert ("Tính từ sổ hộ", "Tính từ sổ hộ nghèo") in by_maker  # the register, no author
    assert ("Minh họa", "Số liệu minh họa (tự sinh)") in by_maker  # the generator, no author
    assert ("Nhập tay", "Võ Thị Nhập") in by_maker
    assert ("Nhập từ tệp", "Nhập từ tệp") in by_maker  # bulk actuals with no import record
    assert ("Nhập từ tệp", records["signed"][1]) in by_maker
    assert records["signed"][1].startswith("Nguyễn Văn A · nhập từ tệp so-lieu-xa.xlsx (")
    assert signed.import_record_id and imported.file_name == "ke-hoach.xlsx"
    entered = next(row for row in rows[1:] if row[-1] == "Võ Thị Nhập")
    assert entered[:4] == ["LD01", "92", "34", "2025"] and entered[6] == "1,5"


def test_the_officers_csv_holds_only_their_territory(client, named, every_path):
    client.force_login(named.officer_hue)
    rows = csv_rows(client.get(reverse("export_list", args=["actuals", "csv"])))
    hue = unit("46", "34")
    hue_units = {hue.code, *hue.children.values_list("code", flat=True)}
    assert rows[1:] == expected_actual_rows(named.officer_hue)
    assert "46" in {row[1] for row in rows[1:]} and {row[1] for row in rows[1:]} <= hue_units
    assert len(rows) - 1 == Actual.objects.filter(unit__code__in=hue_units, unit__admin_map="34").count()
    client.force_login(named.officer_hg)
    units = {row[1] for row in csv_rows(client.get(reverse("export_list", args=["actuals", "csv"])))[1:]}
    assert {"92", "93"} <= units and "46" not in units  # Cần Thơ and the Hậu Giang it took over


def test_a_name_or_file_that_looks_like_a_formula_is_escaped_in_the_figures_csv(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    officer = personas.officer_hg
    officer.first_name = '=HYPERLINK("http://x.example","bấm")'
    officer.save(update_fields=["first_name"])
    save_actual(user=officer, indicator=Indicator.objects.get(code="LD01"), unit=unit("92", "34"), year=2025,
                value=Decimal("2"))
    import_through_the_service([figure_row("GN01", 2024, "3")], name="@so-lieu.xlsx")
    client.force_login(personas.leader)

    rows = csv_rows(client.get(reverse("export_list", args=["actuals", "csv"])))

    makers = [row[-1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x.example","bấm")' in makers
    assert any(m.startswith("Nhập từ tệp @so-lieu.xlsx (") for m in makers)
    assert all(not m.startswith(("=", "+", "-", "@")) for row in rows for m in row)


def test_the_figures_csv_runs_the_same_queries_however_many_rows_people_and_imports(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ld01 = Indicator.objects.get(code="LD01")
    client.force_login(personas.leader)
    counts, sizes = [], []
    for step, years in enumerate(((2020,), (2021, 2022, 2023, 2024))):  # the imports' Hậu Giang closed in 2025
        for year in years:
            author = make_user(f"canbo.xuat.{year}", "officer", ("92", "34"))
            save_actual(user=author, indicator=ld01, unit=unit("92", "34"), year=year, value=Decimal(year - 2000))
            import_through_the_service([figure_row("GN01", year, "2,5")], name=f"nam-{year}.xlsx")
            import_in_bulk([figure_row("GN02", year, "3")], method="batched")
        with CaptureQueriesContext(connection) as queries:
            rows = csv_rows(client.get(reverse("export_list", args=["actuals", "csv"])))
        counts.append(len(queries))
        sizes.append(len(rows) - 1)
    assert sizes == [3, 15]
    assert counts[0] == counts[1], counts


def test_a_figures_xlsx_below_the_limit_holds_the_same_rows_as_the_csv(client, named, every_path, settings):
    settings.EXPORT_XLSX_MAX_ROWS = Actual.objects.count()
    client.force_login(named.leader)
    book = xlsx_rows(client.get(reverse("export_list", args=["actuals", "xlsx"])))
    table = csv_rows(client.get(reverse("export_list", args=["actuals", "csv"])))
    # The same rows; the figures are numbers in the .xlsx and written the Vietnamese way in the CSV.
    numeric = [i for i, header in enumerate(book[0]) if header in ("Giá trị", "Tử số", "Mẫu số")]
    assert numeric and all(isinstance(row[i], (int, float)) for row in book[1:] for i in numeric if row[i] is not None)
    assert [["" if v is None else format_number(v, 4) if i in numeric else str(v) for i, v in enumerate(row)]
            for row in book[1:]] == table[1:]
    assert list(book[0]) == table[0]


def test_an_xlsx_above_the_limit_is_refused_with_a_vietnamese_page_that_offers_the_csv(client, personas, figures, settings):
    settings.EXPORT_XLSX_MAX_ROWS = 1
    client.force_login(personas.leader)

    response = client.get(reverse("export_list", args=["actuals", "xlsx"]))

    assert response.status_code == 200 and not isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Danh sách quá lớn để tải dạng .xlsx" in page
    assert "có 2 dòng, nhiều hơn 1 dòng" in page
    assert f'href="{reverse("export_list", args=["actuals", "csv"])}"' in page
    assert "tệp .xlsx chỉ tạo cho danh sách đến 1 dòng" in client.get(reverse("export_home")).content.decode()
    client.force_login(personas.officer_hue)  # one row in Huế: at the limit, the file is made
    assert xlsx_rows(client.get(reverse("export_list", args=["actuals", "xlsx"])))[1][:2] == ("GN01", "46")


def test_an_xlsx_above_the_limit_is_built_by_a_task_and_downloaded_only_by_who_asked(client, personas, figures, settings, tmp_path):
    settings.EXPORT_XLSX_MAX_ROWS, settings.MEDIA_ROOT = 1, tmp_path
    client.force_login(personas.leader)
    page = client.get(reverse("export_list", args=["actuals", "xlsx"])).content.decode()
    assert f'action="{reverse("export_start", args=["actuals"])}"' in page
    response = client.post(reverse("export_start", args=["actuals"]))
    task = DBTaskResult.objects.get()
    assert response.url == reverse("export_job", args=[task.pk])
    assert (task.task_path, task.args_kwargs["args"]) == ("exchange.tasks.build_export", ["actuals", personas.leader.pk])
    assert "Đang chờ đến lượt" in client.get(response.url).content.decode()
    assert client.get(reverse("export_download", args=[task.pk])).status_code == 404  # not built yet

    run_tasks()
    assert reverse("export_download", args=[task.pk]) in client.get(response.url).content.decode()
    rows = xlsx_rows(client.get(reverse("export_download", args=[task.pk])))
    assert sorted(row[:2] for row in rows[1:]) == [("GN01", "46"), ("GN01", "93")]

    client.force_login(personas.officer_hue)  # another user's file: not found
    assert client.get(reverse("export_job", args=[task.pk])).status_code == 404
    assert client.get(reverse("export_download", args=[task.pk])).status_code == 404
    assert client.get(reverse("export_start", args=["actuals"])).status_code == 405
