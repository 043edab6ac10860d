"""Writes to the cascade. Keyword-only, validated, atomic."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from plans.models import BasisRelation, Document, DocumentBasis


def ensure_basis_keeps_cascade_acyclic(*, document: Document, basis: Document) -> None:
    """Refuse a basis link that would make a document rest, directly or not, on itself."""
    if document.pk == basis.pk:
        raise ValidationError(_("Văn bản không thể là căn cứ của chính nó."))
    # Walk up from the proposed basis; reaching `document` means the link closes a cycle.
    seen: set[int] = set()
    frontier = {basis.pk}
    while frontier:
        if document.pk in frontier:
            raise ValidationError(
                _("Không thể lấy %(basis)s làm căn cứ của %(document)s: %(basis)s đã (trực tiếp hoặc gián tiếp) "
                  "căn cứ vào %(document)s.") % {"basis": basis, "document": document}
            )
        seen |= frontier
        frontier = set(
            DocumentBasis.objects.filter(document_id__in=frontier).values_list("basis_id", flat=True)
        ) - seen


@transaction.atomic
def add_basis(*, document: Document, basis: Document, relation: str = BasisRelation.BASIS) -> DocumentBasis:
    """`document` rests on `basis` as `relation` says (căn cứ, thực hiện, thay thế, sửa đổi, bổ sung)."""
    ensure_basis_keeps_cascade_acyclic(document=document, basis=basis)
    link = DocumentBasis(document=document, basis=basis, relation=relation)
    link.full_clean()
    link.save()
    return link
