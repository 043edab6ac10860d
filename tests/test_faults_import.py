"""Faults: the import worker process killed in the middle of writing.

The worker is the real one (indicators.workbook.launch_worker starts `manage.py import_workbook
--record ID --phase apply`), on the committed test database. The test holds a lock on the actuals
table so the worker stops, transaction open, after it has written its audit entries; it is then
killed with SIGKILL, as the machine's OOM killer or an operator would.
"""

import csv
import signal
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files import File
from django.db import connection, transaction
from django.urls import reverse

from indicators import workbook
from indicators.models import Actual, Indicator
from plans.models import AdministrativeUnit, AuditEntry, ImportRecord, ImportStatus, Role, UnitLevel
from tests.conftest import make_user

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker's lease is a PostgreSQL lock")

HEADERS = ["Mã chỉ số", "Mã địa bàn", "Bản đồ", "Năm", "Kỳ", "Số kỳ", "Giá trị", "Tử số", "Mẫu số", "Trạng thái"]
YEAR = 2024


def _write_actuals(path, keys, value: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for indicator_code, unit_code, admin_map in keys:
            writer.writerow([indicator_code, unit_code, admin_map, YEAR, "Năm", 0, value, "", "", ""])


def _record(path, user) -> ImportRecord:
    record = ImportRecord(user=user, file_name=path.name, checksum=workbook.file_checksum(path), size=path.stat().st_size)
    with path.open("rb") as handle:
        record.file.save(path.name, File(handle), save=False)
    record.save()
    return workbook.check_record(record)


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for_worker_blocked(record_id: int, log, seconds: float = 60) -> int:
    """Until the worker holding the record's lease waits on our table lock; its backend's pid."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # we are inside a transaction: see now
            cursor.execute(
                "SELECT a.wait_event_type, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = %s AND l.granted",
                [workbook.WORKER_LOCK_SPACE, record_id],
            )
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                return row[1]
            time.sleep(0.05)
    raise AssertionError(f"the import worker never reached the write: {log.read_text() if log.exists() else ''}")


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
    committed_country, settings, tmp_path, monkeypatch, client,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    monkeypatch.setenv("DATABASE_URL", _database_url())
    monkeypatch.setattr(workbook, "WORKER_START_SECONDS", 0)
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
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Actual._meta.db_table} IN SHARE MODE")
        worker = workbook.launch_worker(claimed, "apply")
        try:
            backend = _wait_for_worker_blocked(record.pk, Path(claimed.file.path).with_suffix(".apply.log"))
            assert AuditEntry.objects.count() == audit_before  # its entries are written but not committed
            worker.send_signal(signal.SIGKILL)
            assert worker.wait(timeout=30) == -signal.SIGKILL
        finally:
            if worker.poll() is None:
                worker.kill()
    _wait_for_backend_gone(backend)  # released by our lock, it finds its client gone and rolls back

    assert _figures() == before
    assert AuditEntry.objects.count() == audit_before
    assert ImportRecord.objects.get(pk=record.pk).status == ImportStatus.APPLYING

    client.force_login(admin)
    page = client.get(reverse("import_detail", args=[record.pk]))
    assert "dừng giữa chừng" in page.content.decode()
    record.refresh_from_db()
    assert record.status == ImportStatus.CHECKED

    response = client.post(reverse("import_apply", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED
    after = _figures()
    assert len(after) == 2000 and set(after.values()) == {Decimal(7)}
    assert AuditEntry.objects.count() == audit_before + 1000  # one entry per changed figure, once


def test_a_record_is_given_back_only_once_its_worker_has_gone(committed_country, monkeypatch):
    import psycopg2

    monkeypatch.setattr(workbook, "WORKER_START_SECONDS", 0)
    record = ImportRecord.objects.create(file_name="actuals.csv", checksum="0" * 64, size=1, status=ImportStatus.APPLYING)
    worker = psycopg2.connect(_database_url())  # a worker's own session, holding the lease
    backend = worker.get_backend_pid()
    try:
        with worker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [workbook.WORKER_LOCK_SPACE, record.pk])
        assert workbook.settle_abandoned(record).status == ImportStatus.APPLYING
    finally:
        worker.close()
    _wait_for_backend_gone(backend)
    settled = workbook.settle_abandoned(record)
    assert (settled.status, settled.rows_done) == (ImportStatus.CHECKED, 0)
    assert "dừng giữa chừng" in settled.message

    checking = ImportRecord.objects.create(file_name="b.csv", checksum="0" * 64, size=1, status=ImportStatus.CHECKING)
    assert workbook.settle_abandoned(checking).status == ImportStatus.FAILED


def test_a_worker_just_launched_is_given_time_to_take_its_lease(committed_country):
    record = ImportRecord.objects.create(file_name="actuals.csv", checksum="0" * 64, size=1, status=ImportStatus.APPLYING)
    assert workbook.settle_abandoned(record).status == ImportStatus.APPLYING
