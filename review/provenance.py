"""Who or what produced a record, in words: one answer for every page, export and audit view.

Many figures and task reports have no author: figures computed from the household register
(real or synthetic), illustrative figures, figures imported without a signed-in user. Nothing
that shows a record may assume `created_by` is set; it asks here instead.

These functions read only what the record already holds (`created_by_id`, `import_record_id`,
`source`): a list that shows them selects the related rows with `with_provenance()` so that a
row costs no query.
"""

import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from review.models import RecordSource

NOBODY = "—"
# An import's file name and dates are all a list needs; its stored changes and errors can be large.
IMPORT_RECORD_HEAVY_FIELDS = ("counts", "changes", "errors", "message", "file")


def person_name(user) -> str:
    """A user's full name, else their user name; "—" for nobody."""
    if user is None:
        return NOBODY
    full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full_name or getattr(user, "username", "") or NOBODY


def _date_text(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%d/%m/%Y")


def import_text(import_record, *, person: str = "") -> str:
    """"Nhập từ tệp X (05/12/2026)", or with the person who imported it
    "Nguyễn Văn A · nhập từ tệp X (05/12/2026)"; plain "Nhập từ tệp" when the import is unknown."""
    if import_record is None:
        return _("%(person)s · nhập từ tệp") % {"person": person} if person else _("Nhập từ tệp")
    values = {
        "person": person,
        "file": import_record.file_name,
        "date": _date_text(import_record.applied_at or import_record.created_at),
    }
    if person:
        return _("%(person)s · nhập từ tệp %(file)s (%(date)s)") % values
    return _("Nhập từ tệp %(file)s (%(date)s)") % values


def source_text(source: str) -> str:
    """What produced a record that has no author, by its source."""
    texts = {
        RecordSource.IMPORTED: _("Nhập từ tệp"),
        RecordSource.REGISTER: _("Tính từ sổ hộ nghèo"),
        RecordSource.SYNTHETIC: _("Tính từ sổ hộ giả lập"),
        RecordSource.ILLUSTRATIVE: _("Số liệu minh họa (tự sinh)"),
    }
    return texts.get(source, NOBODY)


def produced_by(record) -> str:
    """Who or what produced an Actual or a TaskReport: the person who entered it, the import
    (file name, date), the register recompute or the illustrative generator."""
    person = person_name(record.created_by) if record.created_by_id else ""
    if record.source == RecordSource.IMPORTED:
        return import_text(record.import_record if record.import_record_id else None, person=person)
    return person or source_text(record.source)


# Audit entries written without a user name what wrote them in their action: "import" for the
# workbook and bulk imports, or a RecordSource value ("register", "synthetic", "illustrative").
IMPORT_ACTION = "import"
IMPORT_REASON_PREFIX = "Nhập từ tệp "


def audit_actor(entry) -> str:
    """Who made an audit entry: the user, else what wrote it (an import, the register recompute, the generator)."""
    if entry.user_id:
        return person_name(entry.user)
    if entry.action in (IMPORT_ACTION, RecordSource.IMPORTED):
        reason = entry.reason or ""
        if reason.startswith(IMPORT_REASON_PREFIX):
            return _("Nhập từ tệp %(file)s") % {"file": reason[len(IMPORT_REASON_PREFIX):]}
        return _("Nhập từ tệp")
    if entry.action in RecordSource.values:
        return source_text(entry.action)
    return _("Hệ thống")


def with_provenance(records: QuerySet, prefix: str = "") -> QuerySet:
    """The records with what produced_by() reads, joined in the same query."""
    return records.select_related(f"{prefix}created_by", f"{prefix}import_record").defer(
        *(f"{prefix}import_record__{name}" for name in IMPORT_RECORD_HEAVY_FIELDS)
    )
