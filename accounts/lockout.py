"""Login throttling that slows guessers down without handing them a lock on other people's accounts.

Two rules, checked by django-axes before the password (settings.AXES_HANDLER):

* per username, from any address: after LOGIN_DELAY_AFTER failures, each further try waits
  2^(n - LOGIN_DELAY_AFTER) seconds after the latest failure (1 s, 2 s, 4 s … at most
  LOGIN_MAX_DELAY). Refused tries are not counted and do not extend the wait, so a guesser
  blocks a username for at most the delay of their own latest counted failure. From an address
  where the user logged in before (LOGIN_KNOWN_ADDRESS_DAYS), only that address's failures count:
  a guesser elsewhere cannot keep the user out of their usual office. A success clears the count.
* per client address, over all usernames: LOGIN_ADDRESS_LIMIT failures within LOGIN_ADDRESS_WINDOW
  refuse that address until the oldest of them leaves the window (against spraying one password
  over many usernames). A success does not clear it.

Failures are django-axes's own AccessFailureLog rows (one per counted failure), successes its
AccessLog rows. The client address comes from client_ip(), which trusts X-Forwarded-For only
through TRUSTED_PROXY_COUNT proxies.
"""

import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

log = logging.getLogger(__name__)
_warned_about_ignored_header = False


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the address the outermost trusted proxy saw.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so with
    N trusted proxies the N-th entry from the right is the client as the first proxy saw it; entries
    further left were written by the client and are ignored. Without trusted proxies (the default)
    the header is ignored altogether.
    """
    global _warned_about_ignored_header
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        if "HTTP_X_FORWARDED_FOR" in request.META and not _warned_about_ignored_header:
            # Behind a proxy every client would share its address (and its per-address limit).
            log.warning("X-Forwarded-For ignored: set TRUSTED_PROXY_COUNT if the app runs behind a proxy.")
            _warned_about_ignored_header = True
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote  # not through all the trusted proxies: the proxy's own address, not a guess
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


@dataclass(frozen=True)
class Refusal:
    reason: str  # "username" or "address"
    until: datetime

    def wait(self, now: datetime | None = None) -> timedelta:
        return max(self.until - (now or timezone.now()), timedelta(0))


def username_delay(failures: int) -> timedelta:
    """The wait after `failures` counted failures of one username."""
    extra = failures - settings.LOGIN_DELAY_AFTER
    if extra < 0:
        return timedelta(0)
    cap = settings.LOGIN_MAX_DELAY
    # 2**extra grows without bound; past the cap's exponent the cap applies anyway.
    if extra >= math.log2(max(cap.total_seconds(), 1)):
        return cap
    return min(timedelta(seconds=2 ** extra), cap)


def _username_refusal(username: str, ip_address: str | None, now: datetime) -> Refusal | None:
    memory_start = now - settings.LOGIN_FAILURE_MEMORY
    last_success = AccessLog.objects.filter(username=username).aggregate(at=Max("attempt_time"))["at"]
    since = max(memory_start, last_success) if last_success else memory_start
    failures = AccessFailureLog.objects.filter(username=username, attempt_time__gt=since)
    known_since = now - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    if ip_address and AccessLog.objects.filter(
        username=username, ip_address=ip_address, attempt_time__gte=known_since
    ).exists():
        failures = failures.filter(ip_address=ip_address)
    counted = failures.aggregate(n=Count("id"), last=Max("attempt_time"))
    delay = username_delay(counted["n"])
    if not delay:
        return None
    until = counted["last"] + delay
    return Refusal("username", until) if until > now else None


def _address_refusal(ip_address: str | None, now: datetime) -> Refusal | None:
    if not ip_address:
        return None
    window, limit = settings.LOGIN_ADDRESS_WINDOW, settings.LOGIN_ADDRESS_LIMIT
    # The limit-th most recent failure in the window: the address is free once it is older than the window.
    oldest_counted = (
        AccessFailureLog.objects.filter(ip_address=ip_address, attempt_time__gt=now - window)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)[limit - 1:limit]
    )
    at = next(iter(oldest_counted), None)
    return Refusal("address", at + window) if at else None


def refusal(*, username: str | None, ip_address: str | None, now: datetime | None = None) -> Refusal | None:
    """Why a login try for `username` from `ip_address` is refused now, or None if it may go ahead."""
    now = now or timezone.now()
    found = [r for r in (_address_refusal(ip_address, now),
                         _username_refusal(username, ip_address, now) if username else None) if r]
    return max(found, key=lambda r: r.until) if found else None


class ThrottlingHandler(AxesDatabaseHandler):
    """django-axes's database handler (it records the failures and successes) with our two rules."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        request.login_refusal = refusal(
            username=get_client_username(request, credentials), ip_address=request.axes_ip_address
        )
        return request.login_refusal is not None

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        already_refused = request is not None and getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or already_refused:
            return  # refused before the password was checked: not counted (axes returns early)
        # This failure may start a wait: say so now rather than at the next try.
        if self.is_locked(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials


def wait_text(wait: timedelta) -> str:
    seconds = math.ceil(wait.total_seconds())
    if seconds < 60:
        return ngettext("%(count)d giây", "%(count)d giây", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)d phút", "%(count)d phút", minutes) % {"count": minutes}


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The refusal page (settings.AXES_LOCKOUT_CALLABLE): why, and how long to wait, with Retry-After."""
    found = getattr(request, "login_refusal", None) or refusal(
        username=get_client_username(request, credentials), ip_address=getattr(request, "axes_ip_address", None)
    )
    wait = found.wait() if found else timedelta(0)
    response = render(request, "registration/locked_out.html", {
        "reason": found.reason if found else "",
        "wait": wait_text(wait) if found else "",
    }, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(max(math.ceil(wait.total_seconds()), 1))
    return response
