"""What the reporting pages (indicators.views, indicators.task_report_views) share: the workflow
steps a detail page posts to, the edit-conflict notice, and the task lookup through the user's scope.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from indicators import selectors
from indicators.forms import ReportForm, ReturnForm, add_service_errors
from indicators.models import Target
from plans.models import Task
from review import provenance
from review.models import ReviewStatus

EDITABLE = {ReviewStatus.DRAFT, ReviewStatus.RETURNED}


def message_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def conflict_context(record, mine: str, theirs: str) -> dict:
    change = selectors.last_change(record=record)
    return {
        "mine": mine,
        "theirs": theirs,
        "by": provenance.audit_actor(change) if change else provenance.produced_by(record),
        "at": change.at if change else record.updated_at,
    }


def rebind(form_class: type[ReportForm], request: HttpRequest, version: int, **kwargs) -> ReportForm:
    """The user's form again, as typed, carrying the stored version so that they may save over it."""
    data = request.POST.copy()
    data["version"] = str(version)
    return form_class(data, **kwargs)


def target_in_scope(request: HttpRequest, target_id: int) -> Target:
    targets = (
        selectors.visible_targets(user=request.user).filter(indicator__isnull=False)  # qualitative: assessment page
        .select_related("indicator", "document", "territory" + selectors.PARENTS)
        .prefetch_related("compare_units")
    )
    return get_object_or_404(targets, pk=target_id)


def task_in_scope(request: HttpRequest, task_id: int) -> Task:
    tasks = (
        selectors.visible_tasks(user=request.user)
        .select_related("document", "lead_agency", "document__territory" + selectors.PARENTS)
        .prefetch_related("coordinating_agencies")
    )
    return get_object_or_404(tasks, pk=task_id)


# Checks other apps run on a figure saved on the entry page (quality: the data-quality rules), each
# returning warning messages; the figure stays saved.
SAVE_CHECKS: list = []


def warn_about(request: HttpRequest, actual) -> None:
    for check in SAVE_CHECKS:
        for message in check(actual):
            messages.warning(request, message)


def run_step(request: HttpRequest, success: str, transition) -> None:
    """Run one workflow step (submit, approve) and put its outcome in the messages."""
    try:
        transition()
    except ValidationError as error:
        message_errors(request, error)
    else:
        messages.success(request, success)


def workflow_step(request: HttpRequest, record, detail_view: str, success: str, transition) -> HttpResponse:
    """Run one workflow step and go back to the record's page with the outcome."""
    run_step(request, success, transition)
    return redirect(detail_view, record.pk)


def return_step(request: HttpRequest, record, detail_view: str, success: str, transition, page) -> HttpResponse:
    """Return a record for rework; a missing comment is shown on the form, which keeps what was typed."""
    form = ReturnForm(request.POST)
    form.is_valid()
    try:
        transition(form.cleaned_data.get("review_comment", ""))
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            message_errors(request, error)
            return redirect(detail_view, record.pk)
        add_service_errors(form, error)
        return page(form)
    messages.success(request, success)
    return redirect(detail_view, record.pk)
