"""Pages of the review cycle around the figures and task reports: "Việc của tôi", the review queue,
evidence downloads and explanation requests.

Thin as every view here: records come through selectors that start from access.scope(), writes
through services that call access.require().
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indicators import selectors, services
from indicators.forms import AnswerForm, ExplanationRequestForm
from indicators.models import Target
from indicators.view_helpers import message_errors, target_in_scope, task_in_scope
from plans.models import Task
from plans.text import query_number
from review import worklist


def _next_url(request: HttpRequest, fallback: str) -> str:
    """?next= when it is a path of this site; anything else (a view name to redirect() would look up,
    another host, javascript:) gives the fallback."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback




# ---------------------------------------------------------------------------------------------
# Việc của tôi


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    year = selectors.reporting_year(raw=request.GET.get("nam"))
    period = selectors.reporting_period(raw=request.GET.get("ky"))
    abilities = selectors.Abilities(request.user)
    context = {
        "year": year,
        "period": period,
        "period_title": period.title(year),
        "period_choices": selectors.PERIOD_CHOICES,
        "target_rows": worklist.targets_awaiting_figures(request.user, year, abilities, period),
        "task_rows": worklist.my_tasks(request.user, year, abilities, period),
        "due_reports": worklist.due_reports(request.user, year, timezone.localdate()),
    }
    return render(request, "indicators/my_work.html", context)




# ---------------------------------------------------------------------------------------------
# Review queue, evidence


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    page, items = selectors.review_queue(user=request.user, page_number=query_number(request.GET.get("trang")))
    return render(request, "indicators/review_queue.html", {"page": page, "items": items})


@login_required
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = get_object_or_404(selectors.visible_evidence(user=request.user), pk=evidence_id)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Không tìm thấy tệp.")) from None
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name)


# ---------------------------------------------------------------------------------------------
# Explanation requests


@login_required
def explanation_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.explanation_list(user=request.user, abilities=selectors.Abilities(request.user))
    return render(request, "indicators/explanation_list.html", {"rows": rows, "answer_form": AnswerForm()})


def _request_explanation(request: HttpRequest, *, target: Target | None = None, task: Task | None = None) -> HttpResponse:
    form = ExplanationRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_explanation(
                user=request.user, question=form.cleaned_data["question"], target=target, task=task,
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as error:
            message_errors(request, error)
        else:
            messages.success(request, _("Đã gửi yêu cầu giải trình."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(_next_url(request, reverse("explanation_list")))


@login_required
@require_POST
def explanation_request_target(request: HttpRequest, target_id: int) -> HttpResponse:
    return _request_explanation(request, target=target_in_scope(request, target_id))


@login_required
@require_POST
def explanation_request_task(request: HttpRequest, task_id: int) -> HttpResponse:
    return _request_explanation(request, task=task_in_scope(request, task_id))


@login_required
@require_POST
def explanation_answer(request: HttpRequest, request_id: int) -> HttpResponse:
    explanation = get_object_or_404(selectors.visible_explanations(user=request.user), pk=request_id)
    form = AnswerForm(request.POST)
    form.is_valid()
    try:
        services.answer_explanation(user=request.user, request=explanation, answer=form.cleaned_data.get("answer", ""))
    except ValidationError as error:
        message_errors(request, error)
    else:
        messages.success(request, _("Đã gửi nội dung giải trình."))
    return redirect(_next_url(request, reverse("explanation_list")))
