"""The review workflow shared by reported figures and task reports, and the audit trail.

draft → submitted → approved, or returned (with a required comment) → submitted again.
An approved record is locked: changing it needs a reason, re-opens approval and marks it as a
late correction. Saves carry the version the user started from; a stale version is refused so
that the second of two concurrent edits never overwrites the first.
"""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from review.models import AuditEntry, ReviewedRecord, ReviewStatus


class EditConflict(Exception):
    """Someone saved the record after the user opened it. `current` is what is stored now."""

    def __init__(self, current: ReviewedRecord):
        super().__init__("Bản ghi đã được người khác sửa.")
        self.current = current


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """The record's field values as JSON-safe text, for the audit trail."""
    values = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"created_at", "updated_at", "search_key"}:
            continue
        value = getattr(instance, field.attname)
        if isinstance(value, (Decimal, datetime.date, datetime.datetime)):
            value = str(value)
        values[field.name] = value
    return values


def record_audit(*, user, instance: models.Model, action: str, before: dict | None, after: dict | None, reason: str = "") -> AuditEntry:
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        object_repr=str(instance)[:300],
        action=action,
        user=user if user and user.is_authenticated else None,
        before=before,
        after=after,
        reason=reason,
    )


def audit_trail(instance: models.Model):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=instance.pk
    ).select_related("user")


def check_version(record: ReviewedRecord, expected_version: int) -> None:
    """`expected_version` is the version the user's form started from; 0 for an empty form.

    A stored record with another version means someone saved in between: refuse, never overwrite.
    """
    if record.pk and record.version != expected_version:
        raise EditConflict(record)


def prepare_edit(record: ReviewedRecord, *, reason: str) -> None:
    """Before changing a record's content: an approved one needs a reason and re-opens review."""
    if record.status == ReviewStatus.SUBMITTED:
        raise ValidationError(_("Bản ghi đang chờ duyệt; chờ người duyệt trả lại trước khi sửa."))
    if record.status == ReviewStatus.APPROVED:
        if not reason.strip():
            raise ValidationError({"correction_reason": _("Số liệu đã được duyệt: hãy ghi lý do sửa.")})
        record.is_late_correction = True
        record.correction_reason = reason.strip()
        record.status = ReviewStatus.SUBMITTED
        record.submitted_at = timezone.now()
        record.reviewed_by = None
        record.reviewed_at = None


def begin_edit(record: ReviewedRecord, *, expected_version: int, reason: str) -> dict:
    """Before changing a stored record's content: version check, lock rules, new version.

    Returns the record as it was, for the audit trail.
    """
    check_version(record, expected_version)
    before = snapshot(record)
    prepare_edit(record, reason=reason)
    bump(record)
    return before


def save_edit(*, user, record: ReviewedRecord, before: dict | None, reason: str) -> None:
    """Validate, save and audit a created or edited record (a late correction when it was approved)."""
    record.full_clean()
    record.save()
    if before is None:
        action = "create"
    elif before["status"] == ReviewStatus.APPROVED:
        action = "late_correction"
    else:
        action = "update"
    record_audit(user=user, instance=record, action=action, before=before, after=snapshot(record), reason=reason)


def bump(record: ReviewedRecord) -> None:
    record.version += 1


def apply_edit(*, user, record: ReviewedRecord, content: dict, expected_version: int, reason: str) -> ReviewedRecord:
    """Change a stored record's content: version check, lock rules, a new version, saved and audited."""
    before = begin_edit(record, expected_version=expected_version, reason=reason)
    for name, value in content.items():
        setattr(record, name, value)
    save_edit(user=user, record=record, before=before, reason=reason)
    return record


def apply_step(*, user, record: ReviewedRecord, change, audit_action: str, reason: str = "") -> ReviewedRecord:
    """One step of the workflow (submit, approve, return): the change, a new version, saved and audited."""
    before = snapshot(record)
    change(record)
    bump(record)
    record.save()
    record_audit(user=user, instance=record, action=audit_action, before=before, after=snapshot(record), reason=reason)
    return record


def submit(record: ReviewedRecord) -> None:
    if record.status not in {ReviewStatus.DRAFT, ReviewStatus.RETURNED}:
        raise ValidationError(_("Chỉ gửi được bản nháp hoặc bản bị trả lại."))
    record.status = ReviewStatus.SUBMITTED
    record.submitted_at = timezone.now()


def approve(record: ReviewedRecord, *, reviewer) -> None:
    if record.status != ReviewStatus.SUBMITTED:
        raise ValidationError(_("Chỉ duyệt được bản đã gửi."))
    record.status = ReviewStatus.APPROVED
    record.review_comment = ""
    record.reviewed_by = reviewer
    record.reviewed_at = timezone.now()


def return_for_rework(record: ReviewedRecord, *, reviewer, comment: str) -> None:
    if record.status != ReviewStatus.SUBMITTED:
        raise ValidationError(_("Chỉ trả lại được bản đã gửi."))
    if not comment.strip():
        raise ValidationError({"review_comment": _("Hãy ghi lý do trả lại để người nhập biết cần sửa gì.")})
    record.status = ReviewStatus.RETURNED
    record.review_comment = comment.strip()
    record.reviewed_by = reviewer
    record.reviewed_at = timezone.now()
