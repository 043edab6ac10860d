from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from plans.models import (
    AdministrativeUnit,
    Agency,
    AgencySuccession,
    Document,
    DocumentBasis,
    Membership,
    Task,
    UnitSuccession,
)
from plans.resources import (
    AgencyResource,
    AgencySuccessionResource,
    DocumentBasisResource,
    DocumentResource,
    TaskResource,
)
from plans.text import search_key
from review.workflow import record_audit, snapshot


class AccentInsensitiveSearchMixin:
    """Admin search on the stored diacritic-free key: "hau giang" finds "Hậu Giang".

    The same on SQLite and PostgreSQL, and it serves the admin's autocomplete too.
    """

    search_fields = ["search_key"]

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        for word in search_key(search_term).split():
            queryset = queryset.filter(search_key__contains=word)
        return queryset, False


class UnitSuccessionInline(admin.TabularInline):
    model = UnitSuccession
    fk_name = "predecessor"
    autocomplete_fields = ["successor"]
    extra = 0


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(AccentInsensitiveSearchMixin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "admin_map", "parent", "valid_from", "valid_to"]
    list_filter = ["level", "admin_map", "region"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent", "region"]
    inlines = [UnitSuccessionInline]
    show_full_result_count = False


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(admin.ModelAdmin):
    list_display = ["predecessor", "successor", "effective_on", "share", "is_main"]
    list_filter = ["effective_on", "is_main", "predecessor__level"]
    list_select_related = ["predecessor", "successor"]
    autocomplete_fields = ["predecessor", "successor"]
    search_fields = ["predecessor__search_key", "successor__search_key"]


class AgencySuccessionInline(admin.TabularInline):
    model = AgencySuccession
    fk_name = "predecessor"
    autocomplete_fields = ["successor"]
    extra = 0


@admin.register(Agency)
class AgencyAdmin(AccentInsensitiveSearchMixin, ImportExportModelAdmin):
    resource_classes = [AgencyResource]
    list_display = ["code", "name", "kind", "unit", "valid_to"]
    list_filter = ["kind", "unit__level"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    inlines = [AgencySuccessionInline]


@admin.register(AgencySuccession)
class AgencySuccessionAdmin(ImportExportModelAdmin):
    resource_classes = [AgencySuccessionResource]
    list_display = ["predecessor", "successor", "effective_on", "scope"]
    list_select_related = ["predecessor", "successor"]
    autocomplete_fields = ["predecessor", "successor"]
    list_filter = ["effective_on"]


class DocumentBasisForm(forms.ModelForm):
    """A link added in the admin keeps the cascade acyclic, as services.add_basis does."""

    class Meta:
        model = DocumentBasis
        fields = ["document", "basis", "relation"]

    def clean(self):
        from plans.services import ensure_basis_keeps_cascade_acyclic

        data = super().clean()
        document, basis = data.get("document") or getattr(self.instance, "document", None), data.get("basis")
        if document is not None and document.pk and basis is not None:
            ensure_basis_keeps_cascade_acyclic(document=document, basis=basis)
        return data


class DocumentBasisInline(admin.TabularInline):
    model = DocumentBasis
    form = DocumentBasisForm
    fk_name = "document"
    fields = ["basis", "relation"]
    autocomplete_fields = ["basis"]
    extra = 0


@admin.register(Document)
class DocumentAdmin(AccentInsensitiveSearchMixin, ImportExportModelAdmin):
    resource_classes = [DocumentResource]
    list_display = ["number", "key", "kind", "issuer", "territory", "issued_on", "number_unverified", "issued_on_unverified", "is_held"]
    list_filter = ["kind", "issuer__kind", "is_held", "number_unverified", "issued_on_unverified", "territory__level"]
    list_select_related = ["issuer", "territory"]
    autocomplete_fields = ["issuer", "territory"]
    inlines = [DocumentBasisInline]
    fieldsets = [
        (None, {"fields": [
            "kind", ("number", "number_unverified"), "key", "title", "issuer", "territory",
            ("issued_on", "issued_on_unverified"), ("signer", "signer_title"), ("start_year", "end_year"),
        ]}),
        (_("Mục đích, yêu cầu"), {"fields": ["purpose", "requirements"]}),
        (_("Nguồn"), {"fields": ["is_held", "source", "source_text", "note"]}),
    ]


@admin.register(DocumentBasis)
class DocumentBasisAdmin(ImportExportModelAdmin):
    resource_classes = [DocumentBasisResource]
    form = DocumentBasisForm
    list_display = ["document", "relation", "basis"]
    list_filter = ["relation"]
    list_select_related = ["document", "basis"]
    autocomplete_fields = ["document", "basis"]


@admin.register(Task)
class TaskAdmin(AccentInsensitiveSearchMixin, ImportExportModelAdmin):
    resource_classes = [TaskResource]
    list_display = ["number", "short_title", "document", "lead_agency", "deadline_text", "due_on", "recurrence"]
    list_filter = ["recurrence", "document"]
    list_select_related = ["document", "lead_agency"]
    autocomplete_fields = ["document", "parent", "lead_agency", "coordinating_agencies", "implements"]

    @admin.display(description=_("Tiêu đề / nội dung"))
    def short_title(self, task: Task) -> str:
        return (task.title or task.text)[:90]


class AuditedAdminMixin:
    """Changes made in the admin are kept in the audit trail like any other."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        record_audit(user=request.user, instance=obj, action="update" if change else "create",
                     before=before, after=snapshot(obj), reason="Sửa trong trang quản trị")

    def delete_model(self, request, obj):
        record_audit(user=request.user, instance=obj, action="delete", before=snapshot(obj), after=None,
                     reason="Xóa trong trang quản trị")
        super().delete_model(request, obj)


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "unit", "agency"]
    list_filter = ["role"]
    list_select_related = ["user", "unit", "agency"]
    autocomplete_fields = ["user", "unit", "agency"]
    search_fields = ["user__username", "unit__search_key", "agency__search_key"]


import plans.group_admin  # noqa: E402,F401  (unit groups: registered there)
