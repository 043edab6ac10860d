"""The plan workbook pages: template, upload, preview, confirm, error workbook, hostile files."""

import hashlib
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from exchange.models import ImportRecord, ImportStatus
from exchange.workbook import records as workbook
from exchange.workbook.sheets import SHEET_TITLES, sheet_headers
from exchange.workbook.template import build_template
from indicators.models import Actual, ActualSource
from plans.models import Document
from plans.resources import DocumentResource
from review.models import AuditEntry, ReviewStatus
from tests.conftest import document
from tests.jobs_helpers import run_tasks

# ---------------------------------------------------------------------------------------------
# Helpers: workbooks built the way a user fills the template


def row_of(sheet: str, **cells) -> list:
    headers = sheet_headers(sheet)
    unknown = set(cells) - set(headers)
    assert not unknown, unknown
    return [cells.get(h, "") for h in headers]


def existing_document_row(number: str, issuer: str, **changes) -> list:
    resource = DocumentResource()
    values = dict(zip(sheet_headers("documents"), (resource.export_field(f, document(number, issuer)) for f in resource.get_export_fields())))
    values.update(changes)
    return [values[h] for h in sheet_headers("documents")]


def new_document_row(number: str = "99/KH-UBND", **changes) -> list:
    cells = {"Số hiệu": number, "Mã cơ quan ban hành": "hg-ubnd", "Loại văn bản": "Kế hoạch",
             "Trích yếu": "Kế hoạch thử", "Mã địa bàn": "93", "Bản đồ": "63", "Có văn bản": "Có"}
    cells.update(changes)
    return row_of("documents", **cells)


def actual_row(**changes) -> list:
    cells = {"Mã chỉ số": "GN01", "Mã địa bàn": "93", "Bản đồ": "63", "Năm": 2024, "Kỳ": "Năm", "Số kỳ": 0,
             "Giá trị": "2,41", "Trạng thái": "Đã duyệt"}
    cells.update(changes)
    return row_of("actuals", **cells)


def xlsx(sheets: dict[str, list[list]], headers: dict[str, list] | None = None) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(SHEET_TITLES.get(name, name))
        sheet.append((headers or {}).get(name, sheet_headers(name) if name in SHEET_TITLES else []))
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "ke-hoach.xlsx"):
    return client.post(reverse("import_upload"), {"files": [SimpleUploadedFile(name, content)]})


def last_record() -> ImportRecord:
    return ImportRecord.objects.order_by("-pk").first()


@pytest.fixture
def admin_user(db):
    # Without a password hash: the personas fixture hashes six passwords, slow for every test here.
    from django.contrib.auth import get_user_model

    from plans.models import Membership, Role
    from tests.conftest import unit

    user = get_user_model().objects.create(username="quantri.nhap")
    Membership.objects.create(user=user, unit=unit("VN", ""), role=Role.ADMIN)
    return user


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


# ---------------------------------------------------------------------------------------------
# Who


def test_only_administrators_reach_the_import_pages(client, personas):
    assert upload(client, b"x")["Location"].startswith(reverse("login"))  # anonymous: to the login page
    assert client.get(reverse("import_home"))["Location"].startswith(reverse("login"))
    content = xlsx({"documents": [new_document_row()]})
    for who in ("officer_hg", "reviewer_hg", "leader", "outsider"):
        client.force_login(getattr(personas, who))
        assert client.get(reverse("import_home")).status_code == 403, who
        assert client.get(reverse("import_template")).status_code == 403, who
        assert upload(client, content).status_code == 403, who
    client.force_login(personas.admin)
    assert client.get(reverse("import_home")).status_code == 200
    assert not ImportRecord.objects.exists()


def test_an_administrator_sees_the_import_page_and_the_nav_link(admin_client):
    response = admin_client.get(reverse("import_home"))
    assert response.status_code == 200
    assert "Nhập dữ liệu" in response.content.decode()
    assert reverse("import_template") in response.content.decode()


# ---------------------------------------------------------------------------------------------
# The template


