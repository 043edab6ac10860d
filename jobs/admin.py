from django.contrib import admin

from jobs.models import PeriodicRun


@admin.register(PeriodicRun)
class PeriodicRunAdmin(admin.ModelAdmin):
    list_display = ("name", "period", "enqueued_at", "task_result_id")
    list_filter = ("name",)
    readonly_fields = ("name", "period", "enqueued_at", "task_result_id")
