"""Pages of unit groups: the list, and a group with its members over time.

Groups are legal lists; a user sees those of their territory and the national and regional ones
(plans.unit_groups.visible_groups, through plans.access).
"""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext

from plans import unit_groups
from plans.models import UnitGroupKind


def _day(raw: str | None):
    """?ngay=dd/mm/yyyy, else today; a wrong date gives today and a message."""
    today = timezone.localdate()
    if not raw:
        return today, ""
    try:
        return datetime.strptime(raw.strip()[:10], "%d/%m/%Y").date(), ""
    except ValueError:
        return today, gettext("Ngày “%(day)s” không đúng dạng ngày/tháng/năm; đang xem ngày hôm nay.") % {"day": raw[:20]}


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("loai", "")
    groups = unit_groups.visible_groups(request.user).order_by("name")
    if kind in UnitGroupKind.values:
        groups = groups.filter(kind=kind)
    context = {"groups": unit_groups.with_counts(groups), "kinds": UnitGroupKind.choices, "selected_kind": kind}
    return render(request, "plans/group_list.html", context)


@login_required
def group_detail(request: HttpRequest, code: str) -> HttpResponse:
    group = get_object_or_404(unit_groups.visible_groups(request.user), code=code)
    day, day_error = _day(request.GET.get("ngay"))
    members = unit_groups.group_members(group)
    on_day = unit_groups.members_on(group, day, members=members)
    context = {
        "group": group,
        "members": members,
        "in_reach": unit_groups.members_in_reach(request.user, members),
        "day": day,
        "day_error": day_error,
        "on_day": on_day,
        "carried": [m for m in on_day if m.is_carried],
    }
    return render(request, "plans/group_detail.html", context)
