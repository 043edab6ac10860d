"""Rules from a CSV (data/quality_rules.csv): created or updated by code, each checked."""

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from quality.models import Operator, QualityRule, Severity
from review.models import ReportingPeriod

SEVERITIES = {str(label).lower(): value for value, label in Severity.choices} | {v: v for v in Severity.values}
PERIODS = {str(label).lower(): value for value, label in ReportingPeriod.choices} | {v: v for v in ReportingPeriod.values}
YES = {"có", "co", "x", "1", "true"}


def _decimal(text: str, row: int) -> Decimal:
    try:
        return Decimal((text or "0").strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("Dòng %(line)s: “%(text)s” không phải là số.") % {"line": row, "text": text}) from None


@transaction.atomic
def load_rules(path: Path) -> int:
    """Create or update the rules of the file; ValidationError (Vietnamese, with the row) on bad input."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for position, row in enumerate(rows, start=1):
        line = position + 1
        operator = row["Phép so sánh"].strip()
        if operator not in Operator.values:
            raise ValidationError(_("Dòng %(line)s: phép so sánh “%(operator)s” không có (dùng ==, !=, <, <=, >, >=).")
                                  % {"line": line, "operator": operator})
        severity = SEVERITIES.get(row["Mức độ"].strip().lower())
        period = PERIODS.get((row.get("Kỳ") or "Năm").strip().lower())
        if severity is None or period is None:
            raise ValidationError(_("Dòng %(line)s: mức độ phải là Cảnh báo hoặc Chặn; kỳ phải là Năm, 6 tháng "
                                    "hoặc Quý.")
                                  % {"line": line})
        decimals = (row.get("Số chữ số thập phân khi công bố") or "").strip()
        rule = QualityRule.objects.filter(code=row["Mã quy tắc"].strip()).first() or QualityRule(code=row["Mã quy tắc"].strip())
        rule.name, rule.description = row["Tên quy tắc"].strip(), row["Mô tả"].strip()
        rule.left_side, rule.operator, rule.right_side = row["Vế trái"].strip(), operator, row["Vế phải"].strip()
        rule.tolerance = _decimal(row.get("Sai số cho phép"), line)
        rule.rounding_decimals = int(decimals) if decimals.isdecimal() else None
        rule.severity, rule.period_kind = severity, period
        rule.is_active = (row.get("Đang áp dụng") or "Có").strip().lower() in YES
        rule.position = position
        try:
            rule.full_clean()
        except ValidationError as error:
            raise ValidationError(_("Dòng %(line)s: %(messages)s")
                                  % {"line": line, "messages": '; '.join(error.messages)}) from None
        rule.save()
    return len(rows)
