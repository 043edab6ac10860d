"""Two checks on every request of a logged-in user: the idle timeout, then the second factor."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import selectors

LAST_SEEN = "accounts_last_seen"
# The last-seen time is written at most this often, so that most pages save no session.
LAST_SEEN_RESOLUTION = 60


def mark_active(session) -> None:
    session[LAST_SEEN] = int(time.time())


class IdleSessionTimeoutMiddleware:
    """Logs out a session unused for SESSION_IDLE_TIMEOUT seconds (SESSION_COOKIE_AGE stays the
    absolute limit). Goes after AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            last_seen = session.get(LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("Phiên làm việc đã hết hạn vì không hoạt động. Xin đăng nhập lại."))
                return redirect_to_login(request.get_full_path())
            if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
                session[LAST_SEEN] = now
        return self.get_response(request)


# Pages a user who still owes a second factor may open.
OPEN_URL_NAMES = {"otp_verify", "otp_enrol", "otp_recovery_codes", "logout", "set_language", "login",
                  "password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete"}


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware: a logged-in user who has a device, or must have one, and
    has not given a code this session reaches only the code, enrolment and logout pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.url_name in OPEN_URL_NAMES:
            return None
        step = selectors.second_factor_step(user=user)
        if step is None:
            return None
        target = reverse("otp_verify" if step == "verify" else "otp_enrol")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
