"""The bell's pages: the user's notifications, opening one (marks it read), marking read, and the
choice of delivery per kind. Each user sees and changes only their own (another's is not found)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import services
from notifications.forms import PreferenceForm
from notifications.models import Notification
from plans.text import query_number


def _safe_path(request: HttpRequest, target: str, fallback: str) -> str:
    """A path of this site; anything else (another host, javascript:) gives the fallback."""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(services.notifications_of(request.user), services.PAGE_SIZE).get_page(
        query_number(request.GET.get("trang")) or 1
    )
    return render(request, "notifications/list.html", {"page": page, "notifications": page.object_list})


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """The notification's link (the emails link here): marked read on the way."""
    try:
        notification = services.open_notification(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404(_("Không tìm thấy thông báo.")) from None
    return redirect(_safe_path(request, notification.link, reverse("notification_list")))


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    if not services.mark_read(user=request.user, ids=[notification_id]):
        if not Notification.objects.filter(user=request.user, pk=notification_id).exists():
            raise Http404(_("Không tìm thấy thông báo."))
    return redirect(_safe_path(request, request.POST.get("next", ""), reverse("notification_list")))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_read(user=request.user)
    if count:
        messages.success(request, _("Đã đánh dấu %(count)s thông báo là đã đọc.") % {"count": count})
    return redirect(_safe_path(request, request.POST.get("next", ""), reverse("notification_list")))


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    current = services.preferences_of(request.user)
    form = PreferenceForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        services.save_preferences(user=request.user, choices=form.cleaned_data)
        messages.success(request, _("Đã lưu cách nhận thông báo."))
        return redirect("notification_preferences")
    return render(request, "notifications/preferences.html", {"form": form})
