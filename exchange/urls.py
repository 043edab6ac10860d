from django.urls import path

from exchange import views

urlpatterns = [
    path("nhap-phu-luc/", views.upload, name="appendix_upload"),
    path("nhap-phu-luc/<int:upload_id>/bang/", views.choose_table, name="appendix_table"),
    path("nhap-phu-luc/<int:upload_id>/cot/", views.columns, name="appendix_columns"),
    path("nhap-phu-luc/<int:upload_id>/xem-truoc/", views.preview, name="appendix_preview"),
    path("nhap-phu-luc/<int:upload_id>/ket-qua/", views.result, name="appendix_result"),
]
