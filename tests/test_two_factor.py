"""Second factor: administrators and whoever may read households' personal data give a code from an
authenticator app after their password, and set one up before anything else; others may."""

import re
from base64 import b32encode

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from plans.models import AdminMap, Membership, Role
from tests.conftest import log_in_without_second_factor, make_user, totp_code, totp_device, unit

WRONG_CODE = "Mã xác thực không đúng hoặc đã hết hạn. Xin nhập lại."
PASSWORD = "mat-khau-thu-nghiem"


@pytest.fixture(autouse=True)
def no_throttle(settings):
    # A wrong code delays the next try (1 s, 2 s…); tests that try again right away skip that wait.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def required_people(personas):
    superuser = make_user("sieu")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    staff = make_user("nhanvien")
    staff.is_staff = True
    staff.save()
    return {
        "superuser": superuser, "staff": staff, "national admin": personas.admin,
        "unit admin": make_user("quantri.hue", Role.UNIT_ADMIN, ("46", AdminMap.CURRENT)),
        "officer": personas.officer_hg, "reviewer": personas.reviewer_hg,
    }


def password_only(user) -> Client:
    client = Client()
    log_in_without_second_factor(client, user)
    return client


PAGES = ["home", "document_list", "dashboard", "register_home", "my_work", "user_list", "account", "password_change"]


