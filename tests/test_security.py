"""Login security: guessing is slowed down (accounts.lockout), CSRF is enforced, sessions expire."""

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

PASSWORD = "mat-khau-thu-nghiem"  # the `user` fixture's password
MUST_WAIT = (
    "Tên đăng nhập này vừa bị nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau 1 giây; "
    "mật khẩu đúng sẽ đăng nhập được bình thường."
)


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc), tick=False) as traveller:
        yield traveller


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def is_logged_in(client) -> bool:
    return SESSION_KEY in client.session


def test_axes_is_configured_as_specified():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_HANDLER == "accounts.lockout.ThrottlingHandler"
    assert settings.AXES_CLIENT_IP_CALLABLE == "accounts.lockout.client_ip"
    assert settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is False
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.LOGIN_DELAY_AFTER == 3
    assert settings.LOGIN_MAX_DELAY == timedelta(minutes=15)
    assert (settings.LOGIN_ADDRESS_LIMIT, settings.LOGIN_ADDRESS_WINDOW) == (30, timedelta(minutes=15))
    assert settings.TRUSTED_PROXY_COUNT == 0


def test_the_login_form_logs_in_with_the_right_password(client, user):
    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert is_logged_in(client)


def test_three_wrong_passwords_make_even_the_right_one_wait_a_second(client, user, clock):
    for attempt in range(1, 3):
        response = log_in(client, user.username, f"sai-{attempt}")
        assert response.status_code == 200, attempt
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()

    third = log_in(client, user.username, "sai-3")
    assert third.status_code == 429
    assert MUST_WAIT in third.content.decode()

    right_too_soon = log_in(client, user.username, PASSWORD)
    assert right_too_soon.status_code == 429
    page = right_too_soon.content.decode()
    assert MUST_WAIT in page
    assert "<title>Tạm dừng đăng nhập · Giảm nghèo bền vững</title>" in page  # our page, in base.html
    assert not is_logged_in(client)

    clock.shift(timedelta(seconds=1))  # the wait is a delay, not a lock
    assert log_in(client, user.username, PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_the_wait_is_for_that_username_only(client, user, django_user_model, clock):
    other = django_user_model.objects.create_user("nguoikhac", password=PASSWORD)
    for attempt in range(5):
        log_in(client, user.username, f"sai-{attempt}")
    assert log_in(client, user.username, PASSWORD).status_code == 429
    assert log_in(client, other.username, PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, user, clock):
    for attempt in range(2):
        assert log_in(client, user.username, f"sai-{attempt}").status_code == 200
    assert log_in(client, user.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert not is_logged_in(client)

    # Two more wrong passwords would have been four in a row without the reset (a wait from the third).
    for attempt in range(2):
        response = log_in(client, user.username, f"lai-sai-{attempt}")
        assert response.status_code == 200, attempt
    assert log_in(client, user.username, PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_force_login_still_works_for_tests(logged_in_client):
    assert logged_in_client.get(reverse("home")).status_code == 200


def test_a_login_post_without_the_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 403
    assert not is_logged_in(client)


def test_a_login_post_with_the_csrf_token_is_accepted(user):
    client = Client(enforce_csrf_checks=True)
    form = client.get(reverse("login"))
    token = form.context["csrf_token"]
    response = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert is_logged_in(client)


def test_sessions_last_eight_hours_and_end_with_the_browser(client, user):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True

    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert client.session.get_expiry_age() == 8 * 3600
    assert client.session.get_expire_at_browser_close()
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie
