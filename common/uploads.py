"""The one guard for every uploaded file: the plan workbook, the household review list, evidence.

`check_upload` refuses a file as a whole, before anything parses it, for the same reasons and
with the same Vietnamese messages wherever it was uploaded: over the size limit, a suffix the
page does not take, content that is not what the suffix says (read from the first bytes and,
for Office files, the zip's structure), a zip whose members inflate out of proportion (a zip
bomb) or are too many, XML declaring a DOCTYPE or entities (how XML bombs work), CSV text that
is not UTF-8 or holds NUL. It reads the file in chunks: memory stays flat whatever the file.

Evidence is kept and handed to other people, so its content is checked too (`check_content`,
the file read whole: evidence is at most 10 MB): a PDF must parse, an image must decode, an
Office file must hold its main part as well-formed XML, and nothing may follow the format's end
or hide another format's signature (a polyglot: a PNG that is also a ZIP/JAR, a PDF with a ZIP
appended, HTML inside a PDF). Legacy .doc and .xls are still checked by their first bytes only.
"""

import io
import re
import struct
import zipfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _

MB = 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 1024 * MB
MAX_ZIP_RATIO = 100  # an xlsx or docx inflates 5–20 times; a zip bomb thousands of times
ZIP_RATIO_FLOOR = 64 * 1024  # tiny files may inflate more: the ratio counts from this size up
MAX_ZIP_MEMBERS = 500
MAX_EVIDENCE_BYTES = 10 * MB
CHUNK = MB

ZIP, OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0"
BINARY_HEADS = (ZIP, OLE2, b"%PDF", b"\x89PNG", b"\xff\xd8\xff")  # never the start of a CSV
XML_SUFFIXES = (".xml", ".rels", ".vml")


class UploadRefused(Exception):
    """The file is refused as a whole; nothing of it was parsed. str() is the Vietnamese message."""


@dataclass(frozen=True)
class Format:
    label: str  # as messages name it: "PDF", "XLSX"
    what: str  # what the content should be, for messages
    heads: tuple[bytes, ...] = ()  # accepted first bytes
    part_folder: str = ""  # an Office zip must hold parts under this folder
    text: bool = False  # CSV: UTF-8 text without NUL


def _formats() -> dict[str, Format]:
    jpeg = Format("JPEG", _("ảnh JPEG"), (b"\xff\xd8\xff",))
    return {
        ".xlsx": Format("XLSX", _("bảng tính .xlsx"), (ZIP,), part_folder="xl/"),
        ".docx": Format("DOCX", _("văn bản Word .docx"), (ZIP,), part_folder="word/"),
        ".xls": Format("XLS", _("bảng tính Excel .xls"), (OLE2,)),
        ".doc": Format("DOC", _("văn bản Word .doc"), (OLE2,)),
        ".pdf": Format("PDF", _("tài liệu PDF"), (b"%PDF",)),
        ".png": Format("PNG", _("ảnh PNG"), (b"\x89PNG\r\n\x1a\n",)),
        ".jpg": jpeg,
        ".jpeg": jpeg,
        ".csv": Format("CSV", _("văn bản CSV"), text=True),
        ".zip": Format("ZIP", _("tệp nén .zip chứa các tệp CSV"), (ZIP,)),
    }


@dataclass(frozen=True)
class Policy:
    """What one upload page takes."""

    suffixes: tuple[str, ...]
    accepted: Callable[[], str]  # "chỉ nhận …", for the message on a suffix it does not take
    max_bytes: Callable[[], int]
    zip_members: tuple[str, ...] = ()  # for a .zip: the suffixes its members may have
    content_checked: bool = False  # parse or decode the file and refuse polyglots (evidence)


