"""Two officers saving the first figure (or task report) of the same period at the same moment, each
in their own transaction and connection: the second gets the conflict page with both values, never
a 500. On SQLite a locked database is tried again, then answered with a Vietnamese 503 page."""

import os
import runpy
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse

from indicators import services
from indicators.models import Actual, Target
from plans import database_busy
from plans.models import AdminMap, Role, Task
from review.models import TaskReport
from review.workflow import EditConflict
from tests.conftest import make_user

YEAR = 2024

concurrent = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions")


def hg_target() -> Target:
    return Target.objects.get(document__issuer__code="hg-ubnd", code="II.2.a.1")  # GN01, 2021–2025


def figure_form(value: str) -> dict:
    return {"year": YEAR, "period": "nam", "value": value, "numerator": "", "denominator": "", "version": "",
            "action": "save", "correction_reason": ""}


def report_form(percent: str) -> dict:
    return {"year": YEAR, "period": "nam", "progress": "in_progress", "percent_done": percent, "completed_on": "",
            "narrative": f"Đã thực hiện {percent}%", "version": "", "action": "save", "correction_reason": ""}


def _post(name: str, user, url: str, data: dict, responses: dict, errors: list) -> None:
    try:
        client = Client()
        client.force_login(user)
        responses[name] = client.post(url, data)
    except Exception as error:  # noqa: BLE001 (reported by the test)
        errors.append(error)
    finally:
        connections.close_all()


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _race(model, url: str, first_data: dict, second_data: dict, users) -> dict:
    """The first officer's INSERT is held uncommitted until the second's INSERT waits on the
    unique index behind it (seen in pg_stat_activity); then the first commits."""
    inserted, release = threading.Event(), threading.Event()

    def hold(sender, instance, created, **kwargs):
        if created and threading.current_thread().name == "first":
            inserted.set()
            release.wait(30)

    post_save.connect(hold, sender=model, dispatch_uid="test-first-save-hold")
    responses, errors = {}, []
    first = threading.Thread(target=_post, name="first", args=("first", users[0], url, first_data, responses, errors))
    second = threading.Thread(target=_post, name="second", args=("second", users[1], url, second_data, responses, errors))
    try:
        first.start()
        assert inserted.wait(30), errors
        second.start()
        deadline = time.monotonic() + 30
        while _waiting_on_a_lock() == 0:
            assert time.monotonic() < deadline, "the second save never reached the first one's row"
            time.sleep(0.05)
    finally:
        release.set()
        first.join(60)
        second.join(60)
        post_save.disconnect(dispatch_uid="test-first-save-hold", sender=model)
    assert errors == []
    return responses


@concurrent
def test_two_first_saves_of_one_figure_at_once_the_second_gets_the_conflict_page(committed_country):
    users = [make_user(name, Role.OFFICER, ("92", AdminMap.CURRENT), "ct-so-nnmt") for name in ("canbo.mot", "canbo.hai")]
    users[0].first_name, users[0].last_name = "Nguyễn Văn", "Một"
    users[0].save()
    target = hg_target()
    url = f"{reverse('actual_entry', args=[target.pk])}?nam={YEAR}"

    responses = _race(Actual, url, figure_form("2,5"), figure_form("3,1"), users)

    assert responses["first"].status_code == 302
    second = responses["second"]
    assert second.status_code == 409
    page = second.content.decode()
    assert "Bản ghi này vừa được người khác lưu sau khi bạn mở trang" in page
    mine = page.split('class="card mine"', 1)[1].split("</div>", 1)[0]
    theirs = page.split('class="card theirs"', 1)[1].split("</div>", 1)[0]
    assert "3,1%" in mine and "2,5%" in theirs and "Nguyễn Văn Một" in theirs  # who saved first
    assert 'value="3,1"' in page  # what the second officer typed stays in the form
    stored = Actual.objects.get()
    assert (stored.value, stored.created_by, stored.version) == (Decimal("2.5"), users[0], 1)


