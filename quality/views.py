"""The data-quality page: choose a territory and a year, run the rules, read the findings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from indicators.selectors import reporting_year
from plans import access
from plans.models import AdministrativeUnit
from plans.text import query_number
from quality import engine, selectors


def _territory(request: HttpRequest, raw: str | None) -> AdministrativeUnit:
    user_reach = selectors.page_reach(user=request.user)
    if not (user_reach.everywhere or user_reach.root_unit_ids):
        raise PermissionDenied(_("Trang chất lượng số liệu dành cho lãnh đạo, người duyệt và quản trị."))
    if raw and (unit_id := query_number(raw, max_digits=18)) is not None:
        unit = AdministrativeUnit.objects.select_related("parent__parent__parent").filter(pk=unit_id).first()
        if unit is None or not access.unit_in_reach(user_reach, unit):
            raise Http404(_("Địa bàn không có hoặc ngoài phạm vi của bạn."))
        return unit
    homes = selectors.home_units(user=request.user)
    if not homes:
        raise Http404(_("Bạn chưa được phân công địa bàn nào."))
    return homes[0]


@login_required
@require_http_methods(["GET", "POST"])
def findings_page(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    territory = _territory(request, source.get("dia_ban"))
    year = reporting_year(raw=source.get("nam"))
    if request.method == "POST":
        found = engine.run(territory=territory, year=year)
        messages.success(request, _("Đã kiểm tra %(unit)s năm %(year)s: %(count)s số liệu cần kiểm tra.") % {
            "unit": territory.name, "year": year, "count": len(found)})
        return redirect(f"{request.path}?dia_ban={territory.pk}&nam={year}")
    groups = selectors.findings_by_rule(user=request.user, territory=territory, year=year)
    return render(request, "quality/findings.html", {
        "territory": territory, "year": year, "groups": groups, "homes": selectors.home_units(user=request.user),
        "total": sum(g.total for g in groups),
    })
