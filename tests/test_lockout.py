"""Login guessing is slowed per username and capped per address, and nobody can lock a user out.

The clock is moved with time-machine; nothing sleeps.
"""

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.contrib.auth import SESSION_KEY
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.lockout import client_ip

PASSWORD = "mat-khau-thu-nghiem"  # the `user` fixture's password
START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
ATTACKER, OFFICE, HOME = "203.0.113.5", "198.51.100.7", "192.0.2.44"
PROXY = "127.0.0.1"
USERNAME_WAIT = "Tên đăng nhập này vừa bị nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau {wait}"
ADDRESS_WAIT = "Có quá nhiều lần đăng nhập sai từ địa chỉ mạng này. Vui lòng thử lại sau {wait}."


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def log_in(username, password, address, forwarded_for=None):
    """A login from a fresh browser at `address` (REMOTE_ADDR), optionally through a proxy."""
    client = Client()
    extra = {"REMOTE_ADDR": address}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    response = client.post(reverse("login"), {"username": username, "password": password}, **extra)
    response.logged_in = SESSION_KEY in client.session
    return response


def fail(username, address, **kwargs):
    return log_in(username, "sai-mat-khau", address, **kwargs)


def test_five_wrong_passwords_from_one_address_do_not_lock_the_user_out_elsewhere(clock, user):
    for attempt in range(5):
        fail(user.username, ATTACKER)
        clock.shift(timedelta(seconds=30))  # slower than the delays: every failure counts
    assert AccessFailureLog.objects.filter(username=user.username).count() == 5
    clock.shift(timedelta(seconds=-30))

    # Right after the fifth failure the username waits 2^(5-3) = 4 s, from anywhere (a new address)...
    refused = log_in(user.username, PASSWORD, OFFICE)
    assert refused.status_code == 429 and not refused.logged_in
    assert USERNAME_WAIT.format(wait="4 giây") in refused.content.decode()
    assert refused["Retry-After"] == "4"

    # ...and not a second longer: the right password then works, no 15-minute lock.
    clock.shift(timedelta(seconds=4))
    response = log_in(user.username, PASSWORD, OFFICE)
    assert response.status_code == 302 and response.logged_in


