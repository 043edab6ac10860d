from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("<int:notification_id>/", views.notification_open, name="notification_open"),
    path("<int:notification_id>/da-doc/", views.notification_read, name="notification_read"),
    path("da-doc-tat-ca/", views.notification_read_all, name="notification_read_all"),
    path("cach-nhan/", views.notification_preferences, name="notification_preferences"),
]
