"""A plan's own task appendix imported through the pages (exchange/): upload, table, columns,
matches and preview, apply; the layout remembered; agencies matched as people write them; codes
generated, never typed. Real rows: tests/fixtures/appendix/README.md."""

import datetime
import io
from pathlib import Path

import docx
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exchange.models import AppendixUpload, ColumnLayout, ImportRecord, ImportStatus
from exchange.workbook.sheets import SHEET_TITLES, sheet_headers
from plans.models import Agency, AgencyKind, Document, Recurrence, Role, Task
from review.models import AuditEntry
from tests.conftest import make_user

FIXTURES = Path(__file__).parent / "fixtures" / "appendix"
BINH_PHUOC = FIXTURES / "binh-phuoc-qd-47-2011.xlsx"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_user("quantri.phuluc", Role.ADMIN))
    return client


def _workbook(sheets: dict[str, list[dict]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(SHEET_TITLES[name])
        headers = sheet_headers(name)
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h, "") for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def document_through_workbook(client, *, number: str, issuer: dict | None, issuer_code: str, unit: str,
                              issued_on: str, title: str, kind: str = "Kế hoạch") -> Document:
    """The plan, entered as a new admin enters it: the workbook's "Cơ quan" and "Văn bản" sheets."""
    sheets = {"documents": [{"Số hiệu": number, "Mã cơ quan ban hành": issuer_code, "Loại văn bản": kind,
                             "Trích yếu": title, "Mã địa bàn": unit, "Bản đồ": "63", "Ngày ban hành": issued_on,
                             "Có văn bản": "Có"}]}
    if issuer:
        sheets = {"agencies": [issuer], **sheets}
    response = client.post(reverse("import_upload"), {"files": [SimpleUploadedFile("van-ban.xlsx", _workbook(sheets))]})
    record = ImportRecord.objects.order_by("-pk").first()
    assert response.status_code == 302 and record.error_count == 0, record.errors
    client.post(reverse("import_apply", args=[record.pk]))
    return Document.objects.get(number=number, issuer__code=issuer_code)


def post_upload(client, content: bytes, name: str, document: Document):
    return client.post(reverse("appendix_upload"), {"file": SimpleUploadedFile(name, content), "document": document.pk})


def last_upload() -> AppendixUpload:
    return AppendixUpload.objects.order_by("-pk").first()


def post_mapping(client, upload: AppendixUpload, fields: list[str], prefix: str = ""):
    page = client.get(reverse("appendix_columns", args=[upload.pk]))
    data = {"header_row": page.context["header_row"], "number_prefix": prefix}
    data.update({f"col_{i}": field for i, field in enumerate(fields)})
    return client.post(reverse("appendix_columns", args=[upload.pk]), data)


def apply_as_proposed(client, upload: AppendixUpload):
    page = client.get(reverse("appendix_preview", args=[upload.pk]))
    assert page.status_code == 200
    choices = dict(page.context["preview"].choices)
    return page, client.post(reverse("appendix_preview", args=[upload.pk]), {**choices, "apply": "1"})


@pytest.fixture
def binh_phuoc(admin_client) -> Document:
    issuer = {"Mã cơ quan": "bp-ubnd", "Tên cơ quan": "Ủy ban nhân dân tỉnh Bình Phước", "Tên viết tắt": "UBND tỉnh",
              "Loại cơ quan": "Ủy ban nhân dân", "Mã địa bàn": "70", "Bản đồ": "63"}
    return document_through_workbook(
        admin_client, number="47/2011/QĐ-UBND", issuer=issuer, issuer_code="bp-ubnd", unit="70", issued_on="16/08/2011",
        kind="Quyết định", title="Phê duyệt Đề án Chương trình mục tiêu quốc gia giảm nghèo bền vững tỉnh Bình Phước giai đoạn 2011 - 2015",
    )


def test_a_real_xlsx_appendix_is_written_with_generated_codes_and_its_layout_remembered(admin_client, binh_phuoc):
    found = admin_client.get(reverse("appendix_upload"), {"q": "47/2011"})
    assert [d.pk for d in found.context["documents"]] == [binh_phuoc.pk]

    response = post_upload(admin_client, BINH_PHUOC.read_bytes(), BINH_PHUOC.name, binh_phuoc)
    upload = last_upload()
    assert response.status_code == 302 and response.url == reverse("appendix_columns", args=[upload.pk])
    page = admin_client.get(response.url)
    assert page.context["header_row"] == 3  # under the title rows
    assert [f.value() for f in page.context["form"].columns()] == ["number", "content", "lead", "coordinating", "deadline", "product"]
    assert not page.context["remembered"]
    # The admin keeps the guesses but leaves "Sản phẩm" out.
    response = post_mapping(admin_client, upload, ["number", "content", "lead", "coordinating", "deadline", "skip"])
    assert response.status_code == 302 and response.url == reverse("appendix_preview", args=[upload.pk])

    preview_page, response = apply_as_proposed(admin_client, upload)
    preview = preview_page.context["preview"]
    assert {n.code: (n.name, n.kind) for n in preview.new_agencies.values()} == {
        "bp-so-lao-dong-thuong-binh-va-xa-hoi": ("Sở Lao động - Thương binh và Xã hội tỉnh Bình Phước", AgencyKind.DEPARTMENT),
        "bp-cac-so-nganh-chuc-nang": ("Các sở, ngành chức năng (tỉnh Bình Phước)", AgencyKind.COLLECTIVE),
        "bp-so-ke-hoach-va-dau-tu": ("Sở Kế hoạch và Đầu tư tỉnh Bình Phước", AgencyKind.DEPARTMENT),
        "bp-so-tai-chinh": ("Sở Tài chính tỉnh Bình Phước", AgencyKind.DEPARTMENT),
        "bp-uy-ban-nhan-dan-cac-huyen-thi-xa": ("Ủy ban nhân dân các huyện, thị xã, thành phố (tỉnh Bình Phước)", AgencyKind.COLLECTIVE),
    }
    upload.refresh_from_db()
    assert response.status_code == 302 and response.url == reverse("appendix_result", args=[upload.pk])

    tasks = list(Task.objects.filter(document=binh_phuoc).order_by("position"))
    assert [(t.number, t.parent.number if t.parent else None) for t in tasks] == [
        ("I", None), ("I.1", "I"), ("I.2", "I"), ("I.3", "I"), ("I.4", "I")]
    assert tasks[0].title == "NHIỆM VỤ GIAO TẠI ĐIỀU 2 QUYẾT ĐỊNH SỐ 47/2011/QĐ-UBND" and tasks[0].lead_agency is None
    first, second, third, fourth = tasks[1:]
    assert first.text.startswith("Trên cơ sở Đề án được phê duyệt") and first.lead_agency.code == "bp-so-lao-dong-thuong-binh-va-xa-hoi"
    assert [a.code for a in first.coordinating_agencies.all()] == ["bp-cac-so-nganh-chuc-nang"]
    assert (first.deadline_text, first.recurrence, first.due_on) == ("Hằng năm", Recurrence.YEARLY, None)
    assert third.lead_agency.code == "bp-so-tai-chinh"
    assert [a.pk for a in third.coordinating_agencies.all()] == [second.lead_agency.pk]  # one Sở KH&ĐT, named twice
    assert fourth.lead_agency.kind == AgencyKind.COLLECTIVE and fourth.lead_agency.unit == binh_phuoc.territory
    assert Agency.objects.filter(code__startswith="bp-").count() == 6  # the issuer and the five created

    record = upload.import_record
    assert record.status == ImportStatus.APPLIED and record.counts["tasks"] == {"new": 5, "changed": 0, "unchanged": 0, "wrong": 0}
    assert record.counts["agencies"]["new"] == 5
    audit = AuditEntry.objects.filter(action="import", reason=f"Nhập từ tệp {BINH_PHUOC.name}")
    assert audit.count() == 10
    result = admin_client.get(response.url)
    assert result.status_code == 200 and list(result.context["tasks"]) == tasks
    assert "Sở Lao động - Thương binh và Xã hội tỉnh Bình Phước" in result.content.decode()

    # Confirming the same upload again writes nothing more.
    again = admin_client.post(reverse("appendix_preview", args=[upload.pk]), {"apply": "1"})
    assert again.status_code == 302 and again.url == reverse("appendix_result", args=[upload.pk])
    assert Task.objects.filter(document=binh_phuoc).count() == 5

    # The same layout again: the mapping chosen last time is proposed, "Sản phẩm" left out; the
    # agencies created the first time now match, and the tasks are updated, not doubled.
    post_upload(admin_client, BINH_PHUOC.read_bytes(), "lan-hai.xlsx", binh_phuoc)
    second = last_upload()
    page = admin_client.get(reverse("appendix_columns", args=[second.pk]))
    assert page.context["remembered"]
    fields = [f.value() for f in page.context["form"].columns()]
    assert fields[-1] == "skip"
    post_mapping(admin_client, second, fields)
    assert ColumnLayout.objects.get().times_used == 2
    page, response = apply_as_proposed(admin_client, second)
    assert page.context["preview"].counts == {"tasks_new": 0, "tasks_updated": 5, "agencies_new": 0, "agencies_matched": 5}
    assert Agency.objects.filter(code__startswith="bp-").count() == 6
    assert Task.objects.filter(document=binh_phuoc).count() == 5
    second.refresh_from_db()
    assert second.import_record.counts["tasks"]["changed"] == 5


def gia_lai_docx() -> bytes:
    """KH 1734/KH-UBND (Gia Lai, 2018): a "Nơi nhận" table first, then the appendix; the lead of two
    rows in one cell merged down, the content of a row on two lines."""
    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH điều tra, rà soát hộ nghèo, hộ cận nghèo và hộ có mức sống trung bình năm 2018")
    signature = document.add_table(rows=1, cols=2)
    signature.cell(0, 0).text = "Nơi nhận:\n- Như trên;\n- Lưu: VT."
    signature.cell(0, 1).text = "TM. ỦY BAN NHÂN DÂN"
    document.add_paragraph("PHỤ LỤC")
    rows = [
        ["TT", "Nội dung công việc", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian hoàn thành"],
        ["1", "Điều tra, rà soát hộ nghèo, hộ cận nghèo và hộ có mức sống trung bình", "", "",
         "Từ ngày 01/9 đến hết ngày 31/12/2018"],
        ["2", "Báo cáo sơ bộ kết quả rà soát trên địa bàn", "UBND các huyện, thị xã, thành phố", "", "Trước ngày 25/10/2018"],
        ["3", "Báo cáo chính thức kết quả rà soát\nvề Sở Lao động - Thương binh và Xã hội để tổng hợp", "", "",
         "Trước ngày 16/11/2018"],
    ]
    table = document.add_table(rows=len(rows), cols=5)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text:
                table.cell(r, c).text = text
    table.cell(2, 2).merge(table.cell(3, 2))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_docx_appendix_is_read_from_the_table_the_admin_chooses(admin_client):
    issuer = {"Mã cơ quan": "gl-ubnd", "Tên cơ quan": "Ủy ban nhân dân tỉnh Gia Lai", "Loại cơ quan": "Ủy ban nhân dân",
              "Mã địa bàn": "64", "Bản đồ": "63"}
    plan = document_through_workbook(
        admin_client, number="1734/KH-UBND", issuer=issuer, issuer_code="gl-ubnd", unit="64", issued_on="",
        title="Điều tra, rà soát hộ nghèo, hộ cận nghèo và hộ có mức sống trung bình năm 2018",
    )
    response = post_upload(admin_client, gia_lai_docx(), "ke-hoach-1734.docx", plan)
    upload = last_upload()
    assert response.url == reverse("appendix_table", args=[upload.pk]) and upload.table_count == 2
    response = admin_client.post(response.url, {"table": 1})
    assert response.url == reverse("appendix_columns", args=[upload.pk])
    assert post_mapping(admin_client, upload, ["number", "content", "lead", "coordinating", "deadline"]).status_code == 302
    _, response = apply_as_proposed(admin_client, upload)
    assert response.status_code == 302

    tasks = list(Task.objects.filter(document=plan).select_related("lead_agency").order_by("position"))
    assert [(t.number, t.due_on) for t in tasks] == [
        ("1", datetime.date(2018, 12, 31)), ("2", datetime.date(2018, 10, 25)), ("3", datetime.date(2018, 11, 16))]
    assert tasks[2].text == "Báo cáo chính thức kết quả rà soát\nvề Sở Lao động - Thương binh và Xã hội để tổng hợp"
    assert tasks[0].lead_agency is None
    districts = tasks[1].lead_agency
    assert tasks[2].lead_agency == districts  # the cell merged down names it for both rows
    assert (districts.code, districts.kind, districts.unit.code) == (
        "gl-ubnd-cac-huyen-thi-xa-thanh-pho", AgencyKind.COLLECTIVE, "64")


def test_abbreviations_match_the_provinces_own_agencies(admin_client):
    plan = document_through_workbook(
        admin_client, number="901/KH-UBND", issuer=None, issuer_code="hg-ubnd", unit="93", issued_on="01/04/2025",
        title="Kế hoạch thử: ghép tên cơ quan viết tắt",
    )
    content = _workbook_rows([
        ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn"],
        ["1", "Rà soát hộ nghèo, hộ cận nghèo", "Sở NN&MT", "UBND các huyện; các sở, ban, ngành", "Quý II/2025"],
        ["2", "Hướng dẫn thực hiện chính sách", "so nn&mt", "Sở Lao động - Thương binh và Xã hội và Sở Tài chính", "Thường xuyên"],
    ])
    post_upload(admin_client, content, "phu-luc.xlsx", plan)
    upload = last_upload()
    assert post_mapping(admin_client, upload, ["number", "content", "lead", "coordinating", "deadline"]).status_code == 302
    page, response = apply_as_proposed(admin_client, upload)
    assert response.status_code == 302
    first, second = Task.objects.filter(document=plan).order_by("position")
    assert first.lead_agency.code == second.lead_agency.code == "hg-so-nnmt"
    assert sorted(a.code for a in first.coordinating_agencies.all()) == ["hg-so-ban-nganh", "hg-ubnd-huyen"]
    assert (first.due_on, second.recurrence) == (datetime.date(2025, 6, 30), Recurrence.CONTINUOUS)
    # "và" inside a name is not a separator; between names it is.
    assert sorted(a.code for a in second.coordinating_agencies.all()) == ["hg-so-ldtbxh", "hg-so-tai-chinh"]
    assert [n.code for n in page.context["preview"].new_agencies.values()] == ["hg-so-tai-chinh"]


def _workbook_rows(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Refusals


def test_only_administrators_import_appendices(client, binh_phuoc):
    client.force_login(make_user("canbo.bp", Role.OFFICER, ("70", "63")))
    assert client.get(reverse("appendix_upload")).status_code == 403
    response = post_upload(client, BINH_PHUOC.read_bytes(), BINH_PHUOC.name, binh_phuoc)
    assert response.status_code == 403 and "Chỉ quản trị viên được nhập phụ lục kế hoạch." in response.content.decode()
    assert not AppendixUpload.objects.exists()


def test_a_file_without_a_table_is_refused_in_vietnamese(admin_client, binh_phuoc):
    document = docx.Document()
    document.add_paragraph("Sở Lao động - Thương binh và Xã hội chủ trì, phối hợp với các sở, ngành.")
    buffer = io.BytesIO()
    document.save(buffer)
    response = post_upload(admin_client, buffer.getvalue(), "ke-hoach.docx", binh_phuoc)
    assert response.status_code == 400
    assert "Tệp “ke-hoach.docx” không có bảng nào." in response.content.decode()
    response = post_upload(admin_client, b"%PDF-1.4 not an appendix", "phu-luc.pdf", binh_phuoc)
    assert response.status_code == 400
    assert "chỉ nhận bảng tính .xlsx hoặc văn bản Word .docx có bảng phụ lục" in response.content.decode()
    assert not AppendixUpload.objects.exists()


def test_a_mapping_without_the_content_column_is_refused(admin_client, binh_phuoc):
    post_upload(admin_client, BINH_PHUOC.read_bytes(), BINH_PHUOC.name, binh_phuoc)
    upload = last_upload()
    response = post_mapping(admin_client, upload, ["number", "skip", "lead", "lead", "deadline", "product"])
    assert response.status_code == 400
    page = response.content.decode()
    assert "Chưa có cột nào được ghép với “Nội dung nhiệm vụ”: đây là cột bắt buộc" in page
    assert "“Cơ quan chủ trì” được ghép với 2 cột; mỗi trường chỉ ghép với một cột." in page
    upload.refresh_from_db()
    assert upload.fields == [] and not ColumnLayout.objects.exists()


def test_the_preview_costs_the_same_queries_for_two_rows_or_forty(admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan = document_through_workbook(
        admin_client, number="903/KH-UBND", issuer=None, issuer_code="hg-ubnd", unit="93", issued_on="01/04/2025",
        title="Kế hoạch thử: số truy vấn",
    )
    counts = []
    for size in (2, 40):
        rows = [["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành"]]
        rows += [[str(n), f"Nhiệm vụ {n}", "Sở NN&MT", "UBND các huyện, Sở Tài chính", f"Tháng {n % 12 + 1}/2025"]
                 for n in range(1, size + 1)]
        post_upload(admin_client, _workbook_rows(rows), f"phu-luc-{size}.xlsx", plan)
        upload = last_upload()
        post_mapping(admin_client, upload, ["number", "content", "lead", "coordinating", "deadline"])
        with CaptureQueriesContext(connection) as queries:
            page = admin_client.get(reverse("appendix_preview", args=[upload.pk]))
        assert len(page.context["preview"].lines) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
