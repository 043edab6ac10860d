"""The audit trail is append-only in PostgreSQL itself: a trigger refuses UPDATE and DELETE of its
rows whatever sends them (plans/migrations/0008_auditentry_append_only.py). Each refusal runs in
its own atomic block, so the test's transaction goes on after it."""

import importlib

import pytest
from django.db import connection, transaction
from django.db.utils import IntegrityError

from indicators.models import Target
from review.models import AuditEntry
from review.workflow import record_audit

TABLE = "plans_auditentry"  # the trigger is on the table, pinned whichever app holds the model
MIGRATION = importlib.import_module("plans.migrations.0008_auditentry_append_only")
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only (a no-op on SQLite)"
)


@pytest.fixture
def entry(db):
    return record_audit(user=None, instance=Target.objects.order_by("pk").first(), action="update",
                        before={"max_value": "1.84"}, after={"max_value": "1.80"}, reason="đúng")


def _refused(statement) -> str:
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        statement()
    return str(refusal.value)


def _raw(sql: str, *params):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return run


@postgresql_only
def test_a_queryset_update_of_audit_entries_is_refused_by_the_database(entry):
    message = _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(reason="sửa lén"))
    assert "append-only: UPDATE refused" in message
    assert AuditEntry.objects.get(pk=entry.pk).reason == "đúng"


@postgresql_only
def test_a_queryset_delete_of_audit_entries_is_refused_by_the_database(entry):
    count = AuditEntry.objects.count()
    message = _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).delete())
    assert "append-only: DELETE refused" in message
    assert AuditEntry.objects.count() == count


@postgresql_only
def test_raw_sql_update_and_delete_of_audit_entries_are_refused(entry):
    assert "UPDATE refused" in _refused(_raw(f"UPDATE {TABLE} SET after = NULL WHERE id = %s", entry.pk))
    assert "DELETE refused" in _refused(_raw(f"DELETE FROM {TABLE}"))
    entry.refresh_from_db()
    assert entry.after == {"max_value": "1.80"}


@postgresql_only
def test_statements_touching_no_entry_pass(entry):
    assert AuditEntry.objects.filter(pk=-1).update(reason="x") == 0
    assert AuditEntry.objects.filter(pk=-1).delete() == (0, {})


@postgresql_only
def test_audit_entries_are_still_written_one_by_one_in_bulk_and_by_raw_insert(entry):
    count = AuditEntry.objects.count()
    AuditEntry.objects.bulk_create([
        AuditEntry(content_type=entry.content_type, object_id=entry.object_id, object_repr="x", action="import")
        for _ in range(3)
    ])
    _raw(f"INSERT INTO {TABLE} (content_type_id, object_id, object_repr, action, at, reason) "
         "VALUES (%s, %s, 'y', 'import', now(), '')", entry.content_type_id, entry.object_id)()
    assert AuditEntry.objects.count() == count + 4


@postgresql_only
def test_truncate_is_left_to_the_table_owner_so_djangos_flush_keeps_working(entry):
    with transaction.atomic():
        _raw("SET CONSTRAINTS ALL IMMEDIATE")()  # the entry's deferred foreign key checks, pending till now
        _raw(f"TRUNCATE {TABLE}")()
        assert not AuditEntry.objects.exists()
        transaction.set_rollback(True)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@postgresql_only
def test_the_migration_reversed_allows_changes_and_reapplied_refuses_them(entry):
    with transaction.atomic():
        with connection.schema_editor() as editor:
            MIGRATION.allow_changes(None, editor)
        assert AuditEntry.objects.filter(pk=entry.pk).update(reason="sửa") == 1
        with connection.schema_editor() as editor:
            MIGRATION.refuse_changes(None, editor)
        assert "UPDATE refused" in _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(reason="lại"))
        transaction.set_rollback(True)
    assert AuditEntry.objects.get(pk=entry.pk).reason == "đúng"


def test_the_migration_writes_nothing_on_other_databases():
    class Editor:
        connection = type("Connection", (), {"vendor": "sqlite"})()
        sent: list[str] = []

        def execute(self, sql, params=()):
            self.sent.append(sql)

    editor = Editor()
    MIGRATION.refuse_changes(None, editor)
    MIGRATION.allow_changes(None, editor)
    assert editor.sent == []
