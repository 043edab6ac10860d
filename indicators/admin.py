from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin

from indicators.models import Actual, Evidence, ExplanationRequest, Indicator, Target
from indicators.resources import IndicatorResource, TargetResource
from plans.admin import AccentInsensitiveSearchMixin, AuditedAdminMixin
from plans.text import search_key


@admin.register(Indicator)
class IndicatorAdmin(AccentInsensitiveSearchMixin, ImportExportModelAdmin):
    resource_classes = [IndicatorResource]
    list_display = ["code", "name", "measure_unit", "direction", "aggregation"]
    list_filter = ["measure_unit", "direction", "aggregation"]


@admin.register(Target)
class TargetAdmin(AuditedAdminMixin, ImportExportModelAdmin):
    resource_classes = [TargetResource]
    list_display = ["code", "document", "indicator", "territory", "kind", "bound_label", "period_label", "qualifier"]
    list_filter = ["kind", "indicator", "document"]
    list_select_related = ["document", "indicator", "territory"]
    autocomplete_fields = ["document", "indicator", "territory", "compare_units", "restates"]
    search_fields = ["code", "document__search_key", "indicator__search_key", "territory__search_key"]

    def get_search_results(self, request, queryset, search_term):
        # Targets have no text of their own to search but the quote; search its key fields accent-free.
        return super().get_search_results(request, queryset, search_key(search_term))


@admin.register(Actual)
class ActualAdmin(admin.ModelAdmin):
    list_display = ["indicator", "unit", "period_label", "effective_value", "status", "source"]
    list_filter = ["status", "source", "period_kind", "year", "indicator"]
    list_select_related = ["indicator", "unit"]
    autocomplete_fields = ["indicator", "unit"]
    search_fields = ["indicator__search_key", "unit__search_key"]
    # Figures change through the reporting pages, which check rights and keep the audit trail.
    readonly_fields = [f.name for f in Actual._meta.concrete_fields if f.name != "id"]

    def has_add_permission(self, request):
        return False

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_key(search_term))


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