PLAN_WORKBOOK = Policy(
    (".xlsx", ".csv", ".zip"),
    lambda: _("chỉ nhận bảng tính .xlsx hoặc tệp .csv (mỗi sheet một tệp)"),
    lambda: settings.WORKBOOK_MAX_UPLOAD_BYTES,
    zip_members=(".csv",),
)
REVIEW_LIST = Policy(
    (".xlsx", ".csv"),
    lambda: _("chỉ nhận bảng tính .xlsx hoặc tệp .csv"),
    lambda: settings.REVIEW_LIST_MAX_UPLOAD_BYTES,
)
# A plan's task appendix as the province wrote it: a sheet, or a table in the plan's .docx (exchange/).
PLAN_APPENDIX = Policy(
    (".xlsx", ".docx"),
    lambda: _("chỉ nhận bảng tính .xlsx hoặc văn bản Word .docx có bảng phụ lục"),
    lambda: getattr(settings, "APPENDIX_MAX_UPLOAD_BYTES", 20 * MB),
)
EVIDENCE = Policy(
    (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png"),
    lambda: _("chỉ nhận PDF, Word, Excel, JPEG hoặc PNG"),
    lambda: MAX_EVIDENCE_BYTES,
    content_checked=True,
)


def _grouped(number: float, decimals: int = 0) -> str:
    """1.024 ; 12,5: "." between thousands, "," before decimals, no trailing ",0"."""
    text = f"{number:,.{decimals}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text[: -decimals - 1] if decimals and text.endswith("," + "0" * decimals) else text


def _size(size: int) -> str:
    """A file size as people read it: 812 byte ; 1,5 KB ; 60 MB."""
    if size >= MB:
        return f"{_grouped(size / MB, 1)} MB"
    if size >= 1024:
        return f"{_grouped(size / 1024, 1)} KB"
    return f"{_grouped(size)} byte"


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:120] or "?"


def _display_name(name: str) -> str:
    return _printable(Path(name or "").name)


def refuse(name: str, reason: str) -> UploadRefused:
    return UploadRefused(_("Tệp “%(name)s” bị từ chối: %(reason)s") % {"name": _display_name(name), "reason": reason})


def check_size(size: int, *, name: str, limit: int) -> None:
    if size > limit:
        raise refuse(name, _("nặng %(size)s, quá lớn (vượt giới hạn %(limit)s).") % {"size": _size(size), "limit": _size(limit)})


