from django.urls import path

from indicators import assessment_views, views

urlpatterns = [
    path("so-lieu/nhap/<int:target_id>/", views.actual_entry, name="actual_entry"),
    path("so-lieu/<int:actual_id>/", views.actual_detail, name="actual_detail"),
    path("so-lieu/<int:actual_id>/gui-duyet/", views.actual_submit, name="actual_submit"),
    path("so-lieu/<int:actual_id>/duyet/", views.actual_approve, name="actual_approve"),
    path("so-lieu/<int:actual_id>/tra-lai/", views.actual_return, name="actual_return"),
    path("chi-tieu/<int:target_id>/danh-gia/", assessment_views.assessment_page, name="assessment_page"),
    path("danh-gia/<int:assessment_id>/gui-duyet/", assessment_views.assessment_submit, name="assessment_submit"),
    path("danh-gia/<int:assessment_id>/duyet/", assessment_views.assessment_approve, name="assessment_approve"),
    path("danh-gia/<int:assessment_id>/tra-lai/", assessment_views.assessment_return, name="assessment_return"),
]
