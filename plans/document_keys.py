"""The stable key of a document: its identity even when its number is unknown or later corrected."""

from django.utils.text import slugify

from plans.text import search_key

MAX_LENGTH = 120


def _base(document) -> str:
    issuer = document.issuer.code if document.issuer_id else "vb"
    if document.number:
        return slugify(search_key(f"{issuer} {document.number}").replace("/", " "))[:MAX_LENGTH - 4]
    day = f"{document.issued_on:%Y%m%d}" if document.issued_on else "chua-ro-ngay"
    return slugify(f"{issuer} {document.kind or 'van-ban'} chua-so {day}")[:MAX_LENGTH - 4]


def new_document_key(document) -> str:
    """"tw-bbt-05-ct-tw" from the issuer's code and the number; for a document cited without a number,
    the issuer, kind and date ("ubnd-hg-plan-chua-so-20220209"), numbered on when taken."""
    base = _base(document)
    taken = set(
        type(document).objects.filter(key__startswith=base).exclude(pk=document.pk).values_list("key", flat=True)
    )
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key
