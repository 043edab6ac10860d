"""The job queue (jobs/): the periodic schedule enqueued once per period, the jobs page and its
refusals, tasks whose worker died, "run again", and large exports built by a task."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from households import synthetic
from households.tasks import recompute_register_nightly, recompute_register_year
from jobs import liveness, services
from jobs.models import PeriodicRun
from tests.conftest import unit
from tests.jobs_helpers import run_tasks

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=HANOI)


# ---------------------------------------------------------------------------------------------
# The scheduler


def test_the_scheduler_enqueues_the_nightly_recompute_once_per_night(db):
    with time_machine.travel(_at(2026, 12, 6, 0, 30), tick=False):
        call_command("run_scheduler")  # before 01:00: not yet due
    assert not DBTaskResult.objects.exists() and not PeriodicRun.objects.exists()

    with time_machine.travel(_at(2026, 12, 6, 1, 5), tick=False):
        call_command("run_scheduler")
        call_command("run_scheduler")  # run twice (a timer and an operator): enqueued once
    run = PeriodicRun.objects.get()
    assert (run.name, run.period) == ("recompute_register", "2026-12-06")
    task = DBTaskResult.objects.get()
    assert (str(task.pk), task.task_path, task.status) == (
        run.task_result_id, "households.tasks.recompute_register_nightly", "READY",
    )

    with time_machine.travel(_at(2026, 12, 6, 23, 59), tick=False):
        call_command("run_scheduler")  # by now every periodic task of the day is due, each once
    assert sorted(PeriodicRun.objects.values_list("name", flat=True)) == [
        "notification_digest", "recompute_register", "reporting_daily",
    ]
    assert DBTaskResult.objects.count() == 3

    with time_machine.travel(_at(2026, 12, 7, 3, 0), tick=False):
        call_command("run_scheduler")
    runs = PeriodicRun.objects.filter(name="recompute_register").order_by("period")
    assert list(runs.values_list("period", flat=True)) == ["2026-12-06", "2026-12-07"]
    assert DBTaskResult.objects.count() == 4


def test_a_period_already_recorded_is_not_enqueued_again_whoever_recorded_it(db):
    PeriodicRun.objects.create(name="recompute_register", period="2026-12-06")  # another scheduler's
    assert services.enqueue_due(now=_at(2026, 12, 6, 2, 0)) == []
    assert not DBTaskResult.objects.exists()


def test_the_nightly_recompute_recomputes_every_year_with_reviews(small_register):
    from households.models import HouseholdReview, RegisterStat

    years = sorted(set(HouseholdReview.objects.values_list("year", flat=True)))
    recompute_register_nightly.enqueue()
    run_tasks()
    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL", task.traceback
    assert [item["year"] for item in task.return_value] == years
    assert sorted(set(RegisterStat.objects.values_list("year", flat=True))) == years


@pytest.fixture
def small_register(db):
    call_command("load_standards", verbosity=0)
    slots = synthetic.legacy_slots([unit("673")], per_commune=3)
    synthetic.generate(slots, years=[2024, 2025], seed=11)


# ---------------------------------------------------------------------------------------------
# The jobs page


def _failed_task() -> DBTaskResult:
    recompute_register_year.enqueue(1990)  # no poverty standard for 1990: the task fails
    run_tasks()
    return DBTaskResult.objects.get()


def test_admins_see_queued_running_and_failed_tasks_with_the_error(client, personas):
    failed = _failed_task()
    assert failed.status == "FAILED"
    recompute_register_year.enqueue(2025)
    client.force_login(personas.admin)
    page = client.get(reverse("job_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Tính lại số liệu sổ hộ một năm" in html and "Hàng đợi trống." not in html
    assert "ValidationError" in html and "1990" in html
    assert [job.arguments for job in page.context["queued"]] == ["2025"]
    assert [job.id for job in page.context["failed"]] == [str(failed.pk)]
    assert reverse("job_list") in client.get(reverse("import_home")).content.decode()  # the menu entry


def test_only_admins_see_the_jobs_page_or_run_a_task_again(client, personas):
    failed = _failed_task()
    for person in (personas.leader, personas.officer_hg, personas.reviewer_hg, personas.outsider):
        client.force_login(person)
        assert client.get(reverse("job_list")).status_code == 403
        assert client.post(reverse("job_retry", args=[failed.pk])).status_code == 403
        assert reverse("job_list") not in client.get(reverse("home")).content.decode()
    client.logout()
    assert client.post(reverse("job_retry", args=[failed.pk])).status_code == 302  # to the login page
    failed.refresh_from_db()
    assert failed.status == "FAILED"

    client.force_login(personas.admin)
    assert client.get(reverse("job_retry", args=[failed.pk])).status_code == 405  # POST only


def test_run_again_queues_the_failed_task_as_the_same_row_once(client, personas):
    failed = _failed_task()
    client.force_login(personas.admin)
    response = client.post(reverse("job_retry", args=[failed.pk]), follow=True)
    assert "Đã đưa việc vào hàng đợi để chạy lại." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.traceback, failed.finished_at, failed.worker_ids) == ("READY", "", None, ["test-worker"])

    again = client.post(reverse("job_retry", args=[failed.pk]), follow=True)  # not failed any more
    assert "Chỉ chạy lại được việc đã lỗi." in again.content.decode()
    run_tasks()
    failed.refresh_from_db()
    assert (failed.status, failed.worker_ids) == ("FAILED", ["test-worker", "test-worker"])  # still no standard


def test_a_task_already_queued_is_not_queued_twice_by_run_again(db):
    failed = _failed_task()
    recompute_register_year.enqueue(1990)
    with pytest.raises(services.NotRetryable):
        services.retry(result_id=str(failed.pk))
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_a_running_task_whose_worker_died_is_shown_failed_and_one_whose_worker_lives_is_not(transactional_db):
    living, dead = "worker-vivant", "worker-mort"
    recompute_register_year.enqueue(2024)
    recompute_register_year.enqueue(2025)
    first, second = DBTaskResult.objects.order_by("enqueued_at")
    first.claim(living)
    second.claim(dead)
    liveness.hold(living)
    try:
        assert liveness.is_alive(living) and not liveness.is_alive(dead)
        assert services.settle_lost_tasks() == 1
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.status == "RUNNING"
        assert (second.status, second.exception_class_path) == ("FAILED", services.WORKER_LOST)
        assert "dừng giữa chừng" in second.traceback and second.finished_at <= timezone.now()
    finally:
        liveness._held.pop().close()
