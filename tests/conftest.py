"""Every test database holds the real country map and the seed cascade, loaded once per session.

They are the data the app is specified from; tests read them and add only what they need.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from plans.models import AdministrativeUnit, AdminMap, Document


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_units", verbosity=0)
        call_command("load_cascade", verbosity=0)


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
