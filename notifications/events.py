"""What the rest of the app tells users: one function per event, called where the event happens
(indicators.services for the review cycle and explanations, exchange.tasks for imports and exports).

They never stand in the way of the action itself: each runs in a savepoint and a failure is logged,
not raised. Titles and bodies are kept in the site's language (Vietnamese), whatever the language
of the request that caused them; the email templates are in it too.
"""

import functools
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange.models import ImportStatus
from notifications import recipients
from notifications.models import Kind
from notifications.services import notify
from plans.access import Action
from reports.models import MonitoringReport
from review.models import ExplanationRequest, TaskReport

logger = logging.getLogger(__name__)


def never_blocking(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
                function(*args, **kwargs)
        except Exception:  # a message lost must not undo the approval or the import it is about
            logger.exception("Notification %s failed", function.__name__)

    return wrapper


def person(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _record_subject(record) -> tuple[str, str]:
    """What the record is, in words, and the page where its author sees (and fixes) it."""
    if isinstance(record, MonitoringReport):
        subject = _("%(unit)s, kỳ %(period)s") % {"unit": record.unit.name, "period": record.period_label}
        return subject, record.get_absolute_url()
    if isinstance(record, TaskReport):
        subject = _("%(task)s – %(agency)s, kỳ %(period)s") % {
            "task": record.task, "agency": record.agency.name, "period": record.period_label}
        return subject, reverse("task_report_detail", args=[record.pk])
    subject = _("%(indicator)s – %(unit)s, kỳ %(period)s") % {
        "indicator": f"{record.indicator.code} {record.indicator.name}", "unit": record.unit.name,
        "period": record.period_label}
    return subject, reverse("actual_detail", args=[record.pk])


# Per kind of record: the label of its event key, the titles when approved and when returned.
REVIEWED_TITLES = {
    "actual": (gettext_lazy("Số liệu được duyệt: %(subject)s"), gettext_lazy("Số liệu bị trả lại: %(subject)s")),
    "task_report": (gettext_lazy("Báo cáo nhiệm vụ được duyệt: %(subject)s"),
                    gettext_lazy("Báo cáo nhiệm vụ bị trả lại: %(subject)s")),
    "monitoring_report": (gettext_lazy("Báo cáo giám sát được duyệt: %(subject)s"),
                          gettext_lazy("Báo cáo giám sát bị trả lại: %(subject)s")),
}


@never_blocking
def record_reviewed(record, *, reviewer, approved: bool) -> None:
    """A figure, task report or monitoring report approved or returned: its author is told (not a
    reviewer reviewing their own, which the services refuse anyway)."""
    if record.created_by_id is None or record.created_by_id == reviewer.pk:
        return
    subject, link = _record_subject(record)
    label = {TaskReport: "task_report", MonitoringReport: "monitoring_report"}.get(type(record), "actual")
    title = str(REVIEWED_TITLES[label][0 if approved else 1]) % {"subject": subject}
    if approved:
        body = _("%(reviewer)s đã duyệt.") % {"reviewer": person(reviewer)}
    else:
        body = _("%(reviewer)s trả lại để sửa. Ý kiến: %(comment)s") % {
            "reviewer": person(reviewer), "comment": record.review_comment}
    notify(
        users=[record.created_by], kind=Kind.APPROVED if approved else Kind.RETURNED, title=title, body=body,
        link=link, key=f"{label}:{record.pk}:v{record.version}:{'approved' if approved else 'returned'}",
    )


def _explanation_subject(request: ExplanationRequest) -> str:
    return str(request.target) if request.target_id else str(request.task)


@never_blocking
def explanation_asked(request: ExplanationRequest, *, agency_ids: set[int] | None = None) -> None:
    """The officers who may answer (access: ANSWER_EXPLANATION on the unit, for a task its agencies)."""
    users = recipients.users_who_may(Action.ANSWER_EXPLANATION, request.unit, agency_ids).exclude(
        pk=request.requested_by_id)
    body = request.question
    if request.due_on:
        body += "\n" + _("Hạn trả lời: %(date)s") % {"date": formats.date_format(request.due_on, "d/m/Y")}
    notify(
        users=users, kind=Kind.EXPLANATION_ASKED, body=body, link=reverse("explanation_list"),
        title=_("Yêu cầu giải trình: %(subject)s") % {"subject": _explanation_subject(request)},
        key=f"explanation:{request.pk}:asked",
    )


@never_blocking
def explanation_answered(request: ExplanationRequest) -> None:
    """The leader who asked."""
    if request.requested_by_id == request.answered_by_id:
        return
    notify(
        users=[request.requested_by], kind=Kind.EXPLANATION_ANSWERED, link=reverse("explanation_list"),
        title=_("Đã có giải trình: %(subject)s") % {"subject": _explanation_subject(request)},
        body=_("%(person)s trả lời: %(answer)s") % {"person": person(request.answered_by), "answer": request.answer},
        key=f"explanation:{request.pk}:answered",
    )


@never_blocking
def import_done(record) -> None:
    """An import's check or apply, run on the queue, ended (exchange.tasks): who uploaded it is told."""
    if record.user_id is None:
        return
    name = record.file_name
    if record.status == ImportStatus.CHECKED:
        kind, title = Kind.JOB_FINISHED, _("Đã kiểm tra xong tệp %(name)s") % {"name": name}
        body = (_("Có %(count)s lỗi cần sửa trước khi ghi.") % {"count": record.error_count} if record.error_count
                else _("Không có lỗi: hãy xem lại các thay đổi và xác nhận để ghi."))
    elif record.status == ImportStatus.APPLIED:
        kind, title, body = Kind.JOB_FINISHED, _("Đã ghi xong tệp %(name)s") % {"name": name}, ""
    elif record.status == ImportStatus.FAILED:
        kind, title, body = Kind.JOB_FAILED, _("Không xử lý được tệp %(name)s") % {"name": name}, record.message
    else:
        return
    notify(users=[record.user], kind=kind, title=title, body=body,
           link=reverse("import_detail", args=[record.pk]), key=f"import:{record.pk}:{record.status}")


@never_blocking
def export_done(*, result_id, user_id: int | None, title: str, failed: bool) -> None:
    """A large export built on the queue (or not): who asked for it is told, with its page."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id is not None else None
    if user is None:
        return
    if failed:
        kind, message = Kind.JOB_FAILED, _("Không tạo được tệp xuất: %(name)s")
    else:
        kind, message = Kind.JOB_FINISHED, _("Tệp xuất đã sẵn sàng: %(name)s")
    notify(users=[user], kind=kind, title=message % {"name": title},
           link=reverse("export_job", args=[result_id]), key=f"export:{result_id}")