def test_the_template_has_every_sheet_with_vietnamese_headers_dropdowns_a_guide_and_example_rows(admin_client):
    response = admin_client.get(reverse("import_template"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[0] == "Hướng dẫn"
    for sheet in ("documents", "agencies", "tasks", "targets", "actuals"):
        assert [c.value for c in book[SHEET_TITLES[sheet]][1]] == sheet_headers(sheet)
    documents = book["Văn bản"]
    assert documents.cell(row=2, column=1).value  # an example row from the stored documents
    kinds = [v for v in documents.data_validations.dataValidation if "C2" in str(v.sqref)]
    assert kinds and kinds[0].formula1.startswith("'Danh mục'!")
    lists = book["Danh mục"]
    assert lists.sheet_state == "hidden"
    columns = {c.value: c.column_letter for c in lists[1]}
    kinds = [c.value for c in lists[columns["Loại văn bản"]][1:] if c.value]
    assert kinds[:7] == ["Chỉ thị", "Nghị quyết", "Kế hoạch", "Chương trình hành động", "Kết luận", "Quyết định", "Chương trình"]
    assert {"Công văn", "Thông báo", "Văn bản khác"} <= set(kinds)
    assert "hg-ubnd" in [c.value for c in lists[columns["Mã cơ quan chủ trì"]]]
    actual_validations = {str(v.sqref).split(":")[0] for v in book["Số liệu thực hiện"].data_validations.dataValidation}
    assert {"A2", "C2", "E2", "J2"} <= actual_validations  # indicator, map, period kind, status
    guide = [row for row in book["Hướng dẫn"].iter_rows(values_only=True)]
    assert ("Số liệu thực hiện", "Số kỳ", None, "0 hoặc để trống cho cả năm; 1–2 cho 6 tháng; 1–4 cho quý.") in guide


def test_the_template_uploaded_unchanged_changes_nothing(admin_client, tmp_path):
    path = tmp_path / "mau.xlsx"
    build_template(path)
    upload(admin_client, path.read_bytes())
    record = last_record()
    assert record.status == ImportStatus.CHECKED and record.error_count == 0
    assert all(c["new"] == c["changed"] == c["wrong"] == 0 for c in record.counts.values())
    assert record.counts["documents"]["unchanged"] == 1


# ---------------------------------------------------------------------------------------------
# Preview


def test_the_preview_counts_new_changed_unchanged_and_wrong_rows_and_shows_each_change(admin_client):
    before = Document.objects.count()
    content = xlsx({"documents": [
        existing_document_row("18/KH-UBND", "hg-ubnd"),
        existing_document_row("160/NQ-CP", "tw-cp", **{"Trích yếu": "Trích yếu mới", "Người ký": "Người ký mới"}),
        new_document_row(),
        new_document_row("98/KH-UBND", **{"Mã cơ quan ban hành": "khong-co"}),
    ]})

    response = upload(admin_client, content)

    record = last_record()
    assert response.status_code == 302 and response["Location"] == reverse("import_detail", args=[record.pk])
    assert record.counts == {"documents": {"new": 1, "changed": 1, "unchanged": 1, "wrong": 1}}
    [change] = record.changes
    assert (change["sheet"], change["row"], change["key"]) == ("documents", 3, "tw-cp · 160/NQ-CP")
    changed_columns = {column: (old, new) for column, old, new in change["fields"]}
    assert changed_columns["Trích yếu"][1] == "Trích yếu mới"
    assert changed_columns["Người ký"][1] == "Người ký mới"
    assert set(changed_columns) == {"Trích yếu", "Người ký"}
    assert record.errors == [{
        "sheet": "documents", "row": 5, "column": "Mã cơ quan ban hành",
        "message": "Không có cơ quan mã “khong-co” (xem sheet cơ quan).",
    }]
    assert Document.objects.count() == before  # a preview writes nothing
    page = admin_client.get(response["Location"]).content.decode()
    assert "Trích yếu mới" in page and "khong-co" in page
    assert reverse("import_apply", args=[record.pk]) not in page  # no confirm button while wrong


# ---------------------------------------------------------------------------------------------
# Confirm: all or nothing, recorded, idempotent


def valid_workbook() -> bytes:
    return xlsx({
        "documents": [new_document_row()],
        "actuals": [actual_row(), actual_row(**{"Năm": 2023, "Giá trị": "", "Tử số": 30, "Mẫu số": "1.250", "Trạng thái": ""})],
    })


def test_confirming_writes_everything_and_records_who_imported_which_file(admin_client, admin_user):
    content = valid_workbook()
    upload(admin_client, content)
    record = last_record()
    assert record.counts["actuals"] == {"new": 2, "changed": 0, "unchanged": 0, "wrong": 0}

    response = admin_client.post(reverse("import_apply", args=[record.pk]))

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED and record.applied_at is not None
    assert (record.user, record.file_name, record.size) == (admin_user, "ke-hoach.xlsx", len(content))
    assert record.checksum == hashlib.sha256(content).hexdigest()
    assert document("99/KH-UBND", "hg-ubnd").title == "Kế hoạch thử"
    figures = {a.year: a for a in Actual.objects.filter(indicator__code="GN01", unit__code="93")}
    assert figures[2024].value == Decimal("2.41") and figures[2024].status == ReviewStatus.APPROVED
    assert (figures[2023].numerator, figures[2023].denominator) == (Decimal(30), Decimal(1250))
    assert figures[2024].source == ActualSource.IMPORTED and figures[2024].created_by == admin_user


def test_the_same_workbook_twice_changes_nothing_the_second_time(admin_client):
    content = valid_workbook()
    upload(admin_client, content)
    admin_client.post(reverse("import_apply", args=[last_record().pk]))
    actuals = list(Actual.objects.order_by("pk").values())
    audit = AuditEntry.objects.count()

    upload(admin_client, content)
    second = last_record()
    assert second.counts["documents"] == {"new": 0, "changed": 0, "unchanged": 1, "wrong": 0}
    assert second.counts["actuals"] == {"new": 0, "changed": 0, "unchanged": 2, "wrong": 0}
    admin_client.post(reverse("import_apply", args=[second.pk]))

    second.refresh_from_db()
    assert second.status == ImportStatus.APPLIED
    assert list(Actual.objects.order_by("pk").values()) == actuals
    assert AuditEntry.objects.count() == audit


def test_the_preview_lists_the_sheets_in_load_order(admin_client):
    upload(admin_client, xlsx({"actuals": [actual_row()], "documents": [new_document_row()], "targets": []}))
    page = admin_client.get(reverse("import_detail", args=[last_record().pk])).content.decode()
    titles = [SHEET_TITLES[name] for name in ("documents", "targets", "actuals")]
    assert [page.index(f"<td>{title}</td>") for title in titles] == sorted(page.index(f"<td>{title}</td>") for title in titles)


def test_a_record_is_applied_only_once(admin_client):
    upload(admin_client, valid_workbook())
    record = last_record()
    admin_client.post(reverse("import_apply", args=[record.pk]))
    response = admin_client.post(reverse("import_apply", args=[record.pk]), follow=True)
    assert "đã được ghi rồi" in response.content.decode()
    with pytest.raises(workbook.NotApplicable):
        workbook.claim_for_apply(record.pk, user=None)


def test_one_wrong_cell_in_the_last_sheet_writes_nothing_at_all(admin_client):
    before = (Document.objects.count(), Actual.objects.count())
    upload(admin_client, xlsx({"documents": [new_document_row()], "actuals": [actual_row(**{"Giá trị": "150"})]}))
    record = last_record()
    assert record.error_count == 1
    assert record.errors[0] == {"sheet": "actuals", "row": 2, "column": "Giá trị", "message": "Tỷ lệ phải nằm trong khoảng 0–100%."}
    page = admin_client.get(reverse("import_detail", args=[record.pk])).content.decode()
    assert "Có lỗi, không ghi được" in page and "chờ xác nhận" not in page

    response = admin_client.post(reverse("import_apply", args=[record.pk]), follow=True)

    assert "Tệp còn lỗi" in response.content.decode()
    assert (Document.objects.count(), Actual.objects.count()) == before


def test_a_change_between_preview_and_confirm_is_caught_and_nothing_is_written(admin_client):
    upload(admin_client, xlsx({"documents": [new_document_row()], "targets": [], "actuals": [actual_row()]}))
    record = last_record()
    # Meanwhile the indicator the figures refer to is renamed away.
    from indicators.models import Indicator

    Indicator.objects.filter(code="GN01").update(code="GN01-cu")
    record = workbook.apply_record(workbook.claim_for_apply(record.pk, user=None))
    assert record.status == ImportStatus.CHECKED and record.error_count == 1
    assert "Dữ liệu đã thay đổi" in record.message
    assert not Document.objects.filter(number="99/KH-UBND").exists()


# ---------------------------------------------------------------------------------------------
# The error workbook


def test_the_error_workbook_highlights_wrong_rows_and_adds_an_error_column(admin_client):
    upload(admin_client, xlsx({"documents": [new_document_row(), new_document_row("98/KH-UBND", **{"Từ năm": "hai nghìn"})]}))
    record = last_record()

    response = admin_client.get(reverse("import_errors", args=[record.pk]))

    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Danh sách lỗi", "Văn bản"]
    assert [c.value for c in book["Danh sách lỗi"][2]] == ["Văn bản", 3, "Từ năm", "“hai nghìn” không phải là số nguyên (ví dụ 2025)."]
    sheet = book["Văn bản"]
    headers = [c.value for c in sheet[1]]
    assert headers == [*sheet_headers("documents"), "Lỗi"]
    assert sheet.cell(row=2, column=len(headers)).value is None
    wrong = sheet[3]
    assert wrong[-1].value == "Từ năm: “hai nghìn” không phải là số nguyên (ví dụ 2025)."
    assert wrong[0].fill.fgColor.rgb.endswith("FDE2E1")
    assert wrong[headers.index("Từ năm")].fill.fgColor.rgb.endswith("F4A6A3")

    # Fixed and uploaded again, with the error column still there: accepted.
    wrong[headers.index("Từ năm")].value = 2022
    buffer = io.BytesIO()
    book.save(buffer)
    upload(admin_client, buffer.getvalue(), "da-sua.xlsx")
    fixed = last_record()
    assert fixed.errors == []
    assert fixed.counts["documents"] == {"new": 2, "changed": 0, "unchanged": 0, "wrong": 0}


# ---------------------------------------------------------------------------------------------
# Hostile and broken files: refused with a clear message, nothing written


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return buffer.getvalue()


ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)


def with_entities(content: bytes, part: str = "xl/workbook.xml") -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == part:
                data = ENTITY_BOMB + (data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data)
            archive.writestr(item, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("bom.xlsx", zip_bomb(), "bom nén"),
        ("thuc-the.xlsx", with_entities(xlsx({"documents": [new_document_row()]})), "DOCTYPE/ENTITY"),
        ("gia.xlsx", b"%PDF-1.4 not a workbook", "không phải bảng tính .xlsx"),
        ("ke-hoach.docx", b"PK\x03\x04", "chỉ nhận bảng tính .xlsx"),
        ("bang-la.csv", "Số hiệu\n1\n".encode(), "phải là tên một sheet"),
        ("Văn bản.csv", "So hieu,Trich yeu\n1,Hu\xe9\n".encode("latin-1"), "UTF-8"),
    ],
)
def test_hostile_or_broken_files_are_refused_with_a_message_and_nothing_is_kept(admin_client, name, content, message):
    response = upload(admin_client, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportRecord.objects.exists()


def test_a_file_over_the_size_cap_is_refused(admin_client, settings):
    settings.WORKBOOK_MAX_UPLOAD_BYTES = 2000
    response = upload(admin_client, xlsx({"documents": [new_document_row()]}))
    assert response.status_code == 400
    assert "vượt giới hạn" in response.content.decode()
    assert not ImportRecord.objects.exists()


def test_openpyxl_itself_parses_through_defusedxml(tmp_path):
    """Second line of defence behind our own scan: openpyxl refuses entity declarations."""
    from defusedxml import EntitiesForbidden

    path = tmp_path / "thuc-the.xlsx"
    path.write_bytes(with_entities(xlsx({"documents": [new_document_row()]})))
    with pytest.raises(ValueError) as refused:
        openpyxl.load_workbook(path)
    assert isinstance(refused.value.__cause__, EntitiesForbidden)


def test_wrong_headers_are_reported_by_column_and_the_sheet_is_not_imported(admin_client):
    headers = sheet_headers("documents")
    headers[3] = "Tiêu đề"  # instead of "Trích yếu"
    upload(admin_client, xlsx({"documents": [new_document_row()], "Bảng nháp": [["x"]]}, headers={"documents": headers}))
    record = last_record()
    messages = {(e["sheet"], e["row"], e["column"]): e["message"] for e in record.errors}
    assert messages[("documents", 1, "D")] == "Tiêu đề cột “Tiêu đề” không có trong mẫu của sheet “Văn bản”."
    assert "Thiếu cột: “Trích yếu”" in messages[("documents", 1, "")]
    assert "Sheet “Bảng nháp” không có trong mẫu" in messages[("Bảng nháp", 0, "")]
    assert not Document.objects.filter(number="99/KH-UBND").exists()


def test_formulas_where_values_are_expected_are_refused(admin_client):
    upload(admin_client, xlsx({
        "documents": [new_document_row(**{"Từ năm": "=2020+1"})],
        "actuals": [actual_row(**{"Giá trị": "=1/0"})],
    }))
    record = last_record()
    errors = {(e["sheet"], e["row"], e["column"]): e["message"] for e in record.errors}
    assert errors == {
        ("documents", 2, "Từ năm"): "Ô chứa công thức (=2020+1); hãy dán giá trị thay cho công thức.",
        ("actuals", 2, "Giá trị"): "Ô chứa công thức (=1/0); hãy dán giá trị thay cho công thức.",
    }
    assert record.counts["actuals"]["wrong"] == 1


def test_wrong_types_get_vietnamese_messages(admin_client):
    upload(admin_client, xlsx({"actuals": [
        actual_row(**{"Năm": "năm ngoái"}),
        actual_row(**{"Năm": 2022, "Giá trị": "nhiều"}),
        actual_row(**{"Năm": 2023, "Kỳ": "Quý", "Số kỳ": 5}),
        actual_row(**{"Năm": 2027, "Bản đồ": "34"}),
    ]}))
    errors = [(e["row"], e["column"], e["message"]) for e in last_record().errors]
    assert errors == [
        (2, "Năm", "“năm ngoái” không phải là số nguyên (ví dụ 2025)."),
        (3, "Giá trị", "“nhiều” không phải là số (viết 1.500.000 hoặc 1,84)."),
        (4, "Số kỳ", "Số kỳ 5 không hợp với kỳ “Quý”: dùng 1, 2, 3 hoặc 4."),
        (5, "Mã địa bàn", "Không có địa bàn mã “93” (bản đồ 34 tỉnh)."),
    ]


def test_sheet_csv_files_uploaded_together_import_as_one_workbook(admin_client):
    def csv_bytes(sheet, rows):
        import csv

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(sheet_headers(sheet))
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8")

    files = [
        SimpleUploadedFile("Văn bản.csv", csv_bytes("documents", [new_document_row()])),
        SimpleUploadedFile("tasks.csv", csv_bytes("tasks", [row_of(
            "tasks", **{"Số hiệu văn bản": "99/KH-UBND", "Mã cơ quan ban hành": "hg-ubnd", "Số thứ tự": "1",
                        "Tiêu đề": "Nhiệm vụ thử", "Thứ tự": "1"})])),
    ]
    admin_client.post(reverse("import_upload"), {"files": files})
    record = last_record()
    assert record.file_name == "Văn bản.csv, tasks.csv"
    assert record.counts == {
        "documents": {"new": 1, "changed": 0, "unchanged": 0, "wrong": 0},
        "tasks": {"new": 1, "changed": 0, "unchanged": 0, "wrong": 0},
    }


# ---------------------------------------------------------------------------------------------
# Large files: a worker process, a progress bar


def test_a_large_file_is_checked_by_a_task_and_the_page_polls_its_progress(admin_client, monkeypatch):
    monkeypatch.setattr(workbook, "BACKGROUND_ROWS", 1)
    upload(admin_client, valid_workbook())
    record = last_record()
    queued = DBTaskResult.objects.get()
    assert (queued.task_path, queued.args_kwargs["args"], queued.status) == ("exchange.tasks.check_import", [record.pk], "READY")
    assert record.status == ImportStatus.CHECKING and record.rows_total == 3

    page = admin_client.get(reverse("import_detail", args=[record.pk])).content.decode()
    assert 'hx-get="%s"' % reverse("import_progress", args=[record.pk]) in page
    assert "<progress" in page and "htmx-2.min.js" in page

    run_tasks()  # what a db_worker does
    record.refresh_from_db()
    assert record.status == ImportStatus.CHECKED and record.rows_done == record.rows_total == 3
    poll = admin_client.get(reverse("import_progress", args=[record.pk]), HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"

    admin_client.post(reverse("import_apply", args=[record.pk]))
    applying = DBTaskResult.objects.get(status="READY")
    assert (applying.task_path, applying.args_kwargs["args"]) == ("exchange.tasks.apply_import", [record.pk])
    assert ImportRecord.objects.get(pk=record.pk).status == ImportStatus.APPLYING
    run_tasks()
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED
    assert Actual.objects.filter(indicator__code="GN01", unit__code="93", unit__admin_map="63").count() == 2
    assert DBTaskResult.objects.get(pk=applying.pk).return_value == ImportStatus.APPLIED


def test_the_command_runs_an_uploaded_files_task_in_its_own_process(admin_client, monkeypatch):
    monkeypatch.setattr(workbook, "BACKGROUND_ROWS", 1)
    upload(admin_client, valid_workbook())
    record = last_record()
    call_command("import_workbook", record=record.pk, phase="check")
    record.refresh_from_db()
    assert record.status == ImportStatus.CHECKED and record.counts["actuals"]["new"] == 2


def test_progress_is_a_percentage_of_the_rows():
    assert ImportRecord(rows_done=250, rows_total=1000).percent == 25
    assert ImportRecord(rows_done=0, rows_total=0).percent == 0


# ---------------------------------------------------------------------------------------------
# The command-line twin


def test_the_import_command_dry_run_counts_and_writes_nothing(db, tmp_path, capsys):
    path = tmp_path / "ke-hoach.xlsx"
    path.write_bytes(valid_workbook())
    call_command("import_workbook", str(path), dry_run=True)
    out = capsys.readouterr().out
    assert "Số liệu thực hiện  mới       2" in out and "Sẽ thay đổi 3 dòng." in out
    assert not Document.objects.filter(number="99/KH-UBND").exists()
    assert not ImportRecord.objects.exists()

    call_command("import_workbook", str(path))
    assert document("99/KH-UBND", "hg-ubnd")
    record = ImportRecord.objects.get()
    assert (record.status, record.file_name, record.user) == (ImportStatus.APPLIED, "ke-hoach.xlsx", None)


def test_the_import_command_lists_errors_and_refuses(db, tmp_path, capsys):
    path = tmp_path / "actuals.csv"
    path.write_text("Mã chỉ số,Mã địa bàn,Bản đồ,Năm,Kỳ,Số kỳ,Giá trị,Tử số,Mẫu số,Trạng thái\nGN01,93,63,2024,,,\"2,4\",,,Bỏ\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 lỗi; không ghi gì"):
        call_command("import_workbook", str(path))
    assert "Số liệu thực hiện, dòng 2: Trạng thái: “Bỏ” không hợp lệ" in capsys.readouterr().err
    assert not Actual.objects.exists()
