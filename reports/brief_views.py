"""The leader's brief: one printable page of a territory (reports.brief), with the dashboard's
access: the same territory choice (?dia_ban=, else the user's first) and the same refusals."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboards import links
from reports.brief import leader_brief


@login_required
def leader_brief_page(request: HttpRequest) -> HttpResponse:
    options = links.page_options(request)
    unit = links.territory(request)
    brief = leader_brief(user=request.user, unit=unit, options=options)
    return render(request, "reports/brief.html", {"brief": brief, "options": options, "keep": [("dia_ban", unit.pk)]})
