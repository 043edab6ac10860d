from django.urls import path

from common.replica import reads_from_replica as replica
from dashboards import views

# Dashboards are read-only: their reads go to the read replica when one is
# configured (common/replica.py). An officer's own pages are never marked.
urlpatterns = [
    path("", replica(views.dashboard), name="dashboard"),
    path("chi-tieu/<int:target_id>/", replica(views.target), name="dashboard_target"),
    path("so-sanh/", replica(views.compare_index), name="dashboard_compare_index"),
    path("so-sanh/<int:indicator_id>/", replica(views.compare), name="dashboard_compare"),
    path("phan-cap/", replica(views.cascade_index), name="dashboard_cascade_index"),
    path("phan-cap/<int:target_id>/", replica(views.cascade), name="dashboard_cascade"),
    path("iptt/<int:document_id>/", replica(views.iptt), name="dashboard_iptt"),
    path(
        "iptt/<int:document_id>/excel/",
        replica(views.iptt_excel),
        name="dashboard_iptt_excel",
    ),
]
