"""Text helpers shared by every app."""

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

# Control characters (NUL, tabs, line breaks...) separate words like a space; PostgreSQL refuses NUL in text.
_CONTROLS_TO_SPACE = {code: " " for code in (*range(0x20), *range(0x7F, 0xA0))}


def search_key(*parts: str | None) -> str:
    """A diacritic-free, lower-case key, the same on SQLite and PostgreSQL.

    "Sở Lao động – Thương binh" -> "so lao dong – thuong binh". Stored beside the text so that
    searching "ha giang" finds "Hà Giang" and "Hậu Giang" without database extensions.
    """
    text = " ".join(p for p in parts if p).translate(_CONTROLS_TO_SPACE)
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def format_number(value: Decimal | int | float | None, max_decimals: int = 2) -> str:
    """Vietnamese number format: "." between thousands, "," before decimals, no trailing zeros:
    1.500.000 ; 1,84 ; 12,09 for a stored 12.0900."""
    if value is None:
        return ""
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-max_decimals), rounding=ROUND_HALF_UP)
    if not number:
        number = abs(number)  # -0,001 rounds to 0, not "-0"
    text = f"{number:,.{max_decimals}f}".rstrip("0").rstrip(".") if max_decimals else f"{number:,.0f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def parse_number(text: str) -> Decimal:
    """Read a number as Vietnamese users type it ("75.000", "1,5", "1.500.000,25").

    Raises ValueError with a Vietnamese message when the text is not a number.
    """
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if not re.fullmatch(r"[-+]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?", cleaned):
        raise ValueError(_("“%(text)s” không phải là số (viết 1.500.000 hoặc 1,84).") % {"text": text})
    return Decimal(cleaned.replace(".", "").replace(",", "."))


def query_number(raw: str | None, max_digits: int = 9) -> int | None:
    """A whole number from a query parameter (?nam=2025, ?dia_ban=12); None when it is not one.

    ASCII digits only: str.isdigit() also accepts "²", which int() refuses; and the length is
    bounded (int() refuses 5.000 digits, an integer column overflows long before).
    """
    text = (raw or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= max_digits:
        return int(text)
    return None
