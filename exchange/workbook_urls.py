from django.urls import path

from exchange import workbook_views as views

urlpatterns = [
    path("nhap-du-lieu/", views.import_home, name="import_home"),
    path("nhap-du-lieu/mau.xlsx", views.template_download, name="import_template"),
    path("nhap-du-lieu/tai-len/", views.upload, name="import_upload"),
    path("nhap-du-lieu/<int:record_id>/", views.import_detail, name="import_detail"),
    path("nhap-du-lieu/<int:record_id>/tien-do/", views.import_progress, name="import_progress"),
    path("nhap-du-lieu/<int:record_id>/ghi/", views.import_apply, name="import_apply"),
    path("nhap-du-lieu/<int:record_id>/loi.xlsx", views.error_workbook, name="import_errors"),
    path("xuat-du-lieu/", views.export_home, name="export_home"),
    path("xuat-du-lieu/<str:kind>.<str:file_format>", views.export_list, name="export_list"),
    path("xuat-du-lieu/<str:kind>/tao-xlsx/", views.export_start, name="export_start"),
    path("xuat-du-lieu/viec/<uuid:result_id>/", views.export_job, name="export_job"),
    path("xuat-du-lieu/viec/<uuid:result_id>/tai-ve.xlsx", views.export_download, name="export_download"),
]