@contextmanager
def _opened(source):
    """A binary file object at its start, for a path or an uploaded file (left at its start again)."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as f:
            yield f
        return
    f = getattr(source, "file", None)
    f = source if f is None else f
    f.seek(0)
    try:
        yield f
    finally:
        f.seek(0)


def _length(source, f) -> int:
    if isinstance(source, (str, Path)):
        return Path(source).stat().st_size
    size = getattr(source, "size", None)
    if size is None:
        size = f.seek(0, io.SEEK_END)
        f.seek(0)
    return size


def check_upload(source, *, name: str, policy: Policy) -> str:
    """Refuse `source` (a path or an uploaded file) with UploadRefused, or return its suffix (".xlsx")."""
    suffix = Path(name or "").suffix.lower()
    with _opened(source) as f:
        check_size(_length(source, f), name=name, limit=policy.max_bytes())
        if suffix not in policy.suffixes:
            raise refuse(name, policy.accepted() + ".")
        form = _formats()[suffix]
        head = f.read(8)
        f.seek(0)
        wrong_content = refuse(name, _("nội dung không đúng định dạng %(format)s (không phải %(what)s, dù đuôi tệp là %(suffix)s).")
                               % {"format": form.label, "what": form.what, "suffix": suffix})
        if form.text:
            if head.startswith(BINARY_HEADS):
                raise wrong_content
            check_csv_text(f, name=name)
        elif not head.startswith(form.heads):
            raise wrong_content
        elif form.heads == (ZIP,):
            _check_zip(f, name=name, form=form, members_allowed=policy.zip_members if suffix == ".zip" else ())
        if policy.content_checked:
            check_content(f, name=name, suffix=suffix, form=form)
    return suffix


def _check_zip(f, *, name: str, form: Format, members_allowed: tuple[str, ...]) -> None:
    compressed = f.seek(0, io.SEEK_END)
    f.seek(0)
    try:
        archive = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refuse(name, _("tệp hỏng, không đọc được như %(what)s.") % {"what": form.what}) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise refuse(name, _("có %(count)s thành phần nén, quá nhiều (tối đa %(limit)s).")
                         % {"count": len(members), "limit": MAX_ZIP_MEMBERS})
        inflated = sum(m.file_size for m in members)
        if inflated > MAX_UNCOMPRESSED_BYTES or inflated > MAX_ZIP_RATIO * max(compressed, ZIP_RATIO_FLOOR):
            raise refuse(name, _("khi giải nén nặng %(inflated)s, gấp %(times)s lần tệp tải lên (dấu hiệu “bom nén”; "
                                 "giới hạn: gấp %(ratio)s lần và %(total)s).")
                         % {"inflated": _size(inflated), "times": _grouped(inflated // max(compressed, 1)),
                            "ratio": MAX_ZIP_RATIO, "total": _size(MAX_UNCOMPRESSED_BYTES)})
        names = [m.filename for m in members]
        if form.part_folder and not ("[Content_Types].xml" in names and any(n.startswith(form.part_folder) for n in names)):
            raise refuse(name, _("tệp hỏng, không đọc được như %(what)s.") % {"what": form.what})
        for member in members:
            if members_allowed and not member.filename.lower().endswith(members_allowed):
                raise refuse(name, _("tệp nén chỉ được chứa các tệp CSV."))
            if member.filename.lower().endswith(XML_SUFFIXES):
                _refuse_xml_declarations(archive, member, name=name)


def _refuse_xml_declarations(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, name: str) -> None:
    """Office XML never needs a DOCTYPE; entity declarations are how XML bombs work."""
    tail = b""
    with archive.open(member) as part:
        for chunk in iter(lambda: part.read(CHUNK), b""):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise refuse(name, _("phần “%(part)s” khai báo DOCTYPE/ENTITY trong XML (có thể là tệp độc hại). "
                                     "Hãy mở và lưu lại tệp bằng Excel, Word hoặc LibreOffice rồi tải lên.")
                             % {"part": _printable(member.filename)})
            tail = chunk[-16:]


def check_csv_text(source, *, name: str) -> None:
    """UTF-8 text without NUL: UTF-16 saved without its mark reads as UTF-8 with a NUL after every
    letter, and PostgreSQL refuses NUL in text. Read in chunks."""
    with _opened(source) as f:
        decoder = io.TextIOWrapper(f, encoding="utf-8-sig", newline="")
        try:
            while chunk := decoder.read(CHUNK):
                if "\x00" in chunk:
                    raise refuse(name, _("tệp CSV có ký tự NUL (thường do lưu dạng UTF-16); hãy lưu lại với “CSV UTF-8”."))
        except UnicodeDecodeError:
            raise refuse(name, _("tệp CSV phải lưu với bảng mã UTF-8 (trong Excel: “CSV UTF-8”).")) from None
        finally:
            decoder.detach()  # leave the caller's file open


# ---------------------------------------------------------------------------------------------
# Content (evidence): what the file is, read as that format, and nothing else hidden in it.
# Evidence is at most MAX_EVIDENCE_BYTES, so it is read whole here.

MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo; a PNG that large decodes to at most 160 MB
WHITESPACE = b" \t\r\n\f\x00"
ZIP_END = b"PK\x05\x06"
OFFICE_MAIN_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
# Another format's start inside a file: what makes a polyglot dangerous (a ZIP/JAR, HTML or script
# a browser would run, a PDF header a reader finds in the first kilobyte).
HTML_SIGNATURE = re.compile(rb"<(?:html|script|svg|iframe|body|object|embed)[\s>/]|<!doctype\s+html", re.IGNORECASE)


def check_content(f, *, name: str, suffix: str, form: Format) -> None:
    """Refuse `f` unless its content reads as `form` and holds no other format (evidence only)."""
    checks = {".pdf": _check_pdf, ".png": _check_png, ".jpg": _check_jpeg, ".jpeg": _check_jpeg,
              ".docx": _check_office, ".xlsx": _check_office}
    if suffix not in checks:
        return  # .doc and .xls (OLE2): their first bytes only, as before
    f.seek(0)
    data = f.read()
    f.seek(0)
    checks[suffix](data, name=name, suffix=suffix, form=form)


def _broken(name: str, form: Format) -> UploadRefused:
    return refuse(name, _("tệp hỏng, không đọc được như %(what)s.") % {"what": form.what})


def _appended(name: str, form: Format) -> UploadRefused:
    return refuse(name, _("có dữ liệu khác nối sau phần kết thúc của %(what)s (tệp ghép nhiều định dạng).")
                  % {"what": form.what})


def _refuse_other_formats(data: bytes, *, name: str, form: Format) -> None:
    other = ""
    if ZIP in data and ZIP_END in data:
        other = "ZIP"
    elif HTML_SIGNATURE.search(data):
        other = "HTML/script"
    elif form.label != "PDF" and b"%PDF-" in data[:1024]:
        other = "PDF"
    if other:
        raise refuse(name, _("bên trong %(what)s có dữ liệu định dạng khác (%(other)s) – tệp ghép nhiều định dạng.")
                     % {"what": form.what, "other": other})


def _check_pdf(data: bytes, *, name: str, suffix: str, form: Format) -> None:
    end = data.rfind(b"%%EOF")
    if end < 0 or b"startxref" not in data[max(end - 1024, 0):end]:
        raise _broken(name, form)  # cut short, or no cross-reference table to read it by
    if data[end + 5:].strip(WHITESPACE):
        raise _appended(name, form)
    _refuse_other_formats(data, name=name, form=form)
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise refuse(name, _("tài liệu PDF có mật khẩu mở; hãy tải lên bản không đặt mật khẩu."))
            except DependencyError:
                return  # encrypted with AES, only for its owner's rights: its structure was read
        if not len(reader.pages):
            raise _broken(name, form)
        for page in reader.pages:
            page.mediabox  # noqa: B018 - reads every page object
    except UploadRefused:
        raise
    except Exception:  # pypdf raises many kinds on a broken file; any of them means it does not parse
        raise _broken(name, form) from None


def _png_end(data: bytes) -> int:
    """Where the PNG's IEND chunk ends (its chunks walked by their lengths), or -1."""
    position = 8
    while position + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        position += 12 + length
        if kind == b"IEND":
            return position if position <= len(data) else -1
    return -1


