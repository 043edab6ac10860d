"""The jobs page (administrators): queued, running and failed tasks, and "run again"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs import selectors, services
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit, UnitLevel


def _require_admin(request: HttpRequest) -> None:
    nation = AdministrativeUnit.objects.filter(level=UnitLevel.NATION).first()
    if nation is None or not access.can(request.user, Action.IMPORT, unit=nation):
        raise PermissionDenied(_("Chỉ quản trị viên được xem và chạy lại các việc chạy nền."))


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    services.settle_lost_tasks()  # a task whose worker died is shown as failed, ready to run again
    return render(request, "jobs/job_list.html", selectors.job_lists())


@login_required
@require_POST
def job_retry(request: HttpRequest, result_id: str) -> HttpResponse:
    _require_admin(request)
    try:
        services.retry(result_id=result_id)
    except services.NotRetryable as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Đã đưa việc vào hàng đợi để chạy lại."))
    return redirect("job_list")
