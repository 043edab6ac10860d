from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The leader dashboards: reads, figures and pages (no models of its own)."""

    name = "dashboards"
    verbose_name = _("Bảng điều khiển")
