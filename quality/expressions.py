"""The small, safe grammar of a rule's sides (no eval): terms joined by + and −.

    code  := GN03 | #{any-code}  (braces, as DHIS2's #{...}, for a code holding "-" or ".")
    term  := CODE | CODE[year-N] | CODE.field | CODE[year-N].field | sum_children(<one of those>) | NUMBER
    field := value | numerator | denominator | rate      (rate = 100 · numerator / denominator)

`GN03`, `GN01.rate`, `sum_children(GN03)`, `GN03[year-1] - HN03 + HN05 + HN04`. Like DHIS2's
validation rule sides, which are expressions over data elements.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

FIELDS = ("value", "numerator", "denominator", "rate")
_TERM = re.compile(
    r"^(?P<children>sum_children\()?\s*(?:#\{(?P<braced>[A-Za-z0-9_.\-]{1,20})\}|(?P<code>[A-Za-z][A-Za-z0-9_]{0,19}))"
    r"(?:\[year-(?P<offset>\d)\])?(?:\.(?P<field>[a-z]+))?\s*(?P<close>\))?$"
)
_SPLIT = re.compile(r"\s*([+\-−])\s*(?![^\[{]*[\]}])")  # not the "-" of "[year-1]" or "#{BENCH-Q01}"


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Term:
    sign: int
    code: str = ""  # "" for a number
    field: str = "value"
    year_offset: int = 0
    children: bool = False
    number: Decimal | None = None

    @property
    def is_number(self) -> bool:
        return self.number is not None


def parse(text: str) -> list[Term]:
    """The terms of one side; ExpressionError with a Vietnamese message on anything else."""
    source = (text or "").strip()
    if not source:
        raise ExpressionError(_("Biểu thức trống."))
    parts = _SPLIT.split(source)
    if parts[0] == "":  # a leading sign: "-GN03 + ..."
        parts = parts[1:]
    else:
        parts = ["+"] + parts
    if len(parts) % 2:
        raise ExpressionError(_("Biểu thức “%(source)s” kết thúc bằng dấu + hoặc −.") % {"source": source})
    terms = []
    for sign, token in zip(parts[0::2], parts[1::2]):
        terms.append(_term(1 if sign == "+" else -1, token.strip(), source))
    return terms


def _term(sign: int, token: str, source: str) -> Term:
    try:
        return Term(sign=sign, number=Decimal(token.replace(",", ".")))
    except InvalidOperation:
        pass
    match = _TERM.match(token)
    if not match or bool(match["children"]) != bool(match["close"]):
        raise ExpressionError(
            _("Không hiểu “%(token)s” trong “%(source)s”: dùng mã chỉ số (GN03), GN03.rate, "
              "GN03[year-1], sum_children(GN03).") % {"token": token, "source": source}
        )
    field = match["field"] or "value"
    if field not in FIELDS:
        raise ExpressionError(_("Trường “%(field)s” không có: chỉ dùng %(fields)s.")
                              % {"field": field, "fields": ', '.join(FIELDS)})
    return Term(sign=sign, code=(match["braced"] or match["code"].upper()), field=field, year_offset=int(match["offset"] or 0),
                children=bool(match["children"]))


def codes(terms: list[Term]) -> set[str]:
    return {t.code for t in terms if not t.is_number}
