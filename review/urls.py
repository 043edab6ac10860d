from django.urls import path

from review import task_report_views, views

urlpatterns = [
    path("viec-cua-toi/", views.my_work, name="my_work"),
    path("duyet/", views.review_queue, name="review_queue"),
    path("minh-chung/<int:evidence_id>/", views.evidence_download, name="evidence_download"),
    path("giai-trinh/", views.explanation_list, name="explanation_list"),
    path("giai-trinh/<int:request_id>/tra-loi/", views.explanation_answer, name="explanation_answer"),
    path("chi-tieu/<int:target_id>/giai-trinh/", views.explanation_request_target, name="explanation_request_target"),
    path("nhiem-vu/<int:task_id>/giai-trinh/", views.explanation_request_task, name="explanation_request_task"),
    path("nhiem-vu/<int:task_id>/bao-cao/", task_report_views.task_report_entry, name="task_report_entry"),
    path("bao-cao-nhiem-vu/<int:report_id>/", task_report_views.task_report_detail, name="task_report_detail"),
    path("bao-cao-nhiem-vu/<int:report_id>/gui-duyet/", task_report_views.task_report_submit, name="task_report_submit"),
    path("bao-cao-nhiem-vu/<int:report_id>/duyet/", task_report_views.task_report_approve, name="task_report_approve"),
    path("bao-cao-nhiem-vu/<int:report_id>/tra-lai/", task_report_views.task_report_return, name="task_report_return"),
]
