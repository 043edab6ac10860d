"""Write a previewed appendix: new agencies, then the tasks with their agencies, in one transaction,
recorded as an ImportRecord of the imports' history with an audit entry for every record written."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exchange.models import AppendixUpload, ImportRecord, ImportStatus
from exchange.services.preview import Preview, build_preview
from plans.models import Agency, Task
from review.provenance import IMPORT_ACTION, IMPORT_REASON_PREFIX
from review.workflow import record_audit, snapshot


class NotApplicable(Exception):
    """The appendix cannot be written (already written, or the preview has errors). str() is Vietnamese."""


def _audit(user, instance, before, reason) -> None:
    record_audit(user=user, instance=instance, action=IMPORT_ACTION, before=before, after=snapshot(instance), reason=reason)


def _create_agencies(preview: Preview, *, unit, user, reason: str) -> dict[str, Agency]:
    created = {}
    for ref, new in preview.new_agencies.items():
        agency = Agency(code=new.code, name=new.name, short_name=new.short_name, kind=new.kind, unit=unit,
                        note=_("Tạo khi nhập phụ lục “%(file)s”.") % {"file": preview.upload.file_name})
        agency.full_clean()
        agency.save()
        _audit(user, agency, None, reason)
        created[ref] = agency
    return created


def _write_tasks(preview: Preview, agencies: dict[str, Agency], *, user, reason: str) -> tuple[int, int, list[dict]]:
    document = preview.upload.document
    others = Task.objects.filter(document=document).exclude(number__in=[line.task.number for line in preview.lines])
    position = max(others.values_list("position", flat=True), default=0)
    written: dict[str, Task] = {}
    new = updated = 0
    changes = []
    for line in preview.lines:
        planned, task = line.task, line.existing
        before = snapshot(task) if task else None
        task = task or Task(document=document, number=planned.number)
        position += 1
        lead = next((agencies[m.ref] for m in line.lead if m.ref in agencies), None)
        coordinating = {agencies[m.ref].pk for m in line.lead[1:] + line.coordinating if m.ref in agencies}
        coordinating.discard(lead.pk if lead else None)
        task.position, task.parent = position, written.get(planned.parent_number) or (
            Task.objects.filter(document=document, number=planned.parent_number).first() if planned.parent_number else None)
        task.title, task.text = (planned.title, "") if planned.is_group else ("", planned.full_text())
        task.lead_agency, task.deadline_text = lead, planned.deadline_text
        task.due_on, task.recurrence = planned.due_on, planned.recurrence
        task.full_clean(validate_unique=False)
        task.save()
        task.coordinating_agencies.set(coordinating)
        _audit(user, task, before, reason)
        written[planned.number] = task
        if before is None:
            new += 1
        else:
            updated += 1
            after = snapshot(task)
            fields = [[name, str(before.get(name) or ""), str(after.get(name) or "")] for name in ("title", "text", "deadline_text")
                      if before.get(name) != after.get(name)]
            if fields:
                changes.append({"sheet": "tasks", "row": planned.line, "key": planned.number, "fields": fields})
    return new, updated, changes


def apply_upload(upload_id: int, *, user, choices: dict[str, str]) -> AppendixUpload:
    """Write everything the preview shows with the admin's `choices`, or nothing (NotApplicable)."""
    with transaction.atomic():
        upload = AppendixUpload.objects.select_for_update().select_related("document__territory").get(pk=upload_id)
        if upload.is_applied:
            raise NotApplicable(_("Phụ lục này đã được ghi rồi; tải tệp lên lại nếu muốn nhập lần nữa."))
        preview = build_preview(upload, choices=choices)
        if preview.errors:
            raise NotApplicable(_("Phụ lục còn lỗi; không ghi gì.") + " " + " ".join(preview.errors))
        reason = f"{IMPORT_REASON_PREFIX}{upload.file_name}"[:300]
        document = upload.document
        try:
            created = _create_agencies(preview, unit=document.territory, user=user, reason=reason)
            new, updated, changes = _write_tasks(preview, {**preview.agencies, **created}, user=user, reason=reason)
        except ValidationError as error:
            raise NotApplicable(_("Không ghi được: %(error)s") % {"error": "; ".join(error.messages)}) from None
        except IntegrityError:  # a code or number taken meanwhile by another import; nothing was written
            raise NotApplicable(_("Dữ liệu vừa thay đổi trong lúc ghi; không ghi gì. Hãy xem trước và xác nhận lại.")) from None
        rows = len(preview.lines)
        record = ImportRecord(
            user=user if user is not None and user.is_authenticated else None, file_name=upload.file_name,
            checksum=upload.checksum, size=upload.size, status=ImportStatus.APPLIED, rows_total=rows, rows_done=rows,
            counts={
                "agencies": {"new": len(created), "changed": 0, "unchanged": len({a.pk for a in preview.agencies.values()}), "wrong": 0},
                "tasks": {"new": new, "changed": updated, "unchanged": 0, "wrong": 0},
            },
            changes=changes, checked_at=timezone.now(), applied_at=timezone.now(),
        )
        record.file.name = upload.file.name  # the same stored file, not a copy
        record.save()
        upload.import_record, upload.decisions = record, preview.choices
        upload.save(update_fields=["import_record", "decisions"])
    return upload
