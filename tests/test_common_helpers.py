"""The shared spreadsheet and COPY helpers every export and bulk load goes through."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection

from common.pg_copy import copy_line, copy_rows
from common.spreadsheets import escape_formula, unescape_formula, write_xlsx


@pytest.mark.parametrize("text", ["=1+1", "+84", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_triggers_are_escaped_and_read_back(text):
    assert escape_formula(text) == "'" + text
    assert unescape_formula(escape_formula(text)) == text


def test_plain_values_pass_untouched():
    assert [escape_formula(v) for v in ("Hậu Giang", 3, None)] == ["Hậu Giang", 3, None]
    assert unescape_formula("'quoted") == "'quoted"


def test_write_xlsx_escapes_text_strips_control_characters_and_keeps_numbers():
    target = io.BytesIO()
    write_xlsx([("Số liệu", ["Mã", "Giá trị"], [["=HYPERLINK(1)", Decimal("4.03")], ["a\x01b", 7]])], target)
    sheet = openpyxl.load_workbook(io.BytesIO(target.getvalue()))["Số liệu"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Mã", "Giá trị"], ["'=HYPERLINK(1)", 4.03], ["ab", 7]]


def test_copy_line_writes_copy_text_format():
    assert copy_line([None, True, date(2025, 7, 1), "a\tb\\c\nd", 5]) == "\\N\tt\t2025-07-01\ta b\\\\c d\t5\n"


@pytest.mark.django_db
def test_copy_rows_loads_every_row_exactly():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copy_probe (n integer, label text, day date)")
        copy_rows(cursor, table="copy_probe", columns=["n", "label", "day"],
                  rows=((n, f"xã {n}\t" if n % 2 else None, date(2025, 1, 1)) for n in range(10_000)))
        cursor.execute("SELECT count(*), count(label), sum(n), min(label) FROM copy_probe")
        assert cursor.fetchone() == (10_000, 5_000, sum(range(10_000)), "xã 1 ")
