from decimal import Decimal

import pytest

from plans.text import format_number, parse_number, search_key


def test_search_key_strips_vietnamese_diacritics_and_d_bar():
    assert search_key("Sở Lao động – Thương binh và Xã hội Hậu Giang") == "so lao dong – thuong binh va xa hoi hau giang"
    assert search_key("ĐỒNG BẰNG  sông Cửu Long") == "dong bang song cuu long"


@pytest.mark.parametrize(
    "value, expected",
    [(1500000, "1.500.000"), (Decimal("1.84"), "1,84"), (Decimal("75000"), "75.000"), (Decimal("1.50"), "1,5"), (0, "0")],
)
def test_format_number_is_vietnamese(value, expected):
    assert format_number(value) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("75.000", Decimal("75000")), ("1,5", Decimal("1.5")), ("1.500.000,25", Decimal("1500000.25")), ("2500", Decimal("2500"))],
)
def test_parse_number_reads_vietnamese_input(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["1.5", "abc", "1,5,5", "", "12.34.5"])
def test_parse_number_refuses_ambiguous_or_bad_input_in_vietnamese(text):
    with pytest.raises(ValueError, match="không phải là số"):
        parse_number(text)
