from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reporting.models import CalendarDay, LockException, Obligation, Regime


@admin.register(Regime)
class RegimeAdmin(admin.ModelAdmin):
    list_display = ["name", "content", "frequency", "reporting_level", "receiving_level", "deadline_rule", "is_active"]
    list_filter = ["content", "frequency", "reporting_level", "is_active"]
    search_fields = ["code", "name", "legal_basis"]
    filter_horizontal = ["indicators"]
    fieldsets = [
        (None, {"fields": ["code", "name", "legal_basis", "is_active", "first_year", "last_year"]}),
        (_("Nội dung và người báo cáo"), {"fields": [
            "content", "indicators", "requires_narrative", "reporting_level", "reporting_role", "reporting_agency", "receiving_level", "receiver",
        ]}),
        (_("Kỳ và hạn"), {"fields": [
            "frequency", "period_numbers", "deadline_rule", "deadline_day", "deadline_month", "deadline_working_days",
            "cutoff_day", "cutoff_month", "lock_grace_days",
            "escalate_to_reviewer_after_days", "escalate_to_leader_after_days",
        ]}),
    ]


@admin.register(Obligation)
class ObligationAdmin(admin.ModelAdmin):
    """Derived rows: shown for checking, never typed (reporting.obligations)."""

    list_display = ["regime", "unit", "agency", "period_label", "due_on", "expected", "received", "met_at"]
    list_filter = ["regime", "year", "period_kind"]
    list_select_related = ["regime", "unit", "agency"]
    search_fields = ["unit__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "source"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(LockException)
class LockExceptionAdmin(admin.ModelAdmin):
    """Granted on the app's own page (audited there); read-only here."""

    list_display = ["regime", "unit", "year", "period_kind", "period_number", "open_until", "granted_by", "granted_at"]
    list_select_related = ["regime", "unit", "granted_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