def _jpeg_end(data: bytes, start: int = 0) -> int:
    """Where the JPEG starting at `start` ends (after its EOI marker), or -1."""
    position = start + 2
    while position + 2 <= len(data):
        if data[position] != 0xFF:
            return -1
        marker = data[position + 1]
        if marker == 0xD9:
            return position + 2
        if marker == 0xFF or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 1 if marker == 0xFF else 2
            continue
        if position + 4 > len(data):
            return -1
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        position += 2 + length
        if marker == 0xDA:  # entropy-coded data: up to the next marker that is not a stuffed 00 or a restart
            while True:
                position = data.find(b"\xff", position)
                if position < 0 or position + 1 >= len(data):
                    return -1
                following = data[position + 1]
                if following == 0 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    position += 1 if following == 0xFF else 2
                    continue
                break
    return -1


def _check_png(data: bytes, *, name: str, suffix: str, form: Format) -> None:
    end = _png_end(data)
    if end < 0:
        raise _broken(name, form)
    if data[end:].strip(WHITESPACE):
        raise _appended(name, form)
    _refuse_other_formats(data, name=name, form=form)
    _decode_image(data, name=name, form=form)


def _check_jpeg(data: bytes, *, name: str, suffix: str, form: Format) -> None:
    end = _jpeg_end(data)
    if end < 0:
        raise _broken(name, form)
    # Phones append further JPEG images (a multi-picture file's gain map or preview): allowed.
    while (rest := data[end:].lstrip(WHITESPACE)).startswith(b"\xff\xd8\xff"):
        end = _jpeg_end(data, len(data) - len(rest))
        if end < 0:
            raise _broken(name, form)
    if rest:
        raise _appended(name, form)
    _refuse_other_formats(data, name=name, form=form)
    _decode_image(data, name=name, form=form)


def _decode_image(data: bytes, *, name: str, form: Format) -> None:
    """Pillow reads the image as its format and decodes every pixel (a JPEG at 1/8 scale)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=[form.label]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise refuse(name, _("ảnh %(width)s × %(height)s điểm ảnh, quá lớn (tối đa %(limit)s triệu điểm ảnh).")
                             % {"width": width, "height": height, "limit": MAX_IMAGE_PIXELS // 1_000_000})
            image.verify()
        with Image.open(io.BytesIO(data), formats=[form.label]) as image:
            if form.label == "JPEG":
                image.draft("RGB", (max(width // 8, 1), max(height // 8, 1)))
            image.load()
    except UploadRefused:
        raise
    except Exception:  # Pillow raises OSError, SyntaxError, ValueError… on a file that does not decode
        raise _broken(name, form) from None


def _check_office(data: bytes, *, name: str, suffix: str, form: Format) -> None:
    tail = data[-(0xFFFF + 22):]
    end = tail.rfind(ZIP_END)
    if end < 0 or end + 22 > len(tail):
        raise _broken(name, form)
    if end + 22 + struct.unpack("<H", tail[end + 20:end + 22])[0] != len(tail):
        raise _appended(name, form)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if min(m.header_offset for m in members) != 0:
            raise _broken(name, form)  # something stands before the zip's first part
        names = {m.filename for m in members}
        part = OFFICE_MAIN_PARTS[suffix]
        if part not in names:
            raise refuse(name, _("thiếu phần “%(part)s” nên không đọc được như %(what)s.") % {"part": part, "what": form.what})
        for member in ("[Content_Types].xml", part):
            _require_well_formed_xml(archive, member, name=name, form=form)


def _require_well_formed_xml(archive: zipfile.ZipFile, member: str, *, name: str, form: Format) -> None:
    parser = expat.ParserCreate()
    try:
        with archive.open(member) as part:
            for chunk in iter(lambda: part.read(CHUNK), b""):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError):
        raise refuse(name, _("phần “%(part)s” không phải XML hợp lệ nên không đọc được như %(what)s.")
                     % {"part": member, "what": form.what}) from None
