from django.urls import path

from indicators import dashboard_views as views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("chi-tieu/<int:target_id>/", views.target, name="dashboard_target"),
    path("so-sanh/", views.compare_index, name="dashboard_compare_index"),
    path("so-sanh/<int:indicator_id>/", views.compare, name="dashboard_compare"),
    path("phan-cap/", views.cascade_index, name="dashboard_cascade_index"),
    path("phan-cap/<int:target_id>/", views.cascade, name="dashboard_cascade"),
    path("iptt/<int:document_id>/", views.iptt, name="dashboard_iptt"),
    path("iptt/<int:document_id>/excel/", views.iptt_excel, name="dashboard_iptt_excel"),
]
