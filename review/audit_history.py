"""A record's history in words, from its audit trail: who, when, what changed (before → after), why."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from plans.text import format_number
from review.models import ProgressState, ReviewStatus
from review.provenance import audit_actor
from review.workflow import audit_trail

ACTION_LABELS = {
    "create": _("Tạo mới"),
    "update": _("Sửa"),
    "submit": _("Gửi duyệt"),
    "approve": _("Duyệt"),
    "return": _("Trả lại"),
    "late_correction": _("Sửa sau khi duyệt"),
    "attach_evidence": _("Đính kèm minh chứng"),
    "replace_demo": _("Thay số liệu minh họa"),
}
# Bookkeeping that the trail does not need to repeat on every line.
QUIET_FIELDS = {"id", "version", "created_by", "reviewed_by", "submitted_at", "reviewed_at", "indicator", "unit",
                "task", "agency", "period_kind", "period_number", "year", "source"}
CHOICE_LABELS = {"status": ReviewStatus, "progress": ProgressState}


@dataclass
class AuditRow:
    at: datetime.datetime
    user_name: str
    label: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    reason: str = ""


def _field_label(model, name: str) -> str:
    if name == "evidence":
        return str(_("Minh chứng"))
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _value_text(name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if name in CHOICE_LABELS:
        try:
            return str(CHOICE_LABELS[name](value).label)
        except ValueError:
            return str(value)
    if isinstance(value, bool):
        return str(_("có")) if value else str(_("không"))
    if name in {"value", "numerator", "denominator"}:
        try:
            return format_number(Decimal(str(value)), 4)
        except InvalidOperation:
            return str(value)
    if name == "completed_on":
        try:
            return datetime.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    return str(value)


def audit_rows(record) -> list[AuditRow]:
    """The record's history, oldest first: who, when, what, before → after, why."""
    rows = []
    for entry in audit_trail(record).order_by("at", "id"):
        before, after = entry.before or {}, entry.after or {}
        changes = []
        for name, value in after.items():
            if name in QUIET_FIELDS or (entry.before is None and (value is None or value == "" or value is False)):
                continue
            old, new = _value_text(name, before.get(name)), _value_text(name, value)
            if old != new:
                changes.append((_field_label(type(record), name), old, new))
        rows.append(
            AuditRow(
                at=entry.at,
                user_name=audit_actor(entry),
                label=str(ACTION_LABELS.get(entry.action, entry.action)),
                changes=changes,
                reason=entry.reason,
            )
        )
    return rows
