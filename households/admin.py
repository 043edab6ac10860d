"""Admin of the register: standards are corrected here (saving re-classifies the reviews of that standard).

Households are personal data: the admin lists mask IDs and phones; reviews, figures and the
access log are read-only (they change through the register pages, imports and recompute).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from households import privacy, selectors, services
from households.aggregate_models import AggregateReview
from households.models import (
    DeprivationIndicator,
    Household,
    HouseholdAccessLog,
    HouseholdReview,
    PovertyStandard,
    RegisterStat,
)
from plans.admin import AccentInsensitiveSearchMixin


class DeprivationIndicatorInline(admin.TabularInline):
    model = DeprivationIndicator
    extra = 0
    fields = ["position", "code", "dimension", "name", "threshold", "bit", "confirmed", "note"]


@admin.register(PovertyStandard)
class PovertyStandardAdmin(admin.ModelAdmin):
    list_display = ["legal_basis", "first_year", "last_year", "poverty_income_rural", "poverty_income_urban", "confirmed"]
    inlines = [DeprivationIndicatorInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = services.reclassify(standard=form.instance)
        if changed:
            messages.info(request, ngettext(
                "Đã phân loại lại %(count)s hộ theo chuẩn đã sửa; hãy tính lại số liệu sổ hộ.",
                "Đã phân loại lại %(count)s hộ theo chuẩn đã sửa; hãy tính lại số liệu sổ hộ.", changed,
            ) % {"count": changed})


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(AccentInsensitiveSearchMixin, ReadOnlyAdmin):
    list_display = ["code", "head_name", "masked_id", "masked_phone", "commune", "village", "is_synthetic"]
    list_filter = ["is_synthetic", "area"]
    list_select_related = ["commune"]
    show_full_result_count = False

    def changelist_view(self, request, extra_context=None):
        # A list of households, here too: each one shown is logged, as on the register's list.
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            privacy.log_list(user=request.user, households=list(changelist.result_list),
                             detail=f"admin {request.GET.urlencode()}".strip())
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # A household's page, here too: every view is logged with who and when.
        household = Household.objects.filter(pk=object_id).select_related("commune").first()
        if household is not None and self.has_view_permission(request, household):
            services.log_view(user=request.user, household=household)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=gettext_lazy("Số định danh"))
    def masked_id(self, obj):
        return selectors.mask_digits(value=obj.head_id_number)

    @admin.display(description=gettext_lazy("Điện thoại"))
    def masked_phone(self, obj):
        return selectors.mask_digits(value=obj.phone)


@admin.register(HouseholdReview)
class HouseholdReviewAdmin(ReadOnlyAdmin):
    list_display = ["household", "year", "living_class", "movement", "deprivation_count"]
    list_filter = ["year", "living_class", "movement"]
    list_select_related = ["household"]
    show_full_result_count = False


@admin.register(RegisterStat)
class RegisterStatAdmin(ReadOnlyAdmin):
    list_display = ["unit", "year", "total", "poor", "near_poor", "escaped", "new_poor", "fallen_back", "synthetic"]
    list_filter = ["year"]
    list_select_related = ["unit"]
    show_full_result_count = False


@admin.register(HouseholdAccessLog)
class HouseholdAccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "unit", "household", "rows", "detail", "reason"]
    list_filter = ["action"]
    list_select_related = ["user", "unit", "household"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AggregateReview)
class AggregateReviewAdmin(ReadOnlyAdmin):
    """Written by the aggregate table import (households.aggregate_reviews), with its figures."""

    list_display = ["unit", "year", "standard", "breakdown", "total", "poor_end", "near_poor_end", "import_record"]
    list_filter = ["year", "standard", "breakdown"]
    list_select_related = ["unit", "standard", "import_record"]
    search_fields = ["unit__name", "unit__code"]
