from django.urls import path

from jobs import views

urlpatterns = [
    path("viec-chay-nen/", views.job_list, name="job_list"),
    path("viec-chay-nen/<uuid:result_id>/chay-lai/", views.job_retry, name="job_retry"),
]
