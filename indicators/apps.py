from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class IndicatorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "indicators"
    verbose_name = gettext_lazy("Chỉ tiêu")

    def ready(self) -> None:
        from indicators import signals

        signals.connect()
