from django.contrib import admin

from exchange.models import AppendixUpload, ColumnLayout


@admin.register(ColumnLayout)
class ColumnLayoutAdmin(admin.ModelAdmin):
    """Layouts learnt from appendices: delete one to have its columns guessed again."""

    list_display = ("__str__", "fields", "times_used", "updated_at")
    readonly_fields = ("signature", "headers", "times_used", "created_at", "updated_at")


@admin.register(AppendixUpload)
class AppendixUploadAdmin(admin.ModelAdmin):
    list_display = ("file_name", "document", "user", "created_at", "import_record")
    list_select_related = ("document", "user", "import_record")
    readonly_fields = [f.name for f in AppendixUpload._meta.fields]

    def has_add_permission(self, request):
        return False
