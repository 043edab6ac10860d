"""The column-mapping step: which column holds what, guessed from the header words, remembered per layout.

A layout is the header row as a province writes it, normalised (accents, case, spacing): the same
header row next time gets the mapping the admin chose last time.
"""

import hashlib
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _, gettext_lazy

from exchange.models import ColumnLayout
from plans.text import search_key

NUMBER, CONTENT, LEAD, COORDINATING, DEADLINE, PRODUCT, SKIP = (
    "number", "content", "lead", "coordinating", "deadline", "product", "skip",
)
FIELD_LABELS = {
    NUMBER: gettext_lazy("Số thứ tự"),
    CONTENT: gettext_lazy("Nội dung nhiệm vụ"),
    LEAD: gettext_lazy("Cơ quan chủ trì"),
    COORDINATING: gettext_lazy("Cơ quan phối hợp"),
    DEADLINE: gettext_lazy("Thời hạn"),
    PRODUCT: gettext_lazy("Sản phẩm"),
    SKIP: gettext_lazy("Bỏ qua"),
}
FIELDS = tuple(FIELD_LABELS)

# Header words, checked in this order: "Cơ quan chủ trì thực hiện nhiệm vụ" is the lead, not the content.
_GUESSES = (
    (NUMBER, re.compile(r"^(stt|tt|so tt|so thu tu|thu tu)$")),
    (LEAD, re.compile(r"chu tri|thuc hien chinh|don vi thuc hien|co quan thuc hien")),
    (COORDINATING, re.compile(r"phoi hop")),
    (DEADLINE, re.compile(r"thoi gian|thoi han|tien do|hoan thanh|moc")),
    (PRODUCT, re.compile(r"san pham|ket qua|hinh thuc")),
    (CONTENT, re.compile(r"noi dung|nhiem vu|giai phap|cong viec|hoat dong|ten de an")),
)
HEADER_SCAN_ROWS = 20


def guess_field(header: str) -> str:
    key = search_key(header).strip(" .:")
    for field, pattern in _GUESSES:
        if pattern.search(key):
            return field
    return SKIP


def find_header_row(rows: list[list[str]]) -> int:
    """The first row, among the first ones, where two columns or more read as fields and one of them
    is the content; else the first non-empty row."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        guesses = [guess_field(cell) for cell in row if cell]
        if CONTENT in guesses and len([g for g in guesses if g != SKIP]) >= 2:
            return index
    return next((i for i, row in enumerate(rows) if any(row)), 0)


def signature(headers: list[str]) -> str:
    normalised = "|".join(search_key(h) for h in headers)
    return hashlib.sha256(normalised.encode()).hexdigest()


@dataclass
class Proposal:
    fields: list[str]
    remembered: bool  # taken from a layout seen before


def propose(headers: list[str]) -> Proposal:
    layout = ColumnLayout.objects.filter(signature=signature(headers)).first()
    if layout is not None and len(layout.fields) == len(headers) and set(layout.fields) <= set(FIELDS):
        return Proposal(list(layout.fields), remembered=True)
    fields, taken = [], set()
    for header in headers:
        field = guess_field(header)
        if field != SKIP and field in taken:
            field = SKIP
        taken.add(field)
        fields.append(field)
    return Proposal(fields, remembered=False)


def mapping_errors(fields: list[str]) -> list[str]:
    """What is wrong with a chosen mapping, in Vietnamese; empty when it can be used."""
    errors = []
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        errors.append(_("Trường không hợp lệ: %(fields)s.") % {"fields": ", ".join(map(str, unknown))})
    if CONTENT not in fields:
        errors.append(_("Chưa có cột nào được ghép với “%(field)s”: đây là cột bắt buộc (mỗi nhiệm vụ cần nội dung).")
                      % {"field": FIELD_LABELS[CONTENT]})
    for field in FIELDS:
        if field != SKIP and fields.count(field) > 1:
            errors.append(_("“%(field)s” được ghép với %(count)s cột; mỗi trường chỉ ghép với một cột.")
                          % {"field": FIELD_LABELS[field], "count": fields.count(field)})
    return errors


@transaction.atomic
def remember(headers: list[str], fields: list[str]) -> ColumnLayout:
    layout, created = ColumnLayout.objects.select_for_update().get_or_create(
        signature=signature(headers), defaults={"headers": headers, "fields": fields}
    )
    if not created:
        ColumnLayout.objects.filter(pk=layout.pk).update(headers=headers, fields=fields, times_used=F("times_used") + 1)
        layout.refresh_from_db()
    return layout
