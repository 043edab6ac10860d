from django.contrib import admin

from quality.models import QualityFinding, QualityRule


@admin.register(QualityRule)
class QualityRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "left_side", "operator", "right_side", "severity", "is_active")
    list_filter = ("severity", "is_active")
    search_fields = ("code", "name", "left_side", "right_side")


@admin.register(QualityFinding)
class QualityFindingAdmin(admin.ModelAdmin):
    list_display = ("rule", "indicator", "unit", "year", "left_value", "right_value", "difference")
    list_filter = ("rule", "year")
    raw_id_fields = ("unit", "indicator")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
