from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PlansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "plans"
    verbose_name = gettext_lazy("Kế hoạch")
