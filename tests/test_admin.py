"""Django admin: every model has a working list, search ignores Vietnamese diacritics."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse


@pytest.fixture
def admin_client_(client, db):
    client.force_login(get_user_model().objects.create_superuser("quantri", password="mat-khau-quan-tri"))
    return client


PROJECT_MODELS = [m for m in admin.site._registry if m._meta.app_label in {"plans", "indicators", "households"}]


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m.__name__)
def test_every_project_model_has_an_admin_list_that_renders(admin_client_, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client_.get(url).status_code == 200


def test_admin_search_ignores_diacritics(admin_client_):
    response = admin_client_.get(reverse("admin:plans_document_changelist"), {"q": "bao loc"})
    numbers = [d.number for d in response.context["cl"].result_list]
    assert numbers == ["chưa rõ số (CTr thực hiện NQ 09)"]
    units = admin_client_.get(reverse("admin:plans_administrativeunit_changelist"), {"q": "hau giang"}).context["cl"]
    assert "Tỉnh Hậu Giang" in [u.name for u in units.result_list]


def test_admin_autocomplete_finds_agencies_without_accents(admin_client_):
    response = admin_client_.get(
        reverse("admin:autocomplete"),
        {"app_label": "plans", "model_name": "task", "field_name": "lead_agency", "term": "so lao dong hau giang"},
    )
    names = [r["text"] for r in response.json()["results"]]
    assert "Sở Lao động - Thương binh và Xã hội tỉnh Hậu Giang" in names


def test_non_staff_users_cannot_open_the_admin(logged_in_client):
    response = logged_in_client.get(reverse("admin:plans_document_changelist"))
    assert response.status_code == 302
