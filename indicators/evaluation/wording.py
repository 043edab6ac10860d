"""How the explanations write numbers, units, bounds and the shared tails ("chưa có số liệu năm …").

Numbers are written the Vietnamese way (1,9; 75.000) in every language; the words are translated.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.evaluation.results import dec
from indicators.models import MeasureUnit
from plans.text import format_number

# The measure units' own labels (indicators.models.MeasureUnit), as they follow a number.
UNIT_TEXT = {
    MeasureUnit.PERCENT: "%",
    MeasureUnit.POINTS: gettext_lazy("điểm %"),
    MeasureUnit.HOUSEHOLDS: gettext_lazy("hộ"),
    MeasureUnit.PERSONS: gettext_lazy("người"),
    MeasureUnit.WORKERS: gettext_lazy("lao động"),
    MeasureUnit.COMMUNES: gettext_lazy("xã"),
    MeasureUnit.VILLAGES: gettext_lazy("thôn, bản"),
    MeasureUnit.DISTRICTS: gettext_lazy("huyện"),
    MeasureUnit.YES_NO: "",
    MeasureUnit.TIMES: gettext_lazy("lần"),
    MeasureUnit.PERSON_TIMES: gettext_lazy("lượt người"),
    MeasureUnit.WORKS: gettext_lazy("công trình"),
    MeasureUnit.VND: gettext_lazy("đồng"),
    MeasureUnit.THOUSAND_VND: gettext_lazy("nghìn đồng"),
    MeasureUnit.MILLION_VND: gettext_lazy("triệu đồng"),
    MeasureUnit.BILLION_VND: gettext_lazy("tỷ đồng"),
    MeasureUnit.VND_PER_PERSON_MONTH: gettext_lazy("đồng/người/tháng"),
    MeasureUnit.MILLION_VND_PER_PERSON_YEAR: gettext_lazy("triệu đồng/người/năm"),
}
POSTPOSITIVE = ("trở lên", "trở xuống")


def unit_text(unit: str | None) -> str:
    return str(UNIT_TEXT.get(unit, ""))


def yes_no(value) -> str:
    return _("có") if value else _("không")


def number_text(value: Decimal, unit: str | None, decimals: int = 2) -> str:
    """1,9% ; 1,2 điểm % ; 75.000 lao động ; có / không."""
    if unit == MeasureUnit.YES_NO:
        return yes_no(value)
    text = format_number(value, decimals)
    if unit == MeasureUnit.PERCENT:
        return f"{text}%"
    if unit in UNIT_TEXT:
        return f"{text} {unit_text(unit)}"
    return text


def per_year_text(unit: str) -> str:
    """ "%/năm", " điểm %/năm", " hộ/năm"."""
    per_year = _("/năm")
    if unit == MeasureUnit.PERCENT:
        return f"%{per_year}"
    text = unit_text(unit)
    return f" {text}{per_year}" if text else per_year


def date_text(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def normal(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").lower().split())


def has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


def bound_phrase(target, *, with_unit: bool = True) -> str:
    """The bound as written: "còn 1,84%", "1,5–1,7", "3,5 trở lên", "khoảng 2.500 lao động",
    "không còn xã" (the qualifier is the plan's own words, never translated)."""
    low, high = dec(target.min_value), dec(target.max_value)
    unit = target.unit
    qualifier = " ".join((target.qualifier or "").split())
    if unit == MeasureUnit.YES_NO:
        bound = low if low is not None else high
        return qualifier or yes_no(bound)
    if low is not None and high is not None and low != high:
        numbers = f"{format_number(low)}–{format_number(high)}"
    else:
        numbers = format_number(low if low is not None else high)
    if with_unit:
        numbers = f"{numbers}%" if unit == MeasureUnit.PERCENT else f"{numbers} {unit_text(unit)}".rstrip()
    q = normal(qualifier)
    if not q or "..." in q or "…" in q:
        return numbers
    if q in POSTPOSITIVE:
        return f"{numbers} {qualifier}"
    bound = high if high is not None else low
    if "không còn" in q and bound == 0:
        return f"{qualifier} {unit_text(unit)}".rstrip()
    return f"{qualifier} {numbers}"


def missing_final(as_of_year: int, final_year: int) -> str:
    """The tail of a progress status once the final year has passed without its figure."""
    if as_of_year <= final_year:
        return ""
    return "; " + _("chưa có số liệu năm %(year)s") % {"year": final_year}


def progress_text(done: Decimal, share: Decimal, unit: str, elapsed: int, span: int) -> str:
    percent = done * 100 / share if share else Decimal(0)
    return _("bằng %(percent)s%% tiến độ cần đạt (%(share)s sau %(elapsed)s/%(span)s năm)") % {
        "percent": format_number(percent, 1), "share": number_text(share, unit), "elapsed": elapsed, "span": span,
    }
