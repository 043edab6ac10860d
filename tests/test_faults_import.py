"""Faults: the import's worker (a real `manage.py db_worker` process) killed in the middle of writing.

The worker runs on the committed test database. The test holds a lock on the actuals table, so the
worker stops, its transaction open, once it has reported progress and written its audit entries; it
is then killed with SIGKILL, as the machine's OOM killer or an operator would. Nothing is guessed
from time: the worker's death is seen because its liveness lock (jobs.liveness) is free.
"""

import csv
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.files import File
from django.db import connection, transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from exchange import tasks
from exchange.models import ImportRecord, ImportStatus
from exchange.workbook import records as workbook
from exchange.workbook.reading import file_checksum
from indicators.models import Actual, Indicator
from jobs import liveness, services
from plans.models import AdministrativeUnit, Role, UnitLevel
from review.models import AuditEntry
from tests.conftest import make_user

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker's liveness lock is a PostgreSQL lock")

HEADERS = ["Mã chỉ số", "Mã địa bàn", "Bản đồ", "Năm", "Kỳ", "Số kỳ", "Giá trị", "Tử số", "Mẫu số", "Trạng thái"]
YEAR = 2024


def _write_actuals(path, keys, value: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for indicator_code, unit_code, admin_map in keys:
            writer.writerow([indicator_code, unit_code, admin_map, YEAR, "Năm", 0, value, "", "", ""])


def _record(path, user) -> ImportRecord:
    record = ImportRecord(user=user, file_name=path.name, checksum=file_checksum(path), size=path.stat().st_size)
    with path.open("rb") as handle:
        record.file.save(path.name, File(handle), save=False)
    record.save()
    return workbook.check_record(record)


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(worker_id: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "MEDIA_ROOT": str(django_settings.MEDIA_ROOT), "DEBUG": "0", "DEMO": "1"}
    return subprocess.Popen(
        [sys.executable, str(django_settings.BASE_DIR / "manage.py"), "db_worker", "--worker-id", worker_id,
         "--no-startup-delay", "--no-reload", "--interval", "0.05", *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )


def _until(condition, what: str, worker: subprocess.Popen | None = None, seconds: float = 120):
    """Poll `condition` (each time in a fresh snapshot) until it holds; never a sleep in its place."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            found = condition(cursor)
            if found:
                return found
            if worker is not None and worker.poll() is not None:
                raise AssertionError(f"the worker ended before {what}: {worker.stdout.read().decode()}")
            time.sleep(0.05)
    raise AssertionError(f"never: {what}")


def _worker_waiting_on_actuals(cursor):
    """The backend of a client that waits for a lock on the actuals table (ours): its pid."""
    cursor.execute(
        "SELECT pid FROM pg_locks WHERE locktype = 'relation' AND relation = %s::regclass AND NOT granted",
        [Actual._meta.db_table],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def _wait_for_backend_gone(pid: int, seconds: float = 30) -> None:
    """Until PostgreSQL has ended a dead client's backend and released its locks (the lease among
    them): the server notices a closed or killed client only when it next reads from it."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)"
                " OR EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s)", [pid, pid],
            )
            if not cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"the backend {pid} of a closed or killed worker was still there after {seconds} s")


def _figures() -> dict:
    return dict(Actual.objects.filter(year=YEAR).values_list("pk", "value"))


