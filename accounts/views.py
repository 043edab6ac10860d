"""Self-service pages: the second-factor steps (code, enrolment, recovery codes) and the account page.

Password change and reset are Django's own views (accounts/urls.py) with Vietnamese templates.
"""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import selectors, services
from accounts.forms import CodeForm

NEW_CODES = "accounts_new_recovery_codes"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the 6-digit code of the authenticator app, or one recovery code."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    step = selectors.second_factor_step(user=request.user)
    if step != "verify":
        return redirect("otp_enrol") if step == "enrol" else redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device = services.verify_second_factor(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            request.session.cycle_key()
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(request, _("Bạn vừa dùng một mã khôi phục; còn %(count)s mã. Hãy tạo mã mới nếu sắp hết.")
                                 % {"count": left})
            return redirect(_next_url(request))
        form.add_error("token", _("Mã xác thực không đúng hoặc đã hết hạn. Xin nhập lại."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


def _qr_svg(url: str) -> str:
    """The otpauth link as an inline SVG (drawn here: nothing loaded from elsewhere)."""
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#1f2933", light="#ffffff"))


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: QR code and secret, confirmed with a code from the app.

    Someone who already has a device must give its code first: a password alone never replaces it.
    """
    user = request.user
    if selectors.confirmed_device(user=user) is not None and not user.is_verified():
        return redirect("otp_verify")
    device = services.pending_totp_device(user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        codes = services.confirm_totp_device(user=user, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            device.refresh_from_db()
            request.session.cycle_key()
            otp_login(request, device)
            request.session[NEW_CODES] = codes
            return redirect(f"{reverse('otp_recovery_codes')}?{urlencode({'next': _next_url(request)})}")
        form.add_error("token", _("Mã xác thực không đúng hoặc đã hết hạn. Xin nhập lại."))
    secret = b32encode(device.bin_key).decode()
    return render(request, "accounts/otp_enrol.html", {
        "form": form, "qr": _qr_svg(device.config_url), "secret": _grouped(secret),
        "required": selectors.second_factor_required(user=user), "next": _next_url(request),
    })


@never_cache
@login_required
def otp_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once, right after they are made."""
    if not request.user.is_verified():
        return redirect("otp_verify")
    if request.method == "POST":
        request.session[NEW_CODES] = services.regenerate_recovery_codes(user=request.user)
        return redirect("otp_recovery_codes")
    codes = request.session.pop(NEW_CODES, None)
    return render(request, "accounts/otp_recovery_codes.html", {"codes": codes, "next": _next_url(request)})


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    device = selectors.confirmed_device(user=user)
    static = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return render(request, "accounts/account.html", {
        "device": device,
        "recovery_left": static.token_set.count() if static else 0,
        "required": selectors.second_factor_required(user=user),
    })


@require_POST
@login_required
def otp_disable(request: HttpRequest) -> HttpResponse:
    """Remove one's second factor: only for those who are not required to have it."""
    user = request.user
    if selectors.second_factor_required(user=user) or not user.is_verified():
        messages.error(request, _("Tài khoản của bạn bắt buộc dùng xác thực hai bước."))
        return redirect("account")
    services.remove_second_factor(user=user)
    messages.success(request, _("Đã tắt xác thực hai bước."))
    return redirect("account")
