"""One guard for every upload (common.uploads): the plan workbook, the review list and evidence
refuse the same hostile files with the same Vietnamese message, and take ordinary files."""

import io
import zipfile

import openpyxl
import pytest
import tablib
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from common import uploads
from exchange.models import ImportRecord
from households.models import Household, HouseholdReview
from households.resources import read_file
from indicators.models import Actual, Target
from plans.models import AdminMap, Role
from review.models import Evidence
from tests.conftest import make_user
from tests.sample_files import jpeg_bytes, pdf_bytes, png_bytes

YEAR = 2024
PDF = pdf_bytes()


def zip_bomb(name_inside: str = "xl/worksheets/sheet1.xml", megabytes: int = 60) -> bytes:
    """A few tens of KB that inflate to `megabytes` MB: a zip bomb, with an Office file's parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(name_inside, b"\0" * (megabytes * 1024 * 1024))
    return buffer.getvalue()


def workbook_bytes(rows=(("Mã hộ", "Năm rà soát"), ("X-1", 2025))) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_entities(content: bytes, part: str = "xl/workbook.xml") -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == part:
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + body
            archive.writestr(item, data)
    return buffer.getvalue()


def docx_bytes(parts=("word/document.xml",)) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for part in parts:
            archive.writestr(part, '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


@pytest.fixture
def keeper(commune):
    return make_user("canbo.xa.guard", Role.OFFICER, (commune.code, AdminMap.CURRENT))


def hg_target() -> Target:
    return Target.objects.select_related("indicator", "territory").get(document__issuer__code="hg-ubnd", code="II.2.a.1")


def plan_refusal(client, name, content) -> str:
    response = client.post(reverse("import_upload"), {"files": [SimpleUploadedFile(name, content)]})
    assert response.status_code == 400
    assert not ImportRecord.objects.exists()
    return response.context["refusal"]


def review_refusal(client, name, content) -> str:
    response = client.post(reverse("review_import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200 and response.context["result"] is None
    assert not Household.objects.exists()
    return " ".join(response.context["form"].errors["file"])


def evidence_refusal(client, name, content) -> str:
    target = hg_target()
    response = client.post(f"{reverse('actual_entry', args=[target.pk])}?nam={YEAR}", {
        "year": YEAR, "value": "2,5", "numerator": "", "denominator": "", "version": "", "action": "save",
        "correction_reason": "", "evidence": SimpleUploadedFile(name, content),
    })
    assert response.status_code == 200
    assert not Actual.objects.exists() and not Evidence.objects.exists()
    return " ".join(response.context["form"].errors["evidence"])


@pytest.fixture
def three_pages(client, commune, keeper, personas, settings, tmp_path):
    """Each page's refusal of (name, content), as the person who may upload there sees it."""
    settings.MEDIA_ROOT = tmp_path

    def refusals(name, content) -> list[str]:
        client.force_login(personas.admin)
        plan = plan_refusal(client, name, content)
        client.force_login(keeper)
        review = review_refusal(client, name, content)
        client.force_login(personas.officer_hg)
        evidence = evidence_refusal(client, name, content)
        return [plan, review, evidence]

    return refusals


def test_a_small_zip_bomb_is_refused_by_every_upload_with_the_same_message(three_pages):
    bomb = zip_bomb()
    assert len(bomb) < 100 * 1024  # small on the wire, 60 MB inflated
    plan, review, evidence = three_pages("bom.xlsx", bomb)
    assert plan == review == evidence
    assert plan.startswith("Tệp “bom.xlsx” bị từ chối: khi giải nén nặng 60 MB, gấp ")
    assert plan.endswith("lần tệp tải lên (dấu hiệu “bom nén”; giới hạn: gấp 100 lần và 1.024 MB).")
    assert "bom nén" in plan and "gấp 100 lần" in plan


def test_xml_entity_declarations_are_refused_by_every_upload_with_the_same_message(three_pages):
    plan, review, evidence = three_pages("thuc-the.xlsx", with_entities(workbook_bytes()))
    assert plan == review == evidence
    assert plan.startswith("Tệp “thuc-the.xlsx” bị từ chối: phần “xl/workbook.xml” khai báo DOCTYPE/ENTITY trong XML")


def test_content_that_is_not_what_the_name_says_is_refused_by_every_upload_alike(three_pages):
    plan, review, evidence = three_pages("gia.xlsx", b"%PDF-1.4 not a workbook")
    assert plan == review == evidence == (
        "Tệp “gia.xlsx” bị từ chối: nội dung không đúng định dạng XLSX (không phải bảng tính .xlsx, dù đuôi tệp là .xlsx)."
    )


def test_a_zip_named_xlsx_without_a_workbook_inside_is_refused_by_every_upload(three_pages):
    plan, review, evidence = three_pages("rong.xlsx", docx_bytes())
    assert plan == review == evidence == "Tệp “rong.xlsx” bị từ chối: tệp hỏng, không đọc được như bảng tính .xlsx."


def test_each_upload_names_what_it_takes_for_a_suffix_it_does_not(three_pages):
    plan, review, evidence = three_pages("chay.exe", b"MZ\x90\x00")
    assert plan == "Tệp “chay.exe” bị từ chối: chỉ nhận bảng tính .xlsx hoặc tệp .csv (mỗi sheet một tệp)."
    assert review == "Tệp “chay.exe” bị từ chối: chỉ nhận bảng tính .xlsx hoặc tệp .csv."
    assert evidence == "Tệp “chay.exe” bị từ chối: chỉ nhận PDF, Word, Excel, JPEG hoặc PNG."


def test_a_binary_file_named_csv_is_refused_as_a_review_list(client, commune, keeper):
    client.force_login(keeper)
    refusal = review_refusal(client, "danh-sach.csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 50)
    assert refusal == "Tệp “danh-sach.csv” bị từ chối: nội dung không đúng định dạng CSV (không phải văn bản CSV, dù đuôi tệp là .csv)."
    utf16 = review_refusal(client, "danh-sach.csv", "Ma ho,Nam ra soat\n".encode("utf-16-le"))
    assert "ký tự NUL" in utf16 and "CSV UTF-8" in utf16


def test_a_review_list_over_its_size_limit_is_refused_like_evidence(client, commune, keeper, settings):
    settings.REVIEW_LIST_MAX_UPLOAD_BYTES = 1000
    client.force_login(keeper)
    refusal = review_refusal(client, "lon.csv", b"a" * 1500)
    assert refusal == "Tệp “lon.csv” bị từ chối: nặng 1,5 KB, quá lớn (vượt giới hạn 1.000 byte)."


def test_the_review_import_command_goes_through_the_same_guard(commune, keeper, tmp_path):
    path = tmp_path / "bom.xlsx"
    path.write_bytes(zip_bomb())
    with pytest.raises(CommandError, match="bom nén"):
        call_command("import_reviews", str(path), "--user", keeper.username)
    with path.open("rb") as handle, pytest.raises(Exception, match="bom nén"):
        read_file(File(handle, name="bom.xlsx"))
    assert not HouseholdReview.objects.exists()


def test_ordinary_files_pass_the_guard_on_every_page(client, commune, keeper, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(keeper)
    content = tablib.Dataset(
        ["X-1", commune.code, "Nguyễn Văn A", "Ấp 1", "3", "2025", "1.200.000"],
        headers=["Mã hộ", "Mã xã", "Chủ hộ", "Thôn, ấp, tổ dân phố", "Số nhân khẩu", "Năm rà soát",
                 "Thu nhập bình quân (đồng/người/tháng)"],
    ).export("csv").encode()
    response = client.post(reverse("review_import"), {"file": SimpleUploadedFile("ds.csv", content)})
    assert response.context["form"].errors == {}
    assert response.context["result"] is not None and not response.context["result"].has_errors
    assert HouseholdReview.objects.filter(household__code="X-1", year=2025).exists()

    client.force_login(personas.officer_hg)
    target = hg_target()
    response = client.post(f"{reverse('actual_entry', args=[target.pk])}?nam={YEAR}", {
        "year": YEAR, "value": "2,5", "numerator": "", "denominator": "", "version": "", "action": "save",
        "correction_reason": "", "evidence": [SimpleUploadedFile("bien-ban.pdf", PDF), SimpleUploadedFile("ghi-chu.docx", docx_bytes())],
    })
    assert response.status_code == 302
    assert sorted(Evidence.objects.values_list("original_name", flat=True)) == ["bien-ban.pdf", "ghi-chu.docx"]

    client.force_login(personas.admin)
    response = client.post(reverse("import_upload"), {"files": [SimpleUploadedFile("ke-hoach.xlsx", workbook_bytes())]})
    assert response.status_code == 302 and ImportRecord.objects.count() == 1


@pytest.mark.parametrize("name, content, expected", [
    ("a.docx", docx_bytes(), ".docx"),
    ("a.xlsx", workbook_bytes(), ".xlsx"),
    ("a.jpeg", jpeg_bytes(), ".jpeg"),
    ("a.png", png_bytes(), ".png"),
    ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".doc"),
])
def test_the_guard_takes_each_evidence_type_by_its_content(name, content, expected):
    assert uploads.check_upload(SimpleUploadedFile(name, content), name=name, policy=uploads.EVIDENCE) == expected


@pytest.mark.parametrize("name, content, fragment", [
    ("a.docx", docx_bytes(parts=("xl/workbook.xml",)), "không đọc được như văn bản Word .docx"),
    ("a.docx", zip_bomb("word/document.xml"), "bom nén"),
    ("a.docx", with_entities(docx_bytes(), "word/document.xml"), "DOCTYPE/ENTITY"),
    ("a.png", b"\xff\xd8\xff fake", "không đúng định dạng PNG"),
    ("a.xls", b"PK\x03\x04 a new xlsx named xls", "không đúng định dạng XLS"),
])
def test_the_guard_refuses_evidence_that_is_not_what_it_claims(name, content, fragment):
    with pytest.raises(uploads.UploadRefused, match=fragment):
        uploads.check_upload(SimpleUploadedFile(name, content), name=name, policy=uploads.EVIDENCE)


def test_too_many_zip_members_and_too_much_in_total_are_refused(tmp_path, monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(uploads.MAX_ZIP_MEMBERS + 1):
            archive.writestr(f"xl/p{i}.xml", "<a/>")
    with pytest.raises(uploads.UploadRefused, match="quá nhiều"):
        uploads.check_upload(SimpleUploadedFile("a.xlsx", buffer.getvalue()), name="a.xlsx", policy=uploads.EVIDENCE)
    monkeypatch.setattr(uploads, "MAX_UNCOMPRESSED_BYTES", 1024 * 1024)  # 2 MB inflated, ratio under 100
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as archive:  # stored, not compressed: ratio 1
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", b"<a>" + b"x" * (2 * 1024 * 1024) + b"</a>")
    with pytest.raises(uploads.UploadRefused, match="bom nén"):
        uploads.check_upload(path, name="a.xlsx", policy=uploads.PLAN_WORKBOOK)


def test_the_guard_leaves_an_upload_at_its_start_for_the_reader():
    upload = SimpleUploadedFile("a.csv", "Mã hộ\nX-1\n".encode())
    upload.read(3)
    assert uploads.check_upload(upload, name="a.csv", policy=uploads.REVIEW_LIST) == ".csv"
    assert upload.read() == "Mã hộ\nX-1\n".encode()
