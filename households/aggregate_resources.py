"""Reading a province's review table (.xlsx or .csv) into rows of households.aggregate_reviews.

Headers are matched without accents or case, as provinces write them ("Số hộ nghèo cuối kỳ",
"Thoát nghèo", "Tỷ lệ (%)"). A bare "Tỷ lệ" is the rate of the count before it. The urban / rural
(or any breakdown) figures come either as a column "Nhóm phân tổ" / "Khu vực" (one row per unit
and option) or as columns whose header ends with the option's name ("Số hộ nghèo thành thị"):
those make one more row for the unit and option.
"""

import hashlib
import re
from decimal import Decimal, InvalidOperation

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from common import uploads
from households.aggregate_reviews import TableRow
from indicators.models import DimensionOption
from plans.text import parse_number, search_key

ALIASES = {
    "unit_code": ("ma dia ban", "ma don vi", "ma"),
    "unit_name": ("ten dia ban", "dia ban", "don vi", "ten don vi", "huyen thi xa thanh pho", "xa phuong thi tran",
                  "huyen", "xa"),
    "breakdown": ("nhom phan to", "khu vuc"),
    "total": ("tong so ho", "tong so ho dan", "tong so ho ra soat", "tong so ho dan cu"),
    "poor_start": ("so ho ngheo dau ky", "ho ngheo dau ky", "so ho ngheo dau nam"),
    "near_poor_start": ("so ho can ngheo dau ky", "ho can ngheo dau ky", "so ho can ngheo dau nam"),
    "escaped": ("thoat ngheo", "so ho thoat ngheo", "ho thoat ngheo"),
    "fallen_back": ("tai ngheo", "so ho tai ngheo", "ho tai ngheo"),
    "new_poor": ("ngheo phat sinh", "so ho ngheo phat sinh", "ho ngheo phat sinh", "phat sinh"),
    "poor_end": ("so ho ngheo cuoi ky", "ho ngheo cuoi ky", "so ho ngheo", "ho ngheo", "so ho ngheo cuoi nam"),
    "poor_rate": ("ty le ho ngheo", "ty le ho ngheo cuoi ky", "ty le ngheo"),
    "near_poor_end": ("so ho can ngheo cuoi ky", "ho can ngheo cuoi ky", "so ho can ngheo", "ho can ngheo",
                      "so ho can ngheo cuoi nam"),
    "near_poor_rate": ("ty le ho can ngheo", "ty le ho can ngheo cuoi ky", "ty le can ngheo"),
    "escaped_near_poor": ("thoat can ngheo", "so ho thoat can ngheo"),
    "new_near_poor": ("can ngheo phat sinh", "so ho can ngheo phat sinh"),
}
FIELD_OF = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
TEXT_FIELDS = {"unit_code", "unit_name", "breakdown"}
RATES = {"poor_rate", "near_poor_rate"}
BARE_RATE = "ty le"


def header_key(text) -> str:
    key = search_key(str(text or ""))
    key = re.sub(r"[()\[\]:;,.%\-–—/]", " ", key)
    return " ".join(key.split())


def map_headers(headers, option_keys: dict[str, str]) -> list[tuple[str, str] | None]:
    """Per column: (field, breakdown code or "") or None for a column not read."""
    out: list[tuple[str, str] | None] = []
    previous = ""
    for header in headers:
        key, breakdown = header_key(header), ""
        name = FIELD_OF.get(key)
        if name is None:
            for option_key, code in option_keys.items():
                if key.endswith(" " + option_key) and key[: -len(option_key) - 1].strip() in FIELD_OF | {BARE_RATE: ""}:
                    key, breakdown = key[: -len(option_key) - 1].strip(), code
                    name = FIELD_OF.get(key)
                    break
        if name is None and key == BARE_RATE:
            name = "near_poor_rate" if previous.startswith("near_poor") else "poor_rate"
        if name is not None and breakdown and name in TEXT_FIELDS:
            name = None
        out.append((name, breakdown) if name else None)
        if name:
            previous = name
    return out


def _number(value, *, rate: bool):
    if value is None or (isinstance(value, str) and not value.strip()) or value == "-":
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = Decimal(str(value))
    else:
        text = str(value).strip().rstrip("%").strip()
        try:
            number = parse_number(text)
        except (ValueError, InvalidOperation):
            raise ValueError(_("“%(value)s” không phải là số.") % {"value": value}) from None
    if rate:
        return number
    if number != number.to_integral_value():
        raise ValueError(_("Số hộ phải là số nguyên (%(value)s).") % {"value": value})
    return int(number)


def rows_from_dataset(dataset: tablib.Dataset) -> tuple[list[TableRow], list[dict]]:
    """The table's rows (one per unit and breakdown) and the errors of cells that are not numbers."""
    option_keys = {}
    for code, name in DimensionOption.objects.values_list("code", "name"):
        option_keys[search_key(name)] = code
    columns = map_headers(dataset.headers or [], option_keys)
    names = {c[0] for c in columns if c}
    if not names & {"unit_code", "unit_name"}:
        raise ValidationError({"file": _("Bảng không có cột “Mã địa bàn” hay “Tên địa bàn”.")})
    if not names - TEXT_FIELDS:
        raise ValidationError({"file": _("Bảng không có cột số liệu nào (tổng số hộ, số hộ nghèo...).")})
    rows, errors = [], []
    for index, cells in enumerate(dataset, start=2):
        if all(cell in (None, "") for cell in cells):
            continue
        parts: dict[str, TableRow] = {}
        for column, cell in zip(columns, cells):
            if column is None:
                continue
            name, breakdown = column
            row = parts.setdefault(breakdown, TableRow(line=index))
            if name in TEXT_FIELDS:
                setattr(row, name, str(cell if cell is not None else "").strip())
                continue
            try:
                row.values[name] = _number(cell, rate=name in RATES)
            except ValueError as error:
                errors.append({"row": index, "message": f"{header_of(dataset, columns, column)}: {error}"})
        whole = parts.get("")
        for breakdown, row in parts.items():
            if breakdown and whole is not None:
                row.unit_code, row.unit_name, row.breakdown = whole.unit_code, whole.unit_name, breakdown
            if breakdown and not any(v is not None for v in row.values.values()):
                continue  # the unit's split columns left empty
            rows.append(row)
    return rows, errors


def header_of(dataset, columns, column) -> str:
    return str(dataset.headers[columns.index(column)])


def read_upload(upload) -> tuple[tablib.Dataset, str, int]:
    """The file as a dataset, its SHA-256 and size; refused as a whole by the upload guard."""
    name = getattr(upload, "name", "") or ""
    try:
        suffix = uploads.check_upload(upload, name=name, policy=uploads.REVIEW_LIST)
    except uploads.UploadRefused as refusal:
        raise ValidationError({"file": str(refusal)}) from None
    upload.seek(0)
    content = upload.read()
    try:
        if suffix == ".xlsx":
            dataset = tablib.Dataset().load(content, format="xlsx")
        else:
            dataset = tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
    except Exception:
        raise ValidationError({"file": _("Không đọc được bảng trong tệp.")}) from None
    if not dataset.height:
        raise ValidationError({"file": _("Tệp không có dòng nào dưới dòng tiêu đề cột.")})
    return dataset, hashlib.sha256(content).hexdigest(), len(content)
