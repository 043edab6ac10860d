"""Codes the admin never types: a new agency's from its territory and name."""

from collections import Counter

from django.utils.text import slugify

from exchange.services.names import key
from plans.models import AdministrativeUnit, Agency

MAX_LENGTH = Agency._meta.get_field("code").max_length


def territory_prefix(unit: AdministrativeUnit) -> str:
    """The prefix the unit's agencies already use ("hg" for Hậu Giang), else the initials of its name."""
    codes = Agency.objects.filter(unit=unit).values_list("code", flat=True)
    used = Counter(code.split("-", 1)[0] for code in codes if "-" in code)
    if used:
        return used.most_common(1)[0][0]
    words = slugify(unit.name).split("-")
    words = [w for w in words if w not in {"tinh", "thanh", "pho", "huyen", "quan", "thi", "xa", "phuong", "tran"}] or words
    return "".join(w[0] for w in words if w)[:6] or "cq"


def new_agency_code(*, written: str, prefix: str, taken: set[str]) -> str:
    """"hg-so-nn-va-mt" from "Sở NN&MT": the name as written, numbered on when taken. Adds the code to `taken`."""
    base = slugify(f"{prefix} {key(written)}")[: MAX_LENGTH - 4].strip("-") or prefix
    code, n = base, 2
    while code in taken or Agency.objects.filter(code=code).exists():
        code, n = f"{base}-{n}", n + 1
    taken.add(code)
    return code
