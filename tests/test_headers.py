"""Response headers: a Content-Security-Policy whose scripts need the response's nonce, no caching of
what signed-in users see, and no server name."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from bench import server
from exchange.models import ImportRecord
from households import synthetic
from households.models import Household
from indicators.models import Actual, ActualSource, Indicator, Target
from plans.models import AdministrativeUnit, AdminMap, Membership, Role
from review.models import ReviewStatus
from tests.conftest import make_user, unit
from tests.jobs_helpers import run_tasks

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def script_nonces(html: str) -> list[str | None]:
    """The nonce of each script tag, but data blocks (json_script's type="application/json"), which
    browsers never run and CSP does not govern."""
    found = []
    for tag in SCRIPT_TAG.findall(html):
        if 'type="application/json"' in tag:
            continue
        match = re.search(r'\snonce="([^"]*)"', tag)
        found.append(match.group(1) if match else None)
    return found


def assert_strict_page(response, *, inline_scripts: int = 0) -> str:
    """The policy forbids inline script but the nonce's; every script tag carries this response's nonce."""
    directives = policy(response)
    scripts = directives["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert "'self'" in scripts and directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["base-uri"] == ["'none'"]
    html = response.content.decode()
    nonces = script_nonces(html)
    assert nonces, "every page loads at least the language menu's script"
    header_nonces = [value[len("'nonce-"):-1] for value in scripts if value.startswith("'nonce-")]
    assert len(header_nonces) == 1 and len(header_nonces[0]) >= 22
    assert set(nonces) == set(header_nonces), (nonces, header_nonces)
    inline = re.findall(r"<script\b(?![^>]*\ssrc=)[^>]*>", html, re.IGNORECASE)
    assert len(inline) >= inline_scripts
    assert not EVENT_HANDLER.search(html), EVENT_HANDLER.search(html).group(0)
    return html


@pytest.fixture
def commune(db):
    call_command("load_standards", verbosity=0)
    slots = synthetic.legacy_slots([unit("673")], per_commune=2)  # Bảo Lộc
    synthetic.generate(slots, years=[2024, 2025], seed=7)
    return AdministrativeUnit.objects.get(pk=slots[0].commune_id)


@pytest.fixture
def officer(commune):
    user = make_user("canbo.xa")
    Membership.objects.create(user=user, unit=commune, role=Role.OFFICER)
    return user


def household_urls(commune) -> list[str]:
    household = Household.objects.filter(commune=commune).order_by("code").first()
    return [
        reverse("household_list", args=[commune.pk]),
        reverse("household_detail", args=[household.pk]),
        reverse("household_edit", args=[household.pk]),
        reverse("review_edit", args=[household.pk, 2025]),
        reverse("household_create", args=[commune.pk]),
    ]


def test_the_login_page_has_the_policy_and_its_nonce(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_strict_page(response)
    assert "no-store" in response["Cache-Control"]  # Django's login view is never_cache


def test_each_response_has_a_new_nonce(client, db):
    first, second = (policy(client.get(reverse("login")))["script-src"] for _ in range(2))
    assert first != second


def test_leader_pages_and_their_charts_carry_the_nonce(client, personas):
    Actual.objects.create(indicator=Indicator.objects.get(code="GN01"), unit=unit("93"), year=2021,
                          status=ReviewStatus.APPROVED, source=ActualSource.ENTERED, value=Decimal("4.1"))
    target = Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")
    client.force_login(personas.leader)
    for url in (reverse("home"), reverse("dashboard"), reverse("dashboard_compare_index"), reverse("my_work")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_page(response)
    # The target chart and the comparison chart: plotly's drawing script is inline, with the nonce.
    for url in (reverse("dashboard_target", args=[target.pk]),
                reverse("dashboard_compare", args=[Indicator.objects.get(code="GN01").pk])):
        response = client.get(url)
        html = assert_strict_page(response, inline_scripts=1)
        assert "Plotly.newPlot" in html and "/static/vendor/plotly-basic/plotly-basic.min.js" in html, url


def test_household_pages_carry_the_nonce_and_are_never_stored(client, commune, officer, personas):
    client.force_login(personas.admin)
    assert client.post(reverse("register_recompute"), {"nam": 2025}).status_code == 302
    run_tasks()  # the recompute, queued by the button
    board = client.get(reverse("register_dashboard", args=[commune.pk]), {"nam": 2025})
    assert "Plotly.newPlot" in assert_strict_page(board, inline_scripts=1)

    client.force_login(officer)
    for url in [reverse("register_dashboard", args=[commune.pk]), *household_urls(commune)]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_page(response)
        cache = response["Cache-Control"]
        assert "no-store" in cache and "private" in cache and "public" not in cache, (url, cache)
    export = client.get(reverse("household_export", args=[commune.pk]))
    assert export.status_code == 200 and "no-store" in export["Cache-Control"]


def test_import_pages_carry_the_nonce_with_htmx_from_our_static_files(client, personas):
    record = ImportRecord.objects.create(file_name="so-lieu.xlsx", checksum="0" * 64, size=1, user=personas.admin)
    client.force_login(personas.admin)
    assert_strict_page(client.get(reverse("import_home")))
    response = client.get(reverse("import_detail", args=[record.pk]))
    assert response.status_code == 200
    html = assert_strict_page(response)
    assert "/static/django_htmx/htmx-2.min.js" in html and "hx-get" in html


def test_the_lockout_and_not_found_pages_have_the_policy_too(client, logged_in_client, db):
    for attempt in range(3):
        response = client.post(reverse("login"), {"username": "ai-do", "password": f"sai-{attempt}"})
    assert response.status_code == 429
    assert_strict_page(response)
    missing = logged_in_client.get("/khong-co-trang-nay/")
    assert missing.status_code == 404
    assert_strict_page(missing)


def test_every_signed_in_page_is_no_store_but_static_files_stay_cacheable(logged_in_client):
    response = logged_in_client.get(reverse("home"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    static = logged_in_client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")


def test_templates_have_no_inline_handlers_and_every_script_tag_takes_the_nonce():
    templates = [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")]
    assert len(templates) > 50
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert not EVENT_HANDLER.search(text), (path, EVENT_HANDLER.search(text).group(0))
        assert "javascript:" not in text.lower(), path
        for tag in SCRIPT_TAG.findall(text):
            assert 'nonce="{{ request.csp_nonce }}"' in tag, (path, tag)
        # Chart HTML built in Python has inline script: it goes through the nonce filter, never |safe.
        assert not re.search(r"\{\{\s*chart\w*\|safe", text), path


def test_the_server_does_not_name_itself():
    if connection.vendor != "postgresql":
        pytest.skip("gunicorn runs against the PostgreSQL test database")
    db = connection.settings_dict
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    with server.running({"DATABASE_URL": url, "SECRET_KEY": settings.SECRET_KEY}, workers=1, threads=1,
                        access_log=False) as web:
        for path in ("/dang-nhap/", "/static/css/app.css", "/khong-co-trang-nay/"):
            http = web.connection()
            http.request("GET", path, headers=server.PROXY_HEADERS)
            response = http.getresponse()
            response.read()
            names = {name.lower() for name, _ in response.getheaders()}
            assert response.status in (200, 302, 404), (path, response.status)
            assert "server" not in names and "x-powered-by" not in names, (path, response.getheaders())
            if path == "/dang-nhap/":
                assert "'unsafe-inline'" not in response.getheader("Content-Security-Policy").split("script-src")[1].split(";")[0]
