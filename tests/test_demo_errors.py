"""The demo as `make run` serves it (DEMO=1 DEBUG=0): the project's own 404 and 500 pages, never
Django's debug page, while it still works over plain http on this machine.

Settings are read once per process, so the demo configuration runs in a process of its own.
"""

import json
import os
import subprocess
import sys

from django.conf import settings
from django.db import connection

SCRIPT = r"""
import json, sys, types
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path
from povertyplan import urls

def boom(request):
    raise RuntimeError("a failure in a view")

failing = types.ModuleType("demo_failing_urls")
failing.urlpatterns = [path("loi-thu/", boom), *urls.urlpatterns]
sys.modules[failing.__name__] = failing

client = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
missing = client.get("/khong-co-trang-nay/")
login = client.get("/dang-nhap/")
css = client.get("/static/css/app.css")
with override_settings(ROOT_URLCONF=failing.__name__):
    failure = client.get("/loi-thu/")
print(json.dumps({
    "debug": settings.DEBUG,
    "missing": [missing.status_code, missing.content.decode()],
    "failure": [failure.status_code, failure.content.decode()],
    "login": login.status_code,
    "css": [css.status_code, b"".join(css.streaming_content).decode()[:200] if css.status_code == 200 else ""],
}))
"""


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _demo(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DEMO"}}
    output = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120,
        env={**clean, "DJANGO_SETTINGS_MODULE": "povertyplan.settings", "DATABASE_URL": _database_url(), **env},
    )
    assert output.returncode == 0, output.stderr[-3000:]
    return json.loads(output.stdout.strip().splitlines()[-1])


def test_the_demo_shows_the_projects_own_404_and_500_pages_and_works_over_http(db):
    demo = _demo(DEBUG="0", DEMO="1")
    assert demo["debug"] is False
    status, page = demo["missing"]
    assert status == 404
    assert "Không tìm thấy trang" in page and "Về trang chủ" in page  # templates/404.html
    assert "Using the URLconf" not in page and "DEBUG = True" not in page  # Django's debug 404
    status, page = demo["failure"]
    assert status == 500
    assert "Hệ thống tạm thời gặp sự cố" in page  # templates/500.html
    assert "Traceback" not in page and "a failure in a view" not in page
    assert demo["login"] == 200  # no redirect to https, no refusal of the host
    status, css = demo["css"]
    assert status == 200 and css.strip()  # static files without collectstatic


def test_without_demo_debug_mode_still_shows_djangos_page_and_production_still_needs_a_key(db):
    """The demo flag changes only the demo: development keeps Django's debug 404, and DEBUG=0
    without DEMO still refuses to start without a SECRET_KEY."""
    status, page = _demo(DEBUG="1")["missing"]
    assert status == 404 and "Using the URLconf" in page
    refused = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=settings.BASE_DIR, capture_output=True,
        text=True, timeout=60, env={**os.environ, "DJANGO_SETTINGS_MODULE": "povertyplan.settings", "DEBUG": "0",
                                    "SECRET_KEY": "", "DEMO": ""},
    )
    assert refused.returncode != 0 and "SECRET_KEY must be set" in refused.stderr
