from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quality"
    verbose_name = _("Chất lượng số liệu")

    def ready(self) -> None:
        from indicators import view_helpers, workbook
        from quality import imports, on_save

        if imports.check_rows not in workbook.PREVIEW_CHECKS:
            workbook.PREVIEW_CHECKS.append(imports.check_rows)
        if on_save.warnings_for not in view_helpers.SAVE_CHECKS:
            view_helpers.SAVE_CHECKS.append(on_save.warnings_for)
