"""User administration in the app: a national administrator for everyone, a unit administrator
for the users of their own territory (accounts.selectors.managed_users). Anyone else gets 403;
a user outside the territory is not found (404)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import InviteForm, MembershipForm, ReasonForm
from plans.models import Membership
from review.models import AuditEntry

PAGE_SIZE = 100

ACTION_LABELS = {
    "user_invited": gettext_lazy("Mời tham gia"),
    "membership_added": gettext_lazy("Thêm vai trò"),
    "membership_removed": gettext_lazy("Xóa vai trò"),
    "user_deactivated": gettext_lazy("Khóa tài khoản"),
    "user_reactivated": gettext_lazy("Mở lại tài khoản"),
    "user_deactivated_idle": gettext_lazy("Tự động khóa vì không dùng"),
    "second_factor_enrolled": gettext_lazy("Bật xác thực hai bước"),
    "recovery_codes_renewed": gettext_lazy("Tạo mã khôi phục mới"),
    "second_factor_removed": gettext_lazy("Tắt xác thực hai bước"),
}


def _require_user_admin(request: HttpRequest) -> None:
    if not selectors.is_user_admin(user=request.user):
        raise PermissionDenied(_("Chỉ quản trị viên mới quản lý người dùng."))


def _managed_user(request: HttpRequest, user_id: int):
    _require_user_admin(request)
    return get_object_or_404(selectors.managed_users(actor=request.user), pk=user_id)


def set_password_link(request: HttpRequest):
    def build(user) -> str:
        path = reverse("password_reset_confirm", kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user),
        })
        return request.build_absolute_uri(path)

    return build


def _apply(form, call) -> bool:
    """Run a service with a bound form's data; its refusals become the form's errors."""
    try:
        call()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return False
    return True


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require_user_admin(request)
    users = selectors.managed_users(actor=request.user)
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(username__icontains=query) | users.filter(email__icontains=query) \
            | users.filter(first_name__icontains=query) | users.filter(last_name__icontains=query)
    return render(request, "accounts/user_list.html", {"users": users[:PAGE_SIZE], "query": query,
                                                        "page_size": PAGE_SIZE})


@login_required
def user_invite(request: HttpRequest) -> HttpResponse:
    _require_user_admin(request)
    form = InviteForm(request.POST or None, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if _apply(form, lambda: services.invite_user(
            actor=request.user, email=data["email"], username=data["username"], full_name=data["full_name"],
            unit=data["unit"], agency=data["agency"], role=data["role"], reason=data["reason"],
            set_password_url=set_password_link(request),
        )):
            messages.success(request, _("Đã tạo tài khoản và gửi thư mời tới %(email)s.") % {"email": data["email"]})
            return redirect("user_list")
    return render(request, "accounts/user_invite.html", {"form": form})


@login_required
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _managed_user(request, user_id)
    audit = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(get_user_model()), object_id=person.pk
    ).select_related("user")[:50]
    for row in audit:
        row.label = ACTION_LABELS.get(row.action, row.action)
    return render(request, "accounts/user_detail.html", {
        "person": person, "audit": audit,
        "membership_form": MembershipForm(actor=request.user), "reason_form": ReasonForm(),
    })


@require_POST
@login_required
def membership_add(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _managed_user(request, user_id)
    form = MembershipForm(request.POST, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if _apply(form, lambda: services.add_membership(actor=request.user, user=person, unit=data["unit"],
                                                        agency=data["agency"], role=data["role"], reason=data["reason"])):
            messages.success(request, _("Đã thêm vai trò."))
            return redirect("user_detail", person.pk)
    return render(request, "accounts/membership_form.html", {"person": person, "form": form}, status=400)


@require_POST
@login_required
def membership_remove(request: HttpRequest, user_id: int, membership_id: int) -> HttpResponse:
    person = _managed_user(request, user_id)
    membership = get_object_or_404(Membership.objects.select_related("unit", "agency", "user"), pk=membership_id, user=person)
    form = ReasonForm(request.POST)
    if form.is_valid() and _apply(form, lambda: services.remove_membership(
            actor=request.user, membership=membership, reason=form.cleaned_data["reason"])):
        messages.success(request, _("Đã xóa vai trò."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("user_detail", person.pk)


@require_POST
@login_required
def user_set_active(request: HttpRequest, user_id: int, active: bool) -> HttpResponse:
    person = _managed_user(request, user_id)
    form = ReasonForm(request.POST)
    if form.is_valid() and _apply(form, lambda: services.set_active(
            actor=request.user, user=person, active=active, reason=form.cleaned_data["reason"])):
        messages.success(request, _("Đã mở lại tài khoản.") if active else _("Đã khóa tài khoản."))
    else:
        messages.error(request, _("Hãy ghi lý do."))
    return redirect("user_detail", person.pk)
