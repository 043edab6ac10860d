from django.urls import path

from indicators import assessment_views, task_report_views, views

urlpatterns = [
    path("viec-cua-toi/", views.my_work, name="my_work"),
    path("duyet/", views.review_queue, name="review_queue"),
    path("so-lieu/nhap/<int:target_id>/", views.actual_entry, name="actual_entry"),
    path("so-lieu/<int:actual_id>/", views.actual_detail, name="actual_detail"),
    path("so-lieu/<int:actual_id>/gui-duyet/", views.actual_submit, name="actual_submit"),
    path("so-lieu/<int:actual_id>/duyet/", views.actual_approve, name="actual_approve"),
    path("so-lieu/<int:actual_id>/tra-lai/", views.actual_return, name="actual_return"),
    path("nhiem-vu/<int:task_id>/bao-cao/", task_report_views.task_report_entry, name="task_report_entry"),
    path("bao-cao-nhiem-vu/<int:report_id>/", task_report_views.task_report_detail, name="task_report_detail"),
    path("bao-cao-nhiem-vu/<int:report_id>/gui-duyet/", task_report_views.task_report_submit, name="task_report_submit"),
    path("bao-cao-nhiem-vu/<int:report_id>/duyet/", task_report_views.task_report_approve, name="task_report_approve"),
    path("bao-cao-nhiem-vu/<int:report_id>/tra-lai/", task_report_views.task_report_return, name="task_report_return"),
    path("minh-chung/<int:evidence_id>/", views.evidence_download, name="evidence_download"),
    path("giai-trinh/", views.explanation_list, name="explanation_list"),
    path("giai-trinh/<int:request_id>/tra-loi/", views.explanation_answer, name="explanation_answer"),
    path("chi-tieu/<int:target_id>/giai-trinh/", views.explanation_request_target, name="explanation_request_target"),
    path("nhiem-vu/<int:task_id>/giai-trinh/", views.explanation_request_task, name="explanation_request_task"),
    path("chi-tieu/<int:target_id>/danh-gia/", assessment_views.assessment_page, name="assessment_page"),
    path("danh-gia/<int:assessment_id>/gui-duyet/", assessment_views.assessment_submit, name="assessment_submit"),
    path("danh-gia/<int:assessment_id>/duyet/", assessment_views.assessment_approve, name="assessment_approve"),
    path("danh-gia/<int:assessment_id>/tra-lai/", assessment_views.assessment_return, name="assessment_return"),
]
