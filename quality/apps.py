from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "quality"
    verbose_name = _("Chất lượng số liệu")

    def ready(self) -> None:
        from indicators import workbook
        from quality import imports

        if imports.check_rows not in workbook.PREVIEW_CHECKS:
            workbook.PREVIEW_CHECKS.append(imports.check_rows)
