"""Lists exported as .xlsx and .csv: limited to what the user may see, formulas never run."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from indicators.models import Actual, Indicator
from plans.models import Document
from plans.resources import DocumentResource, escape_formula, unescape_formula
from tests.conftest import unit


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
        ["Mã chỉ số", "Mã địa bàn", "Bản đồ", "Năm", "Kỳ", "Số kỳ", "Giá trị", "Tử số", "Mẫu số", "Trạng thái"],
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
