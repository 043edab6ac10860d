from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """Plans as provinces write them: the task appendix of a plan imported through a column mapping."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "exchange"
    verbose_name = _("Nhập phụ lục kế hoạch")
