from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "indicators"
    verbose_name = "Chỉ tiêu"

    def ready(self) -> None:
        from indicators import signals

        signals.connect()
