"""Evidence is checked by its content (common.uploads): a PDF that parses, an image that decodes,
an Office file with its main part, and no polyglot (a file that is also a ZIP, HTML or PDF)."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from common import uploads
from indicators import services
from indicators.models import Actual, Target
from review.models import Evidence
from tests.sample_files import CONTENT_TYPES, docx_bytes, jpeg_bytes, office_bytes, pdf_bytes, png_bytes, xlsx_bytes

YEAR = 2024


def a_zip() -> bytes:
    """A small ZIP (a JAR would look the same): what a polyglot hides behind an image or a PDF."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        archive.writestr("Exploit.class", b"\xca\xfe\xba\xbe")
    return buffer.getvalue()


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(uploads.UploadRefused) as raised:
        uploads.check_upload(SimpleUploadedFile(name, content), name=name, policy=uploads.EVIDENCE)
    return str(raised.value)


def corrupt_png() -> bytes:
    """Chunks and CRCs in order, but image data that does not inflate to the pixels."""
    import struct
    import zlib

    good = png_bytes(4, 4)
    idat = good.index(b"IDAT") - 4
    junk = b"\x78\x9c" + b"\x13" * 20

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    end = idat + 12 + struct.unpack(">I", good[idat:idat + 4])[0]
    return good[:idat] + chunk(b"IDAT", junk) + good[end:]


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password="mat-khau", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name, content", [
    ("bien-ban.pdf", pdf_bytes()),
    ("anh.png", png_bytes(64, 48)),
    ("anh.jpg", jpeg_bytes(640, 480)),
    ("anh-progressive.jpeg", jpeg_bytes(320, 240, progressive=True)),
    ("anh-nhieu-lop.jpg", jpeg_bytes(64, 48) + jpeg_bytes(16, 12)),  # a phone's picture with its gain map appended
    ("bao-cao.docx", docx_bytes()),
    ("so-lieu.xlsx", xlsx_bytes()),
    ("bien-ban-cuoi-dong.pdf", pdf_bytes() + b"\r\n\n"),
])
def test_real_files_of_each_format_are_taken(name, content):
    assert uploads.check_upload(SimpleUploadedFile(name, content), name=name, policy=uploads.EVIDENCE) == name[name.rindex("."):]


BROKEN = "Tệp “{name}” bị từ chối: tệp hỏng, không đọc được như {what}."
APPENDED = "Tệp “{name}” bị từ chối: có dữ liệu khác nối sau phần kết thúc của {what} (tệp ghép nhiều định dạng)."
INSIDE = "Tệp “{name}” bị từ chối: bên trong {what} có dữ liệu định dạng khác ({other}) – tệp ghép nhiều định dạng."


