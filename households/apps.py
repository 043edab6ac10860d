from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class HouseholdsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "households"
    verbose_name = gettext_lazy("Hộ gia đình")
