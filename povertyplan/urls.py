from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

urlpatterns = [
    path("dang-nhap/", auth_views.LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
    path("bang-dieu-khien/", include("dashboards.urls")),
    path("", include("indicators.urls")),
    path("", include("exchange.workbook_urls")),
    path("", include("review.urls")),
    path("", include("plans.urls")),
    path("", include("households.urls")),
    path("", include("exchange.urls")),
    path("", include("quality.urls")),
    path("", include("jobs.urls")),
    path("thong-bao/", include("notifications.urls")),
    path("", include("reporting.urls")),
    path("", include("reports.urls")),
]

admin.site.site_header = _("povertyplan – Quản trị")
admin.site.site_title = "povertyplan"
admin.site.index_title = _("Quản trị dữ liệu")
