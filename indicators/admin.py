from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext, gettext_lazy
from import_export.admin import ImportExportModelAdmin

from indicators import breakdowns
from indicators.demo_admin import may_remove, remove_demo_data_action
from indicators.models import Actual, Dimension, DimensionOption, Indicator, Target, TargetAssessment
from indicators.resources import IndicatorResource, TargetResource
from indicators.restated import RestatedBasisFormMixin
from indicators.target_rules import TargetRulesFormMixin
from plans.admin import AccentInsensitiveSearchMixin, AuditedAdminMixin
from plans.text import format_number, search_key


class DimensionOptionFormSet(BaseInlineFormSet):
    """An option that figures or targets use keeps its code: renaming or deleting it would orphan them."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.instance.pk or not form.has_changed():
                continue
            old_code = DimensionOption.objects.filter(pk=form.instance.pk).values_list("code", flat=True).first()
            deleting = self.can_delete and self._should_delete_form(form)
            if (deleting or form.cleaned_data.get("code") != old_code) and breakdowns.option_in_use(old_code):
                raise ValidationError(gettext(
                    "Nhóm phân tổ “%(code)s” đang được dùng cho số liệu hoặc chỉ tiêu: không đổi mã, không xóa được."
                ) % {"code": old_code})


class DimensionOptionInline(admin.TabularInline):
    model = DimensionOption
    formset = DimensionOptionFormSet
    fields = ["code", "name", "position"]
    extra = 2


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    """Dimensions with their options inline (the workbook's sheet "Chiều phân tổ" imports them too)."""

    list_display = ["code", "name", "position", "option_names"]
    search_fields = ["code", "name"]
    inlines = [DimensionOptionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("options")

    def has_delete_permission(self, request, obj=None):
        if obj is not None and any(breakdowns.option_in_use(option.code) for option in obj.options.all()):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("nhóm phân tổ"))
    def option_names(self, dimension):
        return ", ".join(option.name for option in dimension.options.all())


@admin.register(Indicator)
class IndicatorAdmin(AccentInsensitiveSearchMixin, ImportExportModelAdmin):
    resource_classes = [IndicatorResource]
    list_display = ["code", "name", "measure_unit", "direction", "aggregation"]
    list_filter = ["measure_unit", "direction", "aggregation"]


class TargetAdminForm(TargetRulesFormMixin, RestatedBasisFormMixin, forms.ModelForm):
    class Meta:
        model = Target
        fields = "__all__"


@admin.register(Target)
class TargetAdmin(AuditedAdminMixin, ImportExportModelAdmin):
    resource_classes = [TargetResource]
    form = TargetAdminForm
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
    list_display = ["indicator", "unit", "period_label", "value_shown", "status", "source"]
    list_filter = ["status", "source", "period_kind", "year", "indicator"]
    list_select_related = ["indicator", "unit"]
    autocomplete_fields = ["indicator", "unit"]
    search_fields = ["indicator__search_key", "unit__search_key"]
    # Figures change through the reporting pages, which check rights and keep the audit trail.
    # The numbers as people write them (12,09, not the stored 12,0900).
    fields = readonly_fields = [
        f"{f.name}_text" if f.name in ("value", "numerator", "denominator") else f.name
        for f in Actual._meta.concrete_fields if f.name != "id"
    ]

    actions = [remove_demo_data_action]

    def has_add_permission(self, request):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not may_remove(request.user):  # administrators only
            actions.pop("remove_demo_data_action", None)
        return actions

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_key(search_term))

    @admin.display(description=gettext_lazy("giá trị"))
    def value_shown(self, actual):
        return format_number(actual.effective_value, 4)

    @admin.display(description=gettext_lazy("giá trị"))
    def value_text(self, actual):
        return format_number(actual.value, 4)

    @admin.display(description=gettext_lazy("tử số"))
    def numerator_text(self, actual):
        return format_number(actual.numerator, 4)

    @admin.display(description=gettext_lazy("mẫu số"))
    def denominator_text(self, actual):
        return format_number(actual.denominator, 4)


@admin.register(TargetAssessment)
class TargetAssessmentAdmin(admin.ModelAdmin):
    list_display = ["target", "year", "verdict", "status"]
    list_filter = ["status", "verdict", "year"]
    list_select_related = ["target__document"]
    # Assessments change through their page, which checks rights and keeps the audit trail.
    readonly_fields = [f.name for f in TargetAssessment._meta.concrete_fields if f.name != "id"]

    def has_add_permission(self, request):
        return False
