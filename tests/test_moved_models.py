"""Models that moved between apps (review, exchange) keep their tables, and every audit entry and
permission written before the move still resolves to its record: the content types were renamed."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from exchange.models import ImportRecord
from review.models import AuditEntry, Evidence, ExplanationRequest, TaskReport
from review.workflow import audit_trail

# The last migration of each app before the move (the review app did not exist).
BEFORE_THE_MOVE = [("exchange", "0001_initial"), ("plans", "0008_auditentry_append_only"),
                   ("indicators", "0008_standards_figure_standard"), ("households", "0004_aggregate_reviews")]
MOVED = {
    TaskReport: ("plans", "plans_taskreport"), AuditEntry: ("plans", "plans_auditentry"),
    ImportRecord: ("plans", "plans_importrecord"), Evidence: ("indicators", "indicators_evidence"),
    ExplanationRequest: ("indicators", "indicators_explanationrequest"),
}


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor.loader.project_state(targets).apps


def test_moved_models_keep_their_tables():
    assert {model: model._meta.db_table for model in MOVED} == {model: table for model, (_, table) in MOVED.items()}


def test_entries_written_before_the_move_resolve_after_it(db):
    old = migrate(BEFORE_THE_MOVE)
    OldContentType = old.get_model("contenttypes", "ContentType")
    OldTaskReport, OldAuditEntry = old.get_model("plans", "TaskReport"), old.get_model("plans", "AuditEntry")
    OldImportRecord = old.get_model("plans", "ImportRecord")
    task = old.get_model("plans", "Task").objects.select_related("lead_agency").filter(lead_agency__isnull=False).first()
    report = OldTaskReport.objects.create(task=task, agency=task.lead_agency, year=2024, progress="in_progress",
                                          narrative="Đã triển khai")
    record = OldImportRecord.objects.create(file_name="ke-hoach.xlsx", checksum="0" * 64, size=10)
    report_type = OldContentType.objects.get(app_label="plans", model="taskreport")
    record_type = OldContentType.objects.get(app_label="plans", model="importrecord")
    entries = [
        OldAuditEntry.objects.create(content_type=report_type, object_id=report.pk, object_repr="báo cáo", action="create"),
        OldAuditEntry.objects.create(content_type=record_type, object_id=record.pk, object_repr="tệp", action="import"),
    ]
    assert not ContentType.objects.filter(app_label="review").exists()

    with connection.cursor() as cursor:  # later migrations alter the tables written above: check their keys now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    report_entry, record_entry = (AuditEntry.objects.select_related("content_type").get(pk=e.pk) for e in entries)
    assert report_entry.content_type.model_class() is TaskReport
    assert report_entry.content_type.get_object_for_this_type(pk=report.pk).narrative == "Đã triển khai"
    assert record_entry.content_type.model_class() is ImportRecord
    assert record_entry.content_type.get_object_for_this_type(pk=record.pk).file_name == "ke-hoach.xlsx"
    assert list(audit_trail(TaskReport.objects.get(pk=report.pk))) == [report_entry]
    # The same rows, renamed: their ids (and the permissions pointing at them) did not change.
    assert ContentType.objects.get_for_model(TaskReport).pk == report_type.pk
    assert Permission.objects.get(codename="view_taskreport").content_type_id == report_type.pk
    assert not ContentType.objects.filter(app_label="plans", model__in=["taskreport", "auditentry", "importrecord"]).exists()
