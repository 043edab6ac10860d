"""Login security: guessing is locked out (django-axes), CSRF is enforced, sessions expire."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

PASSWORD = "mat-khau-thu-nghiem"  # the `user` fixture's password
LOCKED_OUT = (
    "Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. "
    "Vui lòng thử lại sau 15 phút hoặc liên hệ quản trị viên."
)


@pytest.fixture(autouse=True)
def fifteen_minute_cooloff(settings):
    # The cool-off is read from the environment; the message below is the default one.
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def is_logged_in(client) -> bool:
    return SESSION_KEY in client.session


def test_axes_is_configured_as_specified():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True


def test_the_login_form_logs_in_with_the_right_password(client, user):
    response = log_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert is_logged_in(client)


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, user):
    for attempt in range(1, 5):
        response = log_in(client, user.username, f"sai-{attempt}")
        assert response.status_code == 200, attempt
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()

    fifth = log_in(client, user.username, "sai-5")
    assert fifth.status_code == 429
    assert LOCKED_OUT in fifth.content.decode()

    sixth = log_in(client, user.username, PASSWORD)
    assert sixth.status_code == 429
    page = sixth.content.decode()
    assert LOCKED_OUT in page
    assert "<title>Tài khoản tạm khóa · povertyplan</title>" in page  # our page, in base.html
    assert not is_logged_in(client)


def test_the_lockout_is_for_that_username_only(client, user, django_user_model):
    other = django_user_model.objects.create_user("nguoikhac", password=PASSWORD)
    for attempt in range(5):
        log_in(client, user.username, f"sai-{attempt}")
    assert log_in(client, user.username, PASSWORD).status_code == 429
    assert log_in(client, other.username, PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, user):
    for attempt in range(4):
        assert log_in(client, user.username, f"sai-{attempt}").status_code == 200
    assert log_in(client, user.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert not is_logged_in(client)

    # Four more wrong passwords would have been nine in a row without the reset.
    for attempt in range(4):
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