@pytest.mark.parametrize("name, content, expected", [
    ("cat-cut.pdf", pdf_bytes()[:300], BROKEN.format(name="cat-cut.pdf", what="tài liệu PDF")),
    ("thieu-trang.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Nothing >>\nendobj\nstartxref\n9\n%%EOF\n",
     BROKEN.format(name="thieu-trang.pdf", what="tài liệu PDF")),
    ("anh-hong.png", corrupt_png(), BROKEN.format(name="anh-hong.png", what="ảnh PNG")),
    ("anh-cut.png", png_bytes(8, 8)[:-12], BROKEN.format(name="anh-cut.png", what="ảnh PNG")),
    ("anh-cut.jpg", jpeg_bytes(64, 48)[:300], BROKEN.format(name="anh-cut.jpg", what="ảnh JPEG")),
    ("png-zip.png", png_bytes() + a_zip(), APPENDED.format(name="png-zip.png", what="ảnh PNG")),
    ("gifar.jpg", jpeg_bytes() + a_zip(), APPENDED.format(name="gifar.jpg", what="ảnh JPEG")),
    ("pdf-zip.pdf", pdf_bytes() + a_zip(), APPENDED.format(name="pdf-zip.pdf", what="tài liệu PDF")),
    ("pdf-html.pdf", pdf_bytes() + b"<html><script>alert(1)</script>", APPENDED.format(name="pdf-html.pdf", what="tài liệu PDF")),
    ("zip-trong.pdf", pdf_bytes().replace(b"%%EOF", b"%%" + a_zip() + b"\n%%EOF"),
     INSIDE.format(name="zip-trong.pdf", what="tài liệu PDF", other="ZIP")),
    ("script.pdf", pdf_bytes("<script>alert(document.cookie)</script>"),
     INSIDE.format(name="script.pdf", what="tài liệu PDF", other="HTML/script")),
    ("docx-zip.docx", docx_bytes() + a_zip(), BROKEN.format(name="docx-zip.docx", what="văn bản Word .docx")),
    ("docx-html.docx", docx_bytes() + b"<html><script>alert(1)</script></html>",
     APPENDED.format(name="docx-html.docx", what="văn bản Word .docx")),
    ("ghep.docx", b"PK\x03\x04" + b"x" * 30 + docx_bytes(), BROKEN.format(name="ghep.docx", what="văn bản Word .docx")),
    ("trang.html.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>",
     "Tệp “trang.html.pdf” bị từ chối: nội dung không đúng định dạng PDF (không phải tài liệu PDF, dù đuôi tệp là .pdf)."),
    ("khong-tai-lieu.docx", office_bytes({"[Content_Types].xml": CONTENT_TYPES, "word/styles.xml": "<w:styles/>"}),
     "Tệp “khong-tai-lieu.docx” bị từ chối: thiếu phần “word/document.xml” nên không đọc được như văn bản Word .docx."),
    ("khong-so.xlsx", office_bytes({"[Content_Types].xml": CONTENT_TYPES, "xl/styles.xml": "<styleSheet/>"}),
     "Tệp “khong-so.xlsx” bị từ chối: thiếu phần “xl/workbook.xml” nên không đọc được như bảng tính .xlsx."),
    ("xml-hong.docx", office_bytes({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w:document><w:body>"}),
     "Tệp “xml-hong.docx” bị từ chối: phần “word/document.xml” không phải XML hợp lệ nên không đọc được như văn bản Word .docx."),
    ("mat-khau.pdf", encrypted_pdf(),
     "Tệp “mat-khau.pdf” bị từ chối: tài liệu PDF có mật khẩu mở; hãy tải lên bản không đặt mật khẩu."),
])
def test_files_that_do_not_read_as_their_format_or_hide_another_are_refused(name, content, expected):
    assert refusal(name, content) == expected


def test_an_image_that_is_also_html_or_a_pdf_is_refused():
    png = png_bytes()
    with_comment = png[:33] + _png_chunk(b"tEXt", b"Comment\x00<html><script>alert(1)</script></html>") + png[33:]
    assert refusal("html.png", with_comment) == INSIDE.format(name="html.png", what="ảnh PNG", other="HTML/script")
    jpeg = jpeg_bytes()
    comment = b"%PDF-1.4 1 0 obj"
    with_pdf = jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]
    assert refusal("pdf.jpg", with_pdf) == INSIDE.format(name="pdf.jpg", what="ảnh JPEG", other="PDF")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_an_image_too_large_to_decode_safely_is_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 1_000_000)
    assert refusal("lon.png", png_bytes(1001, 1000)) == (
        "Tệp “lon.png” bị từ chối: ảnh 1001 × 1000 điểm ảnh, quá lớn (tối đa 1 triệu điểm ảnh).")
    assert uploads.check_upload(SimpleUploadedFile("vua.png", png_bytes(1000, 1000)), name="vua.png", policy=uploads.EVIDENCE)


def test_the_review_list_and_the_plan_workbook_keep_their_own_checks():
    """Content checks are evidence's: an xlsx review list is read by its importer, as before."""
    book = office_bytes({"[Content_Types].xml": CONTENT_TYPES, "xl/worksheets/sheet1.xml": "<worksheet/>"})
    assert uploads.check_upload(SimpleUploadedFile("ds.xlsx", book), name="ds.xlsx", policy=uploads.REVIEW_LIST) == ".xlsx"
    assert "workbook.xml" in refusal("ds.xlsx", book)


def test_the_evidence_page_refuses_a_polyglot_with_the_message_and_keeps_nothing(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas.officer_hg)
    target = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")
    post = {"year": YEAR, "value": "2,5", "numerator": "", "denominator": "", "version": "", "action": "save",
            "correction_reason": ""}
    url = f"{reverse('actual_entry', args=[target.pk])}?nam={YEAR}"
    response = client.post(url, {**post, "evidence": SimpleUploadedFile("anh.png", png_bytes() + a_zip())})
    assert response.status_code == 200
    assert response.context["form"].errors["evidence"] == [APPENDED.format(name="anh.png", what="ảnh PNG")]
    assert not Actual.objects.exists() and not Evidence.objects.exists() and not list(tmp_path.rglob("*.png"))
    photo, minutes = jpeg_bytes(64, 48), pdf_bytes()
    response = client.post(url, {**post, "evidence": [SimpleUploadedFile("anh.jpg", photo), SimpleUploadedFile("bb.pdf", minutes)]})
    assert response.status_code == 302
    assert {e.original_name: e.file.read() for e in Evidence.objects.all()} == {"anh.jpg": photo, "bb.pdf": minutes}


def test_validate_evidence_gives_the_guards_message(personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        services.validate_evidence(SimpleUploadedFile("bb.pdf", pdf_bytes()[:200]))
    assert raised.value.message_dict == {"evidence": [BROKEN.format(name="bb.pdf", what="tài liệu PDF")]}