def test_the_delay_doubles_with_each_failure_up_to_fifteen_minutes(clock, user):
    expected = [0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    for failures, delay in enumerate(expected, start=1):
        response = fail(user.username, ATTACKER)
        if delay:
            assert response.status_code == 429, failures  # this failure starts the wait at once
            assert response["Retry-After"] == str(delay), failures
            clock.shift(timedelta(seconds=delay - 1))
            early = log_in(user.username, PASSWORD, OFFICE)
            assert early.status_code == 429 and not early.logged_in, failures
            clock.shift(timedelta(seconds=1))
        else:
            assert response.status_code == 200, failures
            assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    assert AccessFailureLog.objects.filter(username=user.username).count() == len(expected)
    assert "15 phút" in fail(user.username, ATTACKER).content.decode()


def test_tries_during_the_wait_are_refused_uncounted_and_do_not_extend_it(clock, user):
    for _ in range(6):
        fail(user.username, ATTACKER)
        clock.shift(timedelta(minutes=1))
    clock.shift(timedelta(minutes=-1))  # the sixth failure was just now: 8 s to wait
    for _ in range(50):  # an attacker hammering during the wait
        assert fail(user.username, ATTACKER).status_code == 429
        clock.shift(timedelta(seconds=0.1))
    assert AccessFailureLog.objects.filter(username=user.username).count() == 6
    clock.move_to(START + timedelta(minutes=5, seconds=8))  # the sixth failure + 8 s
    assert log_in(user.username, PASSWORD, HOME).logged_in


def test_a_guesser_elsewhere_cannot_keep_a_user_out_of_an_address_they_logged_in_from(clock, user):
    assert log_in(user.username, PASSWORD, OFFICE).logged_in
    clock.shift(timedelta(days=2))
    for _ in range(12):
        fail(user.username, ATTACKER)
        clock.shift(timedelta(minutes=10))
    clock.shift(timedelta(minutes=-10))
    # A new address waits the full delay of twelve failures (512 s)...
    assert log_in(user.username, PASSWORD, HOME).status_code == 429
    # ...the office, where the user logged in before, counts only its own failures.
    assert log_in(user.username, PASSWORD, OFFICE).logged_in


def test_a_known_address_is_still_slowed_down_by_its_own_failures(clock, user):
    assert log_in(user.username, PASSWORD, OFFICE).logged_in
    clock.shift(timedelta(hours=1))
    for _ in range(3):
        fail(user.username, OFFICE)
    assert log_in(user.username, PASSWORD, OFFICE).status_code == 429
    clock.shift(timedelta(seconds=1))
    assert log_in(user.username, PASSWORD, OFFICE).logged_in


def test_spraying_one_password_over_many_usernames_from_one_address_is_limited(clock, user, django_user_model):
    for number in range(30):
        response = fail(f"canbo{number:02d}", ATTACKER)
        assert response.status_code == (429 if number == 29 else 200), number
        clock.shift(timedelta(seconds=10))
    # 30 failures within 15 minutes: that address is refused for any username, even the right password.
    refused = log_in(user.username, PASSWORD, ATTACKER)
    assert refused.status_code == 429 and not refused.logged_in
    # The first failure (at START) leaves the window at START + 15 min; it is now START + 5 min.
    assert ADDRESS_WAIT.format(wait="10 phút") in refused.content.decode()
    assert AccessFailureLog.objects.filter(ip_address=ATTACKER).count() == 30  # refusals not counted
    # Other addresses are not concerned, and the user was not slowed (one failure at most per name).
    assert log_in(user.username, PASSWORD, OFFICE).logged_in
    clock.move_to(START + timedelta(minutes=15, seconds=1))
    assert log_in(user.username, PASSWORD, ATTACKER).logged_in


def test_a_success_does_not_clear_an_address_count(clock, user):
    for number in range(29):
        fail(f"canbo{number:02d}", ATTACKER)
    assert log_in(user.username, PASSWORD, ATTACKER).logged_in  # the sprayer's own account
    assert fail("canbo99", ATTACKER).status_code == 429
    assert log_in(user.username, PASSWORD, ATTACKER).status_code == 429


# The client's address behind the trusted proxy.

def test_through_one_trusted_proxy_the_forwarded_address_is_the_client(clock, user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # Every request arrives from the proxy; the proxy appends the address it saw. The attacker
    # also sends a forged X-Forwarded-For of their own, different each time.
    for number in range(30):
        fail(f"canbo{number:02d}", PROXY, forwarded_for=f"10.9.{number}.1, {ATTACKER}")
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    forged = log_in(user.username, PASSWORD, PROXY, forwarded_for=f"{OFFICE}, {ATTACKER}")
    assert forged.status_code == 429 and not forged.logged_in
    # Another client behind the same proxy is not refused.
    assert log_in(user.username, PASSWORD, PROXY, forwarded_for=OFFICE).logged_in


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(clock, user, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    # A client that rotates a forged X-Forwarded-For is still one address.
    for number in range(30):
        fail(f"canbo{number:02d}", ATTACKER, forwarded_for=f"10.9.{number}.1")
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    refused = log_in(user.username, PASSWORD, ATTACKER, forwarded_for=OFFICE)
    assert refused.status_code == 429 and not refused.logged_in


@pytest.mark.parametrize(("count", "header", "expected"), [
    (0, "203.0.113.5", PROXY),  # not trusted: ignored
    (1, None, PROXY),  # nothing forwarded: the peer itself
    (1, "203.0.113.5", "203.0.113.5"),
    (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the client's own entries are ignored
    (1, " 6.6.6.6 ,2001:db8::1 ", "2001:db8::1"),
    (2, "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),  # two proxies: the outer one's view
    (2, "203.0.113.5", PROXY),  # fewer hops than trusted proxies: not guessed
    (1, "6.6.6.6, not-an-address", PROXY),
])
def test_client_ip(settings, count, header, expected):
    settings.TRUSTED_PROXY_COUNT = count
    extra = {"REMOTE_ADDR": PROXY}
    if header is not None:
        extra["HTTP_X_FORWARDED_FOR"] = header
    assert client_ip(RequestFactory().get("/", **extra)) == expected
