from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from review.models import AuditEntry, Evidence, ExplanationRequest, TaskReport


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is never edited, not even by an administrator."""

    list_display = ["at", "user", "action", "content_type", "object_repr", "reason"]
    list_filter = ["action", "content_type"]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "user__username", "reason"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TaskReport)
class TaskReportAdmin(admin.ModelAdmin):
    list_display = ["task", "agency", "period_label", "progress", "percent_done", "status", "is_late_correction"]
    list_filter = ["status", "progress", "year", "is_late_correction"]
    list_select_related = ["task", "agency"]
    autocomplete_fields = ["task", "agency"]
    readonly_fields = ["status", "version", "created_by", "submitted_at", "reviewed_by", "reviewed_at"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["original_name", "actual", "task_report", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["actual__indicator", "actual__unit", "task_report__task", "uploaded_by"]
    readonly_fields = ["actual", "task_report", "download", "original_name", "size", "uploaded_by"]
    exclude = ["file"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=Evidence._meta.get_field("file").verbose_name)
    def download(self, evidence):
        # Through the app's access check: evidence is never served from MEDIA_URL.
        return format_html('<a href="{}">{}</a>', reverse("evidence_download", args=[evidence.pk]), evidence.original_name)


@admin.register(ExplanationRequest)
class ExplanationRequestAdmin(admin.ModelAdmin):
    list_display = ["question", "unit", "requested_by", "requested_at", "answered_at"]
    list_filter = ["answered_at"]
    list_select_related = ["unit", "requested_by"]
    autocomplete_fields = ["target", "task", "unit"]