@pytest.mark.parametrize("who", ["superuser", "staff", "national admin", "unit admin", "officer", "reviewer"])
def test_required_users_without_a_device_reach_only_the_enrolment_page(required_people, who):
    client = password_only(required_people[who])
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("otp_enrol")), name
    assert client.get("/quan-tri/").url.startswith(reverse("otp_enrol"))
    assert client.get(reverse("otp_enrol")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


@pytest.mark.parametrize("who", ["superuser", "national admin", "unit admin", "officer", "reviewer"])
def test_required_users_with_a_device_must_give_its_code(required_people, who):
    user = required_people[who]
    device = totp_device(user)
    client = password_only(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == f"{reverse('otp_verify')}?next=%2F"
    # A password alone never replaces the device: the enrolment page sends back to the code.
    assert client.get(reverse("otp_enrol")).url == reverse("otp_verify")

    done = client.post(reverse("otp_verify"), {"token": totp_code(device), "next": "/"})
    assert done.status_code == 302 and done.url == "/"
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_is_refused_in_vietnamese_and_opens_nothing(personas):
    device = totp_device(personas.officer_hg)
    client = password_only(personas.officer_hg)
    right = totp_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(reverse("otp_verify"), {"token": wrong})
    assert response.status_code == 200
    assert WRONG_CODE in response.content.decode()
    assert client.get(reverse("home")).url.startswith(reverse("otp_verify"))
    assert client.post(reverse("otp_verify"), {"token": "abc"}).status_code == 200

    assert client.post(reverse("otp_verify"), {"token": right}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_code_is_used_once(personas):
    device = totp_device(personas.reviewer_hg)
    code = totp_code(device)
    first = password_only(personas.reviewer_hg)
    assert first.post(reverse("otp_verify"), {"token": code}).status_code == 302
    second = password_only(personas.reviewer_hg)
    assert WRONG_CODE in second.post(reverse("otp_verify"), {"token": code}).content.decode()


def test_wrong_codes_slow_further_tries_down(personas, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    device = totp_device(personas.officer_hg)
    client = password_only(personas.officer_hg)
    client.post(reverse("otp_verify"), {"token": "000000"})
    response = client.post(reverse("otp_verify"), {"token": totp_code(device)})  # within the 1-second delay
    assert WRONG_CODE in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # the refused-while-waiting try is not counted again


def enrol(client, user) -> list[str]:
    """Through the enrolment page as a person would: QR code and secret, a code, recovery codes."""
    page = client.get(reverse("otp_enrol")).content.decode()
    assert "<svg" in page and "http://" not in page.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", "")
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert secret == b32encode(device.bin_key).decode()
    response = client.post(reverse("otp_enrol"), {"token": totp_code(device), "next": "/"})
    assert response.status_code == 302 and response.url.startswith(reverse("otp_recovery_codes"))
    codes_page = client.get(response.url).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", codes_page)
    assert len(codes) == 10
    return codes


def test_enrolment_shows_the_secret_once_confirms_with_a_code_and_gives_ten_recovery_codes_once(personas):
    officer = personas.officer_hg
    client = password_only(officer)
    wrong = client.post(reverse("otp_enrol"), {"token": "000000"})
    assert WRONG_CODE in wrong.content.decode()
    codes = enrol(client, officer)
    assert TOTPDevice.objects.get(user=officer).confirmed
    assert set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True)) == set(codes)
    assert client.get(reverse("home")).status_code == 200
    again = client.get(reverse("otp_recovery_codes")).content.decode()
    assert not any(code in again for code in codes)  # shown once


def test_a_recovery_code_works_once(personas):
    officer = personas.officer_hg
    codes = enrol(password_only(officer), officer)

    lost_phone = password_only(officer)
    response = lost_phone.post(reverse("otp_verify"), {"token": codes[3]})
    assert response.status_code == 302
    assert lost_phone.get(reverse("home")).status_code == 200
    assert StaticToken.objects.filter(device__user=officer).count() == 9

    again = password_only(officer)
    assert WRONG_CODE in again.post(reverse("otp_verify"), {"token": codes[3]}).content.decode()
    assert again.get(reverse("home")).url.startswith(reverse("otp_verify"))


def test_new_recovery_codes_replace_the_old_ones(personas):
    officer = personas.officer_hg
    client = password_only(officer)
    old = enrol(client, officer)
    client.post(reverse("otp_recovery_codes"))
    new = re.findall(r"<li>([a-z2-7]{8})</li>", client.get(reverse("otp_recovery_codes")).content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert StaticDevice.objects.filter(user=officer).count() == 1


@pytest.mark.parametrize("who", ["leader", "outsider"])
def test_optional_users_are_unaffected(personas, who):
    client = password_only(getattr(personas, who))
    for name in ["home", "document_list", "my_work", "account", "password_change"]:
        assert client.get(reverse(name)).status_code == 200, name


def test_an_optional_user_who_set_one_up_gives_its_code_and_may_turn_it_off(personas):
    leader = personas.leader
    client = password_only(leader)
    enrol(client, leader)
    later = password_only(leader)
    assert later.get(reverse("home")).url.startswith(reverse("otp_verify"))
    later.post(reverse("otp_verify"), {"token": totp_code(TOTPDevice.objects.get(user=leader))})
    later.post(reverse("otp_disable"))
    assert not TOTPDevice.objects.filter(user=leader).exists()
    assert password_only(leader).get(reverse("home")).status_code == 200


def test_a_required_user_cannot_turn_it_off(personas):
    client = Client()
    client.force_login(personas.officer_hg)
    client.post(reverse("otp_disable"))
    assert TOTPDevice.objects.filter(user=personas.officer_hg, confirmed=True).exists()


def test_a_role_given_during_a_session_asks_for_the_second_factor_at_once(personas):
    client = password_only(personas.outsider)
    assert client.get(reverse("home")).status_code == 200
    Membership.objects.create(user=personas.outsider, unit=unit("92", AdminMap.CURRENT), role=Role.OFFICER)
    assert client.get(reverse("home")).url.startswith(reverse("otp_enrol"))


def test_the_login_form_leads_an_administrator_to_the_code_step(personas):
    totp_device(personas.admin)
    client = Client()
    response = client.post(reverse("login"), {"username": "quantri", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("otp_verify"))
    assert "Nhập mã 6 chữ số" in response.content.decode()


def test_an_open_redirect_after_the_code_is_refused(personas):
    device = totp_device(personas.admin)
    client = password_only(personas.admin)
    response = client.post(reverse("otp_verify"), {"token": totp_code(device), "next": "https://example.com/"})
    assert response.url == "/"


def test_the_demo_users_who_need_it_get_an_authenticator_key_and_a_code_command(db, capsys, settings):
    call_command("create_demo_users", "--force")
    out = capsys.readouterr().out
    User = get_user_model()
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
    assert with_device == {"admin", "canbo.haugiang", "canbo.hue", "duyet.haugiang", "quantri.hue"}
    assert "lanhdao" not in with_device and User.objects.filter(username="lanhdao").exists()
    assert out.count("xác thực hai bước: khóa ") == 5
    unit_admin = User.objects.get(username="quantri.hue")
    assert unit_admin.memberships.get().role == Role.UNIT_ADMIN

    settings.DEBUG = True
    call_command("demo_otp_code", "quantri.hue")
    code = capsys.readouterr().out.strip()
    assert re.fullmatch(r"\d{6}", code)
    client = password_only(unit_admin)
    assert client.post(reverse("otp_verify"), {"token": code}).status_code == 302
    assert client.get(reverse("user_list")).status_code == 200

    settings.DEBUG, settings.DEMO = False, False
    with pytest.raises(Exception, match="demo"):
        call_command("demo_otp_code", "quantri.hue")


def test_the_demo_code_command_also_serves_an_enrolment_in_progress(personas, settings, capsys):
    settings.DEBUG = True
    client = password_only(personas.officer_hg)
    client.get(reverse("otp_enrol"))
    call_command("demo_otp_code", personas.officer_hg.username)
    code = capsys.readouterr().out.strip()
    response = client.post(reverse("otp_enrol"), {"token": code})
    assert response.status_code == 302 and response.url.startswith(reverse("otp_recovery_codes"))
