from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import user_views, views

urlpatterns = [
    # Self-service: Django's views, our Vietnamese templates (templates/registration/).
    path("tai-khoan/", views.account, name="account"),
    path("tai-khoan/doi-mat-khau/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("tai-khoan/doi-mat-khau/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("quen-mat-khau/", auth_views.PasswordResetView.as_view(
        email_template_name="registration/password_reset_email.txt",
        subject_template_name="registration/password_reset_subject.txt",
    ), name="password_reset"),
    path("quen-mat-khau/da-gui/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("dat-mat-khau/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        success_url=reverse_lazy("password_reset_complete"),
    ), name="password_reset_confirm"),
    path("dat-mat-khau/xong/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # Second factor.
    path("xac-thuc/", views.otp_verify, name="otp_verify"),
    path("xac-thuc/thiet-lap/", views.otp_enrol, name="otp_enrol"),
    path("xac-thuc/ma-khoi-phuc/", views.otp_recovery_codes, name="otp_recovery_codes"),
    path("xac-thuc/tat/", views.otp_disable, name="otp_disable"),
    # User administration.
    path("nguoi-dung/", user_views.user_list, name="user_list"),
    path("nguoi-dung/moi/", user_views.user_invite, name="user_invite"),
    path("nguoi-dung/<int:user_id>/", user_views.user_detail, name="user_detail"),
    path("nguoi-dung/<int:user_id>/vai-tro/", user_views.membership_add, name="membership_add"),
    path("nguoi-dung/<int:user_id>/vai-tro/<int:membership_id>/xoa/", user_views.membership_remove,
         name="membership_remove"),
    path("nguoi-dung/<int:user_id>/khoa/", user_views.user_set_active, {"active": False}, name="user_deactivate"),
    path("nguoi-dung/<int:user_id>/mo-lai/", user_views.user_set_active, {"active": True}, name="user_reactivate"),
]