def test_a_killed_import_worker_leaves_the_database_as_before_and_the_import_runs_again(
    committed_country, settings, tmp_path, client,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    admin = make_user("quantri.sucotep", Role.ADMIN)
    codes = Indicator.objects.exclude(measure_unit="yes_no").order_by("code").values_list("code", flat=True)[:4]
    communes = AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNE).order_by("pk").values_list("code", "admin_map")[:500]
    keys = [(code, unit_code, admin_map) for code in codes for unit_code, admin_map in communes]
    existing = keys[:1000]  # the other 1.000 are new in the second file

    first = tmp_path / "first" / "actuals.csv"
    first.parent.mkdir()
    _write_actuals(first, existing, 5)
    workbook.apply_record(workbook.claim_for_apply(_record(first, admin).pk, user=admin))
    before, audit_before = _figures(), AuditEntry.objects.count()
    assert len(before) == 1000 and set(before.values()) == {Decimal(5)}

    second = tmp_path / "second" / "actuals.csv"
    second.parent.mkdir()
    _write_actuals(second, keys, 7)  # 1.000 changed figures, 1.000 new ones
    record = _record(second, admin)
    assert (record.status, record.error_count, record.counts["actuals"]["new"]) == (ImportStatus.CHECKED, 0, 1000)
    claimed = workbook.claim_for_apply(record.pk, user=admin)
    tasks.enqueue(claimed, "apply")  # what the page does for a large file
    task = DBTaskResult.objects.get(task_path="exchange.tasks.apply_import")

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Actual._meta.db_table} IN SHARE MODE")
        worker = _start_worker("import-worker-1")
        try:
            _until(lambda c: ImportRecord.objects.get(pk=record.pk).rows_done > 0, "progress was reported", worker)
            backend = _until(_worker_waiting_on_actuals, "the worker reached the write", worker)
            task.refresh_from_db()
            assert (task.status, task.worker_ids) == ("RUNNING", ["import-worker-1"])
            assert liveness.is_alive("import-worker-1")
            assert AuditEntry.objects.count() == audit_before  # its entries are written but not committed
            worker.send_signal(signal.SIGKILL)
            assert worker.wait(timeout=30) == -signal.SIGKILL
        finally:
            if worker.poll() is None:
                worker.kill()
    _wait_for_backend_gone(backend)  # released by our lock, it finds its client gone and rolls back
    _until(lambda c: not liveness.is_alive("import-worker-1"), "the dead worker's liveness lock was released")

    assert _figures() == before
    assert AuditEntry.objects.count() == audit_before
    assert ImportRecord.objects.get(pk=record.pk).status == ImportStatus.APPLYING
    task.refresh_from_db()
    assert task.status == "RUNNING"  # as the dead worker left it

    client.force_login(admin)
    page = client.get(reverse("import_detail", args=[record.pk]))
    assert "dừng giữa chừng" in page.content.decode()
    record.refresh_from_db()
    assert record.status == ImportStatus.CHECKED
    task.refresh_from_db()
    assert (task.status, task.exception_class_path) == ("FAILED", services.WORKER_LOST)
    jobs_page = client.get(reverse("job_list"))
    assert [job.id for job in jobs_page.context["failed"] if job.lost] == [str(task.pk)]

    # Run again: the jobs page's button queues the same task, and a worker runs it to the end.
    assert client.post(reverse("job_retry", args=[task.pk])).status_code == 302
    again = _start_worker("import-worker-2", "--batch")
    output = again.communicate(timeout=300)[0].decode()
    assert again.returncode == 0, output
    task.refresh_from_db()
    assert (task.status, task.worker_ids, task.return_value) == (
        "SUCCESSFUL", ["import-worker-1", "import-worker-2"], ImportStatus.APPLIED,
    )
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED
    after = _figures()
    assert len(after) == 2000 and set(after.values()) == {Decimal(7)}
    assert AuditEntry.objects.count() == audit_before + 1000  # one entry per changed figure, once


def test_a_record_is_given_back_only_once_its_tasks_worker_has_gone(committed_country):
    import psycopg2

    record = ImportRecord.objects.create(file_name="actuals.csv", checksum="0" * 64, size=1, status=ImportStatus.APPLYING)
    tasks.enqueue(record, "apply")
    assert tasks.settle_abandoned(record).status == ImportStatus.APPLYING  # queued: no worker yet, nothing to settle
    DBTaskResult.objects.get().claim("worker-a")
    worker = psycopg2.connect(_database_url())  # a worker's own session, holding its liveness lock
    backend = worker.get_backend_pid()
    try:
        with worker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [liveness.LOCK_SPACE, liveness._key("worker-a")])
        assert tasks.settle_abandoned(record).status == ImportStatus.APPLYING
    finally:
        worker.close()
    _wait_for_backend_gone(backend)
    settled = tasks.settle_abandoned(record)
    assert (settled.status, settled.rows_done) == (ImportStatus.CHECKED, 0)
    assert "dừng giữa chừng" in settled.message

    checking = ImportRecord.objects.create(file_name="b.csv", checksum="0" * 64, size=1, status=ImportStatus.CHECKING)
    tasks.enqueue(checking, "check")
    DBTaskResult.objects.get(status="READY").claim("worker-b")  # a worker that never took its lock: not alive
    assert tasks.settle_abandoned(checking).status == ImportStatus.FAILED


def test_a_record_being_checked_in_a_request_is_not_given_back(committed_country):
    record = ImportRecord.objects.create(file_name="actuals.csv", checksum="0" * 64, size=1, status=ImportStatus.APPLYING)
    assert tasks.settle_abandoned(record).status == ImportStatus.APPLYING  # no task: nobody to find dead
