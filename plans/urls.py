from django.urls import path

from plans import group_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("van-ban/", views.document_list, name="document_list"),
    path("van-ban/<int:document_id>/", views.document_detail, name="document_detail"),
    path("co-quan/<slug:code>/", views.agency_detail, name="agency_detail"),
    path("dia-ban/<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("nhom-dia-ban/", group_views.group_list, name="group_list"),
    path("nhom-dia-ban/<slug:code>/", group_views.group_detail, name="group_detail"),
]
