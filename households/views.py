"""Pages of the household register.

Households are personal data: every household page and list is fetched through
selectors.visible_households (access.scope with Action.VIEW_HOUSEHOLDS), so an id outside the
user's reach is a 404; writes go through services, which call access.require. Each view of a
household page and each export is logged. Leaders see the territory dashboards: aggregates only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from households import aggregate_reviews, charts, commune_figures, privacy, resources, selectors, services, tasks
from households.forms import FullExportForm, HouseholdForm, ImportForm, ListFilterForm, ReviewForm
from households.models import HouseholdReview, PovertyStandard, RegisterStat
from households.standards import standard_for
from indicators.forms import add_service_errors
from plans import access
from plans.access import Action
from plans.models import AdministrativeUnit, AdminMap, Role, UnitLevel, UnitSuccession
from plans.text import query_number

FIRST_YEAR, LAST_YEAR = 2000, 2100
LOG_PAGE_SIZE = 50


def _year(raw: str | None) -> int:
    year = query_number(raw)
    if year is not None and FIRST_YEAR <= year <= LAST_YEAR:
        return year
    latest = RegisterStat.objects.aggregate(latest=Max("year"))["latest"]
    return latest or timezone.localdate().year


def _is_admin(user) -> bool:
    return access.has_role(user, Role.ADMIN)


# ---------------------------------------------------------------------------------------------
# Territories (aggregates)


@login_required
def register_home(request: HttpRequest) -> HttpResponse:
    units = selectors.home_units(user=request.user)
    if len(units) == 1:
        return redirect("register_dashboard", units[0].pk)
    return render(request, "households/home.html", {"units": units})


@login_required
def register_dashboard(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_in_stats_scope(user=request.user, unit_id=unit_id)
    if unit is None:
        raise Http404(_("Không có địa bàn này trong phạm vi của bạn."))
    year = _year(request.GET.get("nam"))
    board = selectors.dashboard(user=request.user, unit=unit, year=year)
    stat = board.stat
    # Units whose households are not kept here: the published aggregate table (households.aggregate_reviews).
    aggregate = aggregate_reviews.aggregate_table(request.user, unit, year, selectors.children_filter(unit=unit, year=year))
    board.years = sorted(set(board.years) | set(aggregate.years))
    context = {
        "board": board,
        "unit": unit,
        "year": year,
        "stat": stat,
        "profile_json": charts.deprivation_profile(stat, board.indicators) if stat and stat.poor + stat.near_poor else "",
        "movement_json": charts.movement_bars(stat) if stat else "",
        "series_json": charts.rate_series(board.series) if len(board.series) > 1 else "",
        "can_view_households": unit.level == UnitLevel.COMMUNE and unit.admin_map == AdminMap.CURRENT
        and access.can(request.user, Action.VIEW_HOUSEHOLDS, unit=unit),
        "can_recompute": _is_admin(request.user),
        "can_refresh_commune": unit.level == UnitLevel.COMMUNE and unit.admin_map == AdminMap.CURRENT
        and access.can(request.user, Action.KEEP_REGISTER, unit=unit),
        "parent": unit.parent if unit.parent_id else None,
        "aggregate": aggregate,
    }
    return render(request, "households/dashboard.html", context)


@login_required
@require_POST
def register_recompute(request: HttpRequest) -> HttpResponse:
    if not _is_admin(request.user):
        raise PermissionDenied(_("Chỉ quản trị viên tính lại số liệu sổ hộ."))
    year = _year(request.POST.get("nam"))
    try:
        standard_for(year)  # refused here, in words, rather than as a failed task
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        tasks.recompute_register_year.enqueue(year)  # minutes for the whole country: a worker runs it
        messages.success(request, _("Đã đưa việc tính lại số liệu năm %(year)s vào hàng đợi; số liệu được cập nhật "
                                    "khi việc chạy xong (xem trang Việc chạy nền).") % {"year": year})
    next_url = request.POST.get("next", "")
    if not (next_url.startswith("/") and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})):
        next_url = reverse("register_home")  # not a view name, another host or javascript:
    return redirect(next_url)


@login_required
@require_POST
def commune_refresh(request: HttpRequest, commune_id: int) -> HttpResponse:
    """A commune officer brings the commune's figures up to date (after a large import, say)."""
    commune = _commune_for_households(request, commune_id, Action.KEEP_REGISTER)
    year = _year(request.POST.get("nam"))
    try:
        with transaction.atomic():
            commune_figures.refresh_commune(commune=commune, year=year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Đã tính lại số liệu năm %(year)s của %(commune)s.") % {"year": year, "commune": commune.name})
    return redirect(f"{reverse('register_dashboard', args=[commune.pk])}?nam={year}")


@login_required
def standard_list(request: HttpRequest) -> HttpResponse:
    standards = PovertyStandard.objects.prefetch_related("indicators").order_by("first_year")
    return render(request, "households/standards.html", {"standards": standards})


# ---------------------------------------------------------------------------------------------
# A commune's households (personal data)


def _commune_for_households(request: HttpRequest, commune_id: int, action: Action = Action.VIEW_HOUSEHOLDS) -> AdministrativeUnit:
    commune = get_object_or_404(
        AdministrativeUnit.objects.select_related("parent"), pk=commune_id, level=UnitLevel.COMMUNE, admin_map=AdminMap.CURRENT
    )
    if not access.can(request.user, action, unit=commune):
        raise PermissionDenied(_("Chỉ cán bộ của xã và người duyệt cấp trên được xem danh sách hộ."))
    return commune


@login_required
def household_list(request: HttpRequest, commune_id: int) -> HttpResponse:
    commune = _commune_for_households(request, commune_id)
    form = ListFilterForm(request.GET)
    form.is_valid()  # a wrong filter is dropped and named on the page; the others still apply
    data = form.cleaned_data
    year = _year(str(data.get("nam") or ""))
    filters = selectors.ListFilters(
        year=year, living_class=data.get("hang", ""), village=data.get("thon", ""), cause=data.get("nguyen_nhan", ""),
        deprivation=data.get("thieu_hut", ""), movement=data.get("bien_dong", ""), query=data.get("q", ""),
    )
    page, rows = selectors.commune_households(user=request.user, commune=commune, filters=filters, page_number=request.GET.get("trang", 1))
    privacy.log_list(user=request.user, households=[row.household for row in rows],
                     detail=privacy.describe_list(filters, page.number))
    query = request.GET.copy()
    query.pop("trang", None)
    context = {
        "commune": commune,
        "year": year,
        "form": form,
        "filters": filters,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "villages": selectors.villages(commune=commune),
        "indicators": selectors.deprivation_indicators(standard=selectors.standard_for_year(year=year)),
        "can_keep": access.can(request.user, Action.KEEP_REGISTER, unit=commune),
        "can_export_full": selectors.is_commune_officer(user=request.user, commune=commune),
    }
    return render(request, "households/household_list.html", context)


def _xlsx_response(export: privacy.Export) -> HttpResponse:
    response = HttpResponse(export.content, content_type=privacy.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@login_required
def household_export(request: HttpRequest, commune_id: int) -> HttpResponse:
    """The review list with IDs and phones masked, as the list shows them."""
    commune = _commune_for_households(request, commune_id)
    return _xlsx_response(privacy.export_reviews(user=request.user, commune=commune, year=_year(request.GET.get("nam"))))


@login_required
def household_export_full(request: HttpRequest, commune_id: int) -> HttpResponse:
    """The commune's own officer exports IDs and phones unmasked, saying why (both are logged)."""
    commune = _commune_for_households(request, commune_id)
    if not selectors.is_commune_officer(user=request.user, commune=commune):
        raise PermissionDenied(_("Chỉ cán bộ của chính xã này được xuất danh sách đầy đủ (không che số định danh, điện thoại)."))
    form = FullExportForm(request.POST or None, initial={"nam": _year(request.GET.get("nam"))})
    if request.method == "POST" and form.is_valid():
        try:
            export = privacy.export_reviews(user=request.user, commune=commune, year=form.cleaned_data["nam"],
                                            full=True, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _xlsx_response(export)
    return render(request, "households/export_full.html", {"form": form, "commune": commune})


def _legacy_choices(commune: AdministrativeUnit):
    return list(
        UnitSuccession.objects.filter(successor=commune, predecessor__level=UnitLevel.COMMUNE)
        .order_by("predecessor__name").values_list("predecessor_id", "predecessor__name")
    )


def _household_values(data: dict) -> dict:
    return {name: data[name] for name in services.HOUSEHOLD_FIELDS}


@login_required
def household_create(request: HttpRequest, commune_id: int) -> HttpResponse:
    commune = _commune_for_households(request, commune_id, Action.KEEP_REGISTER)
    form = HouseholdForm(request.POST or None, legacy_choices=_legacy_choices(commune),
                         initial={"area": services.default_area(commune), "members": 1})
    if request.method == "POST" and form.is_valid():
        legacy_id = form.cleaned_data["legacy_commune"]
        try:
            household = services.save_household(
                user=request.user, commune=commune,
                legacy_commune=AdministrativeUnit.objects.get(pk=legacy_id) if legacy_id else None,
                **_household_values(form.cleaned_data),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Đã thêm hộ %(code)s.") % {"code": household.code})
            return redirect("household_detail", household.pk)
    return render(request, "households/household_form.html", {"form": form, "commune": commune, "household": None})


def _household_in_scope(request: HttpRequest, household_id: int):
    households = selectors.visible_households(user=request.user).select_related("commune__parent", "legacy_commune__parent")
    return get_object_or_404(households, pk=household_id)


@login_required
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household_in_scope(request, household_id)
    services.log_view(user=request.user, household=household)
    context = {
        "household": household,
        "history": selectors.household_history(household=household),
        "can_keep": access.can(request.user, Action.KEEP_REGISTER, unit=household.commune),
        "views": selectors.recent_views(household=household),
        "can_read_log": selectors.is_commune_officer(user=request.user, commune=household.commune),
        "this_year": timezone.localdate().year,  # the review under way (1/9–14/12)
    }
    return render(request, "households/household_detail.html", context)


@login_required
def household_access_log(request: HttpRequest, household_id: int) -> HttpResponse:
    """Who viewed the household, saw it in a list or exported its commune's list: its commune's officers only."""
    household = _household_in_scope(request, household_id)
    if not selectors.is_commune_officer(user=request.user, commune=household.commune):
        raise PermissionDenied(_("Chỉ cán bộ của xã xem được nhật ký truy cập hồ sơ hộ."))
    page = Paginator(selectors.household_access_log(household=household), LOG_PAGE_SIZE).get_page(request.GET.get("trang", 1))
    return render(request, "households/access_log.html", {"household": household, "page": page})


@login_required
def household_edit(request: HttpRequest, household_id: int) -> HttpResponse:
    household = _household_in_scope(request, household_id)
    if not access.can(request.user, Action.KEEP_REGISTER, unit=household.commune):
        raise PermissionDenied(_("Chỉ cán bộ của xã sửa được hồ sơ hộ."))
    initial = {name: getattr(household, name) for name in services.HOUSEHOLD_FIELDS}
    initial["legacy_commune"] = household.legacy_commune_id
    form = HouseholdForm(request.POST or None, legacy_choices=_legacy_choices(household.commune), initial=initial)
    if request.method == "POST" and form.is_valid():
        legacy_id = form.cleaned_data["legacy_commune"]
        try:
            services.save_household(
                user=request.user, household=household, commune=household.commune,
                legacy_commune=AdministrativeUnit.objects.get(pk=legacy_id) if legacy_id else None,
                **_household_values(form.cleaned_data),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Đã lưu hồ sơ hộ."))
            return redirect("household_detail", household.pk)
    return render(request, "households/household_form.html", {"form": form, "commune": household.commune, "household": household})


@login_required
def review_edit(request: HttpRequest, household_id: int, year: int) -> HttpResponse:
    household = _household_in_scope(request, household_id)
    if not access.can(request.user, Action.KEEP_REGISTER, unit=household.commune):
        raise PermissionDenied(_("Chỉ cán bộ của xã ghi được kết quả rà soát."))
    standard = selectors.standard_for_year(year=year)
    if standard is None:
        raise Http404(_("Chưa có chuẩn nghèo cho năm này."))
    indicators = selectors.deprivation_indicators(standard=standard)
    review = HouseholdReview.objects.filter(household=household, year=year).first()
    initial = {}
    if review is not None:
        initial = {
            "income": f"{review.income:,}".replace(",", ".") if review.income is not None else "",
            "score_a": review.score_a, "cause": review.cause, "exit_plan": review.exit_plan,
            "support": review.support, "decision": review.decision,
            "deprivations": [i.code for i in indicators if review.deprivation_mask >> i.bit & 1],
        }
    form = ReviewForm(request.POST or None, indicators=indicators, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = commune_figures.save_review_and_refresh(
                user=request.user, household=household, year=year, deprivations=data["deprivations"],
                income=data["income"], score_a=data["score_a"], cause=data["cause"], exit_plan=data["exit_plan"],
                support=data["support"], decision=data["decision"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Đã lưu kết quả rà soát năm %(year)s: %(class)s. Số liệu của %(commune)s đã được tính lại.")
                             % {"year": year, "class": saved.get_living_class_display(), "commune": household.commune.name})
            return redirect("household_detail", household.pk)
    context = {"form": form, "household": household, "year": year, "standard": standard, "review": review}
    return render(request, "households/review_form.html", context)


@login_required
def review_import(request: HttpRequest) -> HttpResponse:
    result = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = resources.read_file(form.cleaned_data["file"])
        except ValidationError as error:
            add_service_errors(form, error)
        except Exception:
            form.add_error("file", _("Không đọc được tệp; hãy dùng mẫu xuất từ danh sách hộ."))
        else:
            result = resources.import_review_list(dataset, user=request.user, dry_run=form.cleaned_data["dry_run"])
            if not result.has_errors and not form.cleaned_data["dry_run"]:
                messages.success(request, _("Đã nhập %(new)s kết quả rà soát mới, cập nhật %(updated)s.")
                                 % {"new": result.new, "updated": result.updated})
    return render(request, "households/import.html", {"form": form, "result": result})
