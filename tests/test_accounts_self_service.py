"""Self-service: a forgotten password is reset by e-mail from the login page, a password is
changed from the user menu, and a session unused for 30 minutes ends (8 hours at most in all)."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.urls import reverse

from accounts.middleware import LAST_SEEN

PASSWORD = "mat-khau-thu-nghiem"
NEW_PASSWORD = "Mot-mat-khau-moi-2026"
RESET_LINK = re.compile(r"https?://[^/\s]+(/dat-mat-khau/[^\s]+/)")


@pytest.fixture
def person(user):
    user.email = "nguoidung@example.vn"
    user.save()
    return user


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def ask_for_reset(client, email: str):
    return client.post(reverse("password_reset"), {"email": email})


def test_the_login_page_offers_a_forgotten_password_link_in_vietnamese(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in page
    assert "Quên mật khẩu?" in page


def test_a_forgotten_password_is_reset_by_a_link_sent_by_email(client, person):
    response = ask_for_reset(client, "NguoiDung@example.vn")
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nguoidung@example.vn"]
    assert message.subject == "Đặt lại mật khẩu povertyplan"
    assert "nguoidung" in message.body and "Nếu bạn không xin" in message.body
    link = RESET_LINK.search(message.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Đặt mật khẩu mới" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)

    assert log_in(client, person.username, PASSWORD).status_code == 200  # the old one no longer works
    assert log_in(client, person.username, NEW_PASSWORD).status_code == 302


def test_a_reset_link_works_once(client, person):
    ask_for_reset(client, person.email)
    link = RESET_LINK.search(mail.outbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True).content.decode()
    assert "Liên kết này không còn dùng được" in again
    assert 'name="new_password1"' not in again


def test_a_reset_link_expires_after_an_hour(client, person):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    ask_for_reset(client, person.email)
    link = RESET_LINK.search(mail.outbox[0].body).group(1)
    later = PasswordResetTokenGenerator()._now() + timedelta(hours=1, minutes=1)
    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        page = client.get(link, follow=True).content.decode()
    assert "Liên kết này không còn dùng được" in page
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, person):
    response = ask_for_reset(client, "khong-co@example.vn")
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert mail.outbox == []
    assert "Hãy kiểm tra hộp thư" in client.get(response.url).content.decode()


def test_a_deactivated_account_gets_no_reset_mail(client, person):
    person.is_active = False
    person.save()
    ask_for_reset(client, person.email)
    assert mail.outbox == []


def test_the_user_menu_offers_a_password_change(client, personas):
    client.force_login(personas.officer_hg)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("password_change")}"' in page and "Đổi mật khẩu" in page
    assert f'href="{reverse("account")}"' in page


def test_a_password_change_needs_the_old_password_and_keeps_the_session(client, personas):
    officer = personas.officer_hg
    client.force_login(officer)
    url = reverse("password_change")
    wrong = client.post(url, {"old_password": "sai", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 200
    assert "Mật khẩu cũ" in wrong.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)

    right = client.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert right.status_code == 302 and right.url == reverse("password_change_done")
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    assert client.get(reverse("home")).status_code == 200  # still logged in, second factor kept


def test_a_weak_new_password_is_refused_in_vietnamese(client, personas):
    client.force_login(personas.leader)
    response = client.post(reverse("password_change"),
                           {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "quá phổ biến" in page or "hoàn toàn là số" in page


def test_a_session_idle_for_thirty_minutes_ends(client, personas):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    client.force_login(personas.leader)
    assert client.get(reverse("home")).status_code == 200

    session = client.session
    session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("document_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    page = client.get(response.url).content.decode()
    assert "Phiên làm việc đã hết hạn vì không hoạt động" in page


def test_a_session_used_within_thirty_minutes_goes_on_and_its_clock_restarts(client, personas):
    client.force_login(personas.leader)
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 29 * 60
    session.save()
    assert client.get(reverse("home")).status_code == 200
    assert int(time.time()) - client.session[LAST_SEEN] < 5
    assert SESSION_KEY in client.session


def test_the_eight_hour_limit_stays_beside_the_idle_timeout():
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_IDLE_TIMEOUT < settings.SESSION_COOKIE_AGE


def test_a_login_through_the_form_starts_the_idle_clock(client, user):
    before = int(time.time())
    log_in(client, user.username, PASSWORD)
    assert client.session[LAST_SEEN] >= before


def test_mail_goes_to_memory_in_tests_and_the_sender_is_set():
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    assert settings.DEFAULT_FROM_EMAIL


@pytest.mark.parametrize("env, backend", [
    ({}, "django.core.mail.backends.console.EmailBackend"),
    ({"EMAIL_HOST": "smtp.example.vn", "EMAIL_PORT": "587", "EMAIL_USE_TLS": "1"}, "django.core.mail.backends.smtp.EmailBackend"),
])
def test_email_is_printed_in_development_and_sent_by_smtp_when_a_host_is_set(env, backend, monkeypatch):
    import importlib

    import povertyplan.settings as project_settings

    for name in ["EMAIL_HOST", "EMAIL_BACKEND", "EMAIL_PORT", "EMAIL_USE_TLS", "DEBUG", "DEMO"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        reloaded = importlib.reload(project_settings)
        assert reloaded.EMAIL_BACKEND == backend
        if env:
            assert (reloaded.EMAIL_HOST, reloaded.EMAIL_PORT, reloaded.EMAIL_USE_TLS) == ("smtp.example.vn", 587, True)
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)
