from django.urls import path

from reports import brief_views, narrative_views, table_views

urlpatterns = [
    path("bao-cao/tom-tat/", brief_views.leader_brief_page, name="leader_brief"),
    path("bao-cao/bang-tong-hop/", table_views.table_index, name="report_tables"),
    path("bao-cao/bang-tong-hop/<str:table>.xlsx", table_views.table_download, name="report_table_download"),
    path("bao-cao/giam-sat/<int:unit_id>/", narrative_views.narrative_edit, name="narrative_edit"),
    path("bao-cao/giam-sat/<int:unit_id>/duyet/", narrative_views.narrative_review, name="narrative_review"),
    path("bao-cao/giam-sat/<int:unit_id>/tai-ve.docx", narrative_views.narrative_download, name="narrative_download"),
]
