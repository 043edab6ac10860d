"""The figure entry page and a territory that merged into another (indicators.closures has the rule).

For a period that ends after the target's territory closed, the page says where the figure counts
and links to the successor's entry: the same target and period with ?don_vi=<successor id>, whose
figure the target is then judged on.
"""

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from indicators import closures, selectors
from indicators.models import Target
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit


def closure(target: Target, year: int, period: selectors.Period) -> closures.Closure | None:
    return closures.closure_for(target.territory, closures.Period(year, period.kind, period.number))


def entry_unit(request: HttpRequest, target: Target, year: int, period: selectors.Period) -> AdministrativeUnit:
    """Whose figure the page enters: the target's territory, or (?don_vi=) its successor for a
    period that ends after the merger."""
    raw = request.GET.get("don_vi", "")
    if not raw:
        return target.territory
    found = closure(target, year, period)
    if found is None or found.successor is None or str(found.successor.pk) != raw:
        raise Http404(_("Địa bàn này không nhận số liệu của chỉ tiêu này trong kỳ đã chọn."))
    return found.successor


def entry_url(target: Target, unit: AdministrativeUnit, year: int, period: selectors.Period) -> str:
    query = {"nam": year, "ky": period.code}
    if unit.pk != target.territory_id:
        query["don_vi"] = unit.pk
    return reverse("actual_entry", args=[target.pk]) + "?" + urlencode(query)


def notice(request: HttpRequest, target: Target, unit: AdministrativeUnit, year: int, period: selectors.Period) -> dict:
    """The page's context: `closure` (the figure counts elsewhere: the page shows the notice, no form;
    services.save_actual refuses it anyway) with `successor_url`, or, on the
    successor's entry, `serves` (the closure of the territory whose target it serves)."""
    found = closure(target, year, period)
    if found is None:
        return {"closure": None, "successor_url": "", "serves": None}
    if unit.pk != target.territory_id:
        return {"closure": None, "successor_url": "", "serves": found}
    successor_url = ""
    if found.successor is not None and access.can(request.user, Action.ENTER, unit=found.successor):
        successor_url = entry_url(target, found.successor, year, period)
    return {"closure": found, "successor_url": successor_url, "serves": None}
