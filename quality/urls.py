from django.urls import path

from quality import views

urlpatterns = [
    path("chat-luong-so-lieu/", views.findings_page, name="quality_findings"),
]
