from django.urls import path

from reports import table_views

urlpatterns = [
    path("bao-cao/bang-tong-hop/", table_views.table_index, name="report_tables"),
    path("bao-cao/bang-tong-hop/<str:table>.xlsx", table_views.table_download, name="report_table_download"),
]
