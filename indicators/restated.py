"""A target restates ("cụ thể hóa") a target of a document its own document rests on.

The rule: the restated target's document is one of the document's bases, directly or through
them (a district plan that cites the province's plan may restate a target of Chỉ thị 05, which
the province's plan cites). Any relation of the "Căn cứ" sheet counts (căn cứ, thực hiện, thay
thế, sửa đổi). Checked by the workbook import (TargetResource) and the admin form.
"""

from django.utils.translation import gettext as _

from plans.models import DocumentBasis


def base_document_ids(document_id: int) -> set[int]:
    """Every document `document_id` rests on, at any depth: one query per level of the chain."""
    found: set[int] = set()
    frontier = {document_id}
    while frontier:
        parents = set(DocumentBasis.objects.filter(document_id__in=frontier).values_list("basis_id", flat=True))
        frontier = parents - found - {document_id}
        found |= frontier
    return found


def restates_error(target) -> str | None:
    """Why `target` may not restate its `restates`, in Vietnamese; None when it may (or restates none)."""
    if target.restates_id is None or target.document_id is None:
        return None
    return parent_error(target.document, target.restates)


def parent_error(document, parent) -> str | None:
    """Why a target of `document` may not restate `parent` (a Target), in Vietnamese; None when it may."""
    if document is None or parent is None:
        return None
    if parent.document_id == document.pk:
        return _("Chỉ tiêu %(code)s thuộc chính văn bản này: chọn chỉ tiêu của một văn bản căn cứ.") % {
            "code": parent.code}
    if parent.document_id in base_document_ids(document.pk):
        return None
    return _(
        "Chỉ tiêu %(target)s của %(parent)s không thuộc văn bản căn cứ nào của %(document)s (kể cả căn cứ của các "
        "văn bản căn cứ). Thêm %(parent)s vào căn cứ của %(document)s (sheet “Căn cứ”), hoặc chọn chỉ tiêu của một "
        "văn bản căn cứ."
    ) % {"target": parent.code, "parent": parent.document, "document": document}


class RestatedBasisFormMixin:
    """For a ModelForm of Target with "document" and "restates": the rule, on the "restates" field."""

    def clean(self):
        cleaned = super().clean()
        message = parent_error(cleaned.get("document"), cleaned.get("restates"))
        if message:
            self.add_error("restates", message)
        return cleaned
