"""Reads data/reporting/regimes.csv into Regime rows (created or updated by code)."""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators.models import Indicator
from reporting.models import Regime

COLUMNS = {
    "Mã": "code", "Tên báo cáo": "name", "Căn cứ": "legal_basis", "Nội dung": "content",
    "Cấp báo cáo": "reporting_level", "Cấp nhận": "receiving_level", "Nơi nhận": "receiver", "Tần suất": "frequency",
    "Các kỳ": "period_numbers", "Cách tính hạn": "deadline_rule", "Ngày": "deadline_day", "Tháng": "deadline_month",
    "Số ngày làm việc": "deadline_working_days", "Ngày chốt": "cutoff_day", "Tháng chốt": "cutoff_month",
    "Số ngày được nhập sau ngày chốt": "lock_grace_days", "Báo người duyệt sau": "escalate_to_reviewer_after_days",
    "Báo lãnh đạo sau": "escalate_to_leader_after_days", "Áp dụng từ năm": "first_year", "Áp dụng đến năm": "last_year",
}
NUMBERS = {
    "reporting_level", "receiving_level", "deadline_day", "deadline_month", "deadline_working_days", "cutoff_day",
    "cutoff_month", "lock_grace_days", "escalate_to_reviewer_after_days", "escalate_to_leader_after_days",
    "first_year", "last_year",
}


@transaction.atomic
def load_regimes(path: Path) -> int:
    count = 0
    with path.open(encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            values = {field: (row.get(column) or "").strip() for column, field in COLUMNS.items()}
            values = {f: (int(v) if v else None) if f in NUMBERS else v for f, v in values.items()}
            values["requires_narrative"] = (row.get("Kèm phần lời") or "").strip().lower() in {"có", "co", "x", "1"}
            codes = [c.strip() for c in (row.get("Chỉ số") or "").split(";") if c.strip()]
            indicators = list(Indicator.objects.filter(code__in=codes))
            missing = set(codes) - {i.code for i in indicators}
            if missing:
                raise ValidationError(_("Dòng %(line)s: không có chỉ số %(codes)s.") % {"line": line, "codes": ", ".join(sorted(missing))})
            regime = Regime.objects.filter(code=values["code"]).first() or Regime()
            for field, value in values.items():
                if value is not None or field not in {"escalate_to_reviewer_after_days", "escalate_to_leader_after_days"}:
                    setattr(regime, field, value)
            try:
                regime.full_clean(exclude=["indicators"])
            except ValidationError as error:
                raise ValidationError(_("Dòng %(line)s: %(error)s") % {"line": line, "error": "; ".join(error.messages)}) from None
            regime.save()
            regime.indicators.set(indicators)
            count += 1
    return count
