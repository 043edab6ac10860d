from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from indicators.models import Actual, Indicator, Target
from indicators.resources import IndicatorResource, TargetResource
from plans.admin import AccentInsensitiveSearchMixin
from plans.text import search_key


@admin.register(Indicator)
class IndicatorAdmin(AccentInsensitiveSearchMixin, ImportExportModelAdmin):
    resource_classes = [IndicatorResource]
    list_display = ["code", "name", "measure_unit", "direction", "aggregation"]
    list_filter = ["measure_unit", "direction", "aggregation"]


@admin.register(Target)
class TargetAdmin(ImportExportModelAdmin):
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
    readonly_fields = ["created_by", "created_at", "updated_at"]

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_key(search_term))
