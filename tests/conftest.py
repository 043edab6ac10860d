"""Every test database holds the real country map and the seed cascade, loaded once per session.

They are the data the app is specified from; tests read them and add only what they need.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from plans.models import AdministrativeUnit, AdminMap, Document


def load_reference_data() -> None:
    """The map, the cascade and what data migrations add (emptied by tests that commit)."""
    import importlib

    from django.apps import apps

    call_command("load_units", verbosity=0)
    call_command("load_cascade", verbosity=0)
    importlib.import_module("households.migrations.0002_register_indicators").add_indicators(apps, None)


@pytest.fixture(autouse=True)
def language_put_back():
    """LocaleMiddleware activates each request's language for the whole thread and never undoes it:
    after an English request in one test, later tests (and code they run outside a request) would read
    English. Put the language back after each test, passed or failed."""
    before = translation.get_language()
    yield
    translation.activate(before)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Test users' passwords need no strong hashing; production keeps Django's default (PBKDF2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def committed_country(transactional_db):
    """The reference data for tests whose data must be committed (a browser, a server process).

    pytest-django runs these after the other database tests and empties every table after each
    one, so the data loaded once per session is put back when an earlier such test removed it.
    """
    if not AdministrativeUnit.objects.exists():
        load_reference_data()


@pytest.fixture
def commune(db):
    """A commune of thành phố Cần Thơ (2025 map) that took over a legacy commune, with the
    poverty standards loaded: the place the household register's tests keep households."""
    from plans.models import UnitLevel, UnitSuccession

    call_command("load_standards", verbosity=0)
    link = (UnitSuccession.objects.filter(successor__admin_map=AdminMap.CURRENT, successor__level=UnitLevel.COMMUNE,
                                          successor__parent__code="92", predecessor__level=UnitLevel.COMMUNE,
                                          is_main=True)
            .select_related("successor").order_by("successor__code").first())
    return link.successor


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("nguoidung", password="mat-khau-thu-nghiem")


@pytest.fixture
def logged_in_client(client, user):
    client.force_login(user)
    return client


def unit(code: str, admin_map: str = AdminMap.LEGACY) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code, admin_map=admin_map)


def document(number: str, issuer_code: str) -> Document:
    return Document.objects.get(number=number, issuer__code=issuer_code)


def make_user(username: str, role: str | None = None, unit_ref: tuple[str, str] = ("VN", ""), agency_code: str | None = None):
    from plans.models import Agency, Membership

    user = get_user_model().objects.create_user(username, password="mat-khau-thu-nghiem")
    if role:
        Membership.objects.create(
            user=user, unit=unit(*unit_ref), role=role,
            agency=Agency.objects.get(code=agency_code) if agency_code else None,
        )
    return user


@pytest.fixture
def personas(db):
    """Officers of two provinces, a reviewer above the first, a leader, an admin and an outsider."""
    from types import SimpleNamespace

    from plans.models import Role

    return SimpleNamespace(
        officer_hg=make_user("canbo.hg", Role.OFFICER, ("92", AdminMap.CURRENT), "ct-so-nnmt"),
        officer_hue=make_user("canbo.hue", Role.OFFICER, ("46", AdminMap.CURRENT), "tth-so-nnmt"),
        reviewer_hg=make_user("duyet.hg", Role.REVIEWER, ("92", AdminMap.CURRENT), "ct-ubnd"),
        leader=make_user("lanhdao", Role.LEADER),
        admin=make_user("quantri", Role.ADMIN),
        outsider=make_user("nguoingoai"),
    )


# --- Second factor ------------------------------------------------------------------------------
# Administrators, officers and reviewers must give a code from an authenticator app after their
# password (accounts.middleware). Tests log personas in with `client.force_login`, which here also
# gives them a confirmed device and marks the session as having passed that step, as the person
# would after typing the code; `log_in_without_second_factor` stops after the password.

from django.test import Client  # noqa: E402

_password_only_login = Client.force_login


def totp_device(user):
    """The user's confirmed authenticator device (their phone), made on first use."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="telephone", confirmed=True)


def totp_code(device) -> str:
    """A code the device accepts now. Codes are single use: when this time step's code was used,
    the next step's (within the device's tolerance) is given, waiting for the clock if needed."""
    import time

    from django_otp.oath import TOTP, totp

    device.refresh_from_db()
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    while True:
        now_t = clock.t()
        wanted = max(now_t, device.last_t + 1)
        if wanted - now_t <= device.tolerance:
            return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + wanted - now_t):0{device.digits}d}"
        time.sleep(1)


def log_in_without_second_factor(client, user) -> None:
    _password_only_login(client, user)


def _force_login_with_second_factor(self, user, backend=None):
    from django_otp import DEVICE_ID_SESSION_KEY

    _password_only_login(self, user, backend)
    session = self.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()


Client.force_login = _force_login_with_second_factor


def give_second_factor(client, username: str) -> None:
    """After a password login through the form: type the code of the user's authenticator app."""
    from django.urls import reverse

    device = totp_device(get_user_model().objects.get(username=username))
    response = client.post(reverse("otp_verify"), {"token": totp_code(device)})
    assert response.status_code == 302, response.content.decode()[:500]
