"""Period-lock exceptions: the ones in the user's reach, and the form a reviewer or an admin reopens
a locked period with for one unit (reporting.locks.grant_exception checks the right on the unit and
writes the audit entry).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from plans import access
from plans.access import Reach
from plans.models import Role
from reporting import locks
from reporting.lock_forms import LockExceptionForm, exception_rows, initial_from_query
from reporting.models import LockException

PAGE_SIZE = 50
OVERSEERS = {Role.REVIEWER.value, Role.LEADER.value, Role.ADMIN.value}
GRANTERS = {Role.REVIEWER.value, Role.ADMIN.value}  # plans.access.ROLES_FOR[GRANT_LOCK_EXCEPTION], and admins


def _reaches_anything(user_reach: Reach) -> bool:
    return user_reach.everywhere or bool(user_reach.root_unit_ids)


@login_required
def exception_list(request: HttpRequest) -> HttpResponse:
    overseer = access.reach(request.user, OVERSEERS)
    if not _reaches_anything(overseer):
        raise PermissionDenied(_("Chỉ người duyệt, lãnh đạo và quản trị xem được danh sách mở khóa."))
    exceptions = LockException.objects.select_related("regime", "unit", "granted_by").order_by("-granted_at", "-pk")
    if not overseer.everywhere:
        exceptions = exceptions.filter(overseer.unit_q("unit"))
    page = Paginator(exceptions, PAGE_SIZE).get_page(request.GET.get("trang"))
    context = {
        "page": page,
        "rows": exception_rows(page.object_list, timezone.localdate()),
        "can_grant": _reaches_anything(access.reach(request.user, GRANTERS)),
    }
    return render(request, "reporting/lock_exceptions.html", context)


@login_required
def grant_exception(request: HttpRequest) -> HttpResponse:
    granter = access.reach(request.user, GRANTERS)
    if not _reaches_anything(granter):
        raise PermissionDenied(_("Chỉ người duyệt và quản trị được mở khóa kỳ báo cáo."))
    if request.method == "POST":
        form = LockExceptionForm(request.POST, user_reach=granter)
        if form.is_valid():
            data = form.cleaned_data
            kind, number = form.cleaned_period()
            try:
                exception = locks.grant_exception(
                    user=request.user, regime=data["regime"], unit=data["unit"], year=data["year"], period_kind=kind,
                    period_number=number, open_until=data["open_until"], reason=data["reason"],
                )
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("Đã mở khóa %(period)s cho %(unit)s đến hết ngày %(date)s.") % {
                    "period": locks.period_title(exception.year, exception.period_kind, exception.period_number),
                    "unit": exception.unit.name, "date": f"{exception.open_until:%d/%m/%Y}",
                })
                return redirect("lock_exceptions")
    else:
        form = LockExceptionForm(initial=initial_from_query(request.GET), user_reach=granter)
    return render(request, "reporting/lock_exception_form.html", {"form": form})