@concurrent
def test_two_first_task_reports_of_one_period_at_once_the_second_gets_the_conflict_page(committed_country):
    task = Task.objects.filter(document__issuer__code="hg-ubnd", lead_agency__code="hg-so-ldtbxh").order_by("pk").first()
    users = [make_user(name, Role.OFFICER, ("92", AdminMap.CURRENT), "ct-so-nnmt") for name in ("canbo.ba", "canbo.bon")]
    url = f"{reverse('task_report_entry', args=[task.pk])}?nam={YEAR}&co_quan={task.lead_agency.code}"

    responses = _race(TaskReport, url, report_form("40"), report_form("70"), users)

    assert responses["first"].status_code == 302
    page = responses["second"].content.decode()
    assert responses["second"].status_code == 409
    assert "70%" in page.split('class="card mine"', 1)[1].split("</div>", 1)[0]
    assert "40%" in page.split('class="card theirs"', 1)[1].split("</div>", 1)[0]
    assert TaskReport.objects.get().percent_done == 40


def test_a_first_save_that_finds_the_row_saved_just_before_its_insert_is_a_conflict(personas, monkeypatch):
    """The other first save committed between this save's look-up and its INSERT: the unique check
    of full_clean() refuses (not the INSERT), and the winner comes back as the conflict."""
    target = hg_target()

    def the_other_save_lands_meanwhile(user, action, **kwargs):  # runs right after the look-up
        Actual.objects.create(indicator=target.indicator, unit=target.territory, year=YEAR, value=Decimal("2.5"),
                              created_by=personas.reviewer_hg)

    monkeypatch.setattr(services, "require", the_other_save_lands_meanwhile)
    with pytest.raises(EditConflict) as conflict:
        services.save_actual(user=personas.officer_hg, indicator=target.indicator, unit=target.territory,
                             year=YEAR, value=Decimal("3.1"), target=target)
    assert (conflict.value.current.value, conflict.value.current.created_by) == (Decimal("2.5"), personas.reviewer_hg)


# ---------------------------------------------------------------------------------------------
# SQLite: a locked database


@pytest.fixture
def no_pause(monkeypatch):
    monkeypatch.setattr(database_busy, "PAUSE_SECONDS", 0)


def _locked_save_actual(fail_times: int, calls: list):
    real = services.save_actual

    def save_actual(**kwargs):
        calls.append(kwargs["year"])
        if len(calls) <= fail_times:
            raise OperationalError("database is locked")
        return real(**kwargs)

    return save_actual


def test_a_locked_database_is_tried_again_and_the_save_goes_through(client, personas, monkeypatch, no_pause):
    calls: list = []
    monkeypatch.setattr(services, "save_actual", _locked_save_actual(2, calls))
    client.force_login(personas.officer_hg)
    response = client.post(f"{reverse('actual_entry', args=[hg_target().pk])}?nam={YEAR}", figure_form("2,5"))
    assert response.status_code == 302
    assert len(calls) == 3 == database_busy.ATTEMPTS
    assert Actual.objects.get().value == Decimal("2.5")


def test_a_database_locked_every_time_gets_a_vietnamese_page_and_nothing_is_saved(client, personas, monkeypatch, no_pause):
    calls: list = []
    monkeypatch.setattr(services, "save_actual", _locked_save_actual(99, calls))
    client.force_login(personas.officer_hg)
    response = client.post(f"{reverse('actual_entry', args=[hg_target().pk])}?nam={YEAR}", figure_form("2,5"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert len(calls) == database_busy.ATTEMPTS
    page = response.content.decode()
    assert "Hệ thống đang bận" in page and "CHƯA được lưu" in page
    assert not Actual.objects.exists()


def test_other_database_errors_are_not_taken_for_a_lock(client, personas, monkeypatch):
    def broken(**kwargs):
        raise OperationalError("no such table: indicators_actual")

    monkeypatch.setattr(services, "save_actual", broken)
    client.force_login(personas.officer_hg)
    with pytest.raises(OperationalError, match="no such table"):
        client.post(f"{reverse('actual_entry', args=[hg_target().pk])}?nam={YEAR}", figure_form("2,5"))


def test_the_sqlite_database_waits_for_the_writer_before_its_transaction_begins(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    values = runpy.run_path(str(Path(settings.BASE_DIR) / "povertyplan" / "settings.py"))
    options = values["DATABASES"]["default"]["OPTIONS"]
    assert options == {"timeout": 5, "transaction_mode": "IMMEDIATE"}
    monkeypatch.setenv("DATABASE_URL", os.environ.get("TEST_DATABASE_URL", "postgres://u@127.0.0.1:5432/x"))
    assert "timeout" not in runpy.run_path(str(Path(settings.BASE_DIR) / "povertyplan" / "settings.py"))[
        "DATABASES"]["default"].get("OPTIONS", {})
