from django.urls import path

from households import aggregate_views, views

urlpatterns = [
    path("ho-ngheo/", views.register_home, name="register_home"),
    path("ho-ngheo/dia-ban/<int:unit_id>/", views.register_dashboard, name="register_dashboard"),
    path("ho-ngheo/tinh-lai/", views.register_recompute, name="register_recompute"),
    path("ho-ngheo/xa/<int:commune_id>/tinh-lai/", views.commune_refresh, name="commune_refresh"),
    path("ho-ngheo/chuan-ngheo/", views.standard_list, name="standard_list"),
    path("ho-ngheo/xa/<int:commune_id>/ho/", views.household_list, name="household_list"),
    path("ho-ngheo/xa/<int:commune_id>/xuat/", views.household_export, name="household_export"),
    path("ho-ngheo/xa/<int:commune_id>/xuat-day-du/", views.household_export_full, name="household_export_full"),
    path("ho-ngheo/xa/<int:commune_id>/them-ho/", views.household_create, name="household_create"),
    path("ho-ngheo/ho/<int:household_id>/", views.household_detail, name="household_detail"),
    path("ho-ngheo/ho/<int:household_id>/nhat-ky/", views.household_access_log, name="household_access_log"),
    path("ho-ngheo/ho/<int:household_id>/sua/", views.household_edit, name="household_edit"),
    path("ho-ngheo/ho/<int:household_id>/ra-soat/<int:year>/", views.review_edit, name="review_edit"),
    path("ho-ngheo/nhap/", views.review_import, name="review_import"),
    path("ho-ngheo/tong-hop/nhap/", aggregate_views.aggregate_import, name="aggregate_import"),
    path("ho-ngheo/tong-hop/xem-truoc/", aggregate_views.aggregate_preview, name="aggregate_preview"),
    path("ho-ngheo/tong-hop/ghi/", aggregate_views.aggregate_confirm, name="aggregate_confirm"),
]
