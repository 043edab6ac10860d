"""Admin for unit groups, their members inline (imported at the end of plans.admin)."""

from django import forms
from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from plans.group_resources import UnitGroupMemberResource, UnitGroupResource
from plans.models import UnitGroup, UnitGroupMember
from plans.unit_groups import member_problems


class UnitGroupMemberForm(forms.ModelForm):
    class Meta:
        model = UnitGroupMember
        fields = ["unit", "joined_on", "left_on", "left_basis", "note"]

    def clean(self):
        data = super().clean()
        try:
            group = self.instance.group  # set by the inline formset, saved or not
        except UnitGroup.DoesNotExist:
            group = None
        if group is not None and group.scope_id and data.get("unit"):
            for name, message in member_problems(
                group=group, unit=data["unit"], joined_on=data.get("joined_on"), left_on=data.get("left_on")
            ).items():
                self.add_error(name, message)
        return data


class UnitGroupMemberInline(admin.TabularInline):
    model = UnitGroupMember
    form = UnitGroupMemberForm
    autocomplete_fields = ["unit"]
    extra = 0


@admin.register(UnitGroup)
class UnitGroupAdmin(ImportExportModelAdmin):
    resource_classes = [UnitGroupResource]
    list_display = ["code", "name", "kind", "scope", "source_document", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "search_key"]
    list_select_related = ["scope", "source_document"]
    autocomplete_fields = ["scope", "source_document"]
    inlines = [UnitGroupMemberInline]


@admin.register(UnitGroupMember)
class UnitGroupMemberAdmin(ImportExportModelAdmin):
    resource_classes = [UnitGroupMemberResource]
    list_display = ["group", "unit", "joined_on", "left_on", "left_basis"]
    list_filter = ["group", "unit__level"]
    list_select_related = ["group", "unit"]
    autocomplete_fields = ["group", "unit"]
    search_fields = ["unit__search_key", "group__search_key"]
