from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quality"
    verbose_name = _("Chất lượng số liệu")

    def ready(self) -> None:
        from exchange.workbook import records
        from indicators import view_helpers
        from quality import imports, on_save

        if imports.check_rows not in records.PREVIEW_CHECKS:
            records.PREVIEW_CHECKS.append(imports.check_rows)
        if on_save.warnings_for not in view_helpers.SAVE_CHECKS:
            view_helpers.SAVE_CHECKS.append(on_save.warnings_for)
