"""The rules in the workbook preview: row-level warnings beside the errors (blocking only for rules of
severity "Chặn"), over the figures of the "Số liệu thực hiện" sheet itself.

Only the rules that compare figures of one unit and period (no [year-N], no sum_children) apply here:
the others need figures the file may not hold; the data-quality page runs them after the import.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from exchange.workbook.bulk_rows import COL_DENOMINATOR, COL_NUMERATOR, COL_VALUE, decimal_cell
from exchange.workbook.results import RowError, SheetRows, dataset_rows
from plans.text import format_number
from quality.engine import field_value, passes
from quality.expressions import Term, parse
from quality.models import QualityRule, Severity
from review.models import ReportingPeriod

SHEET = "actuals"
KEY_COLUMNS = ("Mã địa bàn", "Bản đồ", "Năm", "Kỳ", "Số kỳ")  # across standards: HN01 has none, GN03 has one


def _rules() -> list[tuple[QualityRule, list[Term], list[Term]]]:
    rules = []
    for rule in QualityRule.objects.filter(is_active=True, period_kind=ReportingPeriod.YEAR):
        left, right = parse(rule.left_side), parse(rule.right_side)
        if not any(t.children or t.year_offset for t in left + right):
            rules.append((rule, left, right))
    return rules


def _side(terms: list[Term], figures: dict) -> Decimal | None:
    total = Decimal(0)
    for term in terms:
        if term.is_number:
            total += term.sign * term.number
            continue
        row = figures.get(term.code)
        value = None if row is None else field_value(row[:3], term.field)
        if value is None:
            return None
        total += term.sign * value
    return total


def check_rows(sheets: dict) -> tuple[list[RowError], list[RowError]]:
    """(warnings, blocking errors) of the sheet's figures of the whole (no breakdown)."""
    sheet = sheets.get(SHEET)
    rules = _rules() if sheet is not None else []
    if not rules:
        return [], []
    headers = list(sheet.headers or [])
    if not {"Mã chỉ số", COL_VALUE, *KEY_COLUMNS[:3]} <= set(headers):
        return [], []
    at = {name: headers.index(name) for name in headers}
    rows = sheet.open_rows() if isinstance(sheet, SheetRows) else dataset_rows(sheet)
    groups: dict[tuple, dict[str, tuple]] = {}
    for number, values in rows:
        def cell(name):
            return values[at[name]] if name in at and at[name] < len(values) else None

        if str(cell("Nhóm phân tổ") or "").strip():
            continue
        try:
            figure = tuple(decimal_cell(cell(name)) for name in (COL_VALUE, COL_NUMERATOR, COL_DENOMINATOR))
        except (ValueError, ArithmeticError):
            continue  # the import reports the cell
        key = tuple(str(cell(name) or "").strip().lower() for name in KEY_COLUMNS)
        groups.setdefault(key, {})[str(cell("Mã chỉ số") or "").strip().upper()] = (*figure, number)
    warnings, blocking = [], []
    for figures in groups.values():
        for rule, marked, message in broken_rules(figures, rules):
            error = RowError(SHEET, marked[3], f"{COL_VALUE}: {message}", COL_VALUE)
            (blocking if rule.severity == Severity.BLOCK else warnings).append(error)
    return warnings, blocking


def broken_rules(figures: dict, rules=None) -> list[tuple[QualityRule, tuple, str]]:
    """(rule, the marked figure, message) of every same-period rule the figures of one unit and period
    break; `figures` maps an indicator code to (value, numerator, denominator, reference)."""
    broken = []
    for rule, left_terms, right_terms in _rules() if rules is None else rules:
        marked = figures.get(rule.marked_code)
        left = None if marked is None else _side(left_terms, figures)
        right = None if left is None else _side(right_terms, figures)
        if right is None or passes(rule.operator, left - right, rule.allowed_gap):
            continue
        text = _("%(rule)s: %(left_side)s = %(left)s, %(right_side)s = %(right)s (chênh lệch %(gap)s).") % {
            "rule": rule.name, "left_side": rule.left_side, "left": format_number(left, 4),
            "right_side": rule.right_side, "right": format_number(right, 4), "gap": format_number(left - right, 4)}
        broken.append((rule, marked, text))
    return broken
