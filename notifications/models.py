"""Notifications: what the app tells a user (in the bell, and by email at once or in a daily digest),
and each user's choice per kind."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    RETURNED = "returned", _("Số liệu, báo cáo bị trả lại")
    APPROVED = "approved", _("Số liệu, báo cáo được duyệt")
    EXPLANATION_ASKED = "explanation_asked", _("Được yêu cầu giải trình")
    EXPLANATION_ANSWERED = "explanation_answered", _("Giải trình đã được trả lời")
    DUE_SOON = "due_soon", _("Báo cáo sắp đến hạn (7 ngày)")
    DUE_TOMORROW = "due_tomorrow", _("Báo cáo đến hạn ngày mai")
    OVERDUE = "overdue", _("Báo cáo quá hạn")
    ESCALATED = "escalated", _("Đơn vị cấp dưới quá hạn báo cáo")
    JOB_FINISHED = "job_finished", _("Việc chạy nền đã xong")
    JOB_FAILED = "job_failed", _("Việc chạy nền bị lỗi")


class Delivery(models.TextChoices):
    INSTANT = "instant", _("Gửi email ngay")
    DIGEST = "digest", _("Gộp vào email hằng ngày")
    OFF = "off", _("Chỉ trong ứng dụng")


class Notification(models.Model):
    """One message to one user. `key` names the event it is about ("obligation:12:due_soon"): a user
    gets one notification per key, however often the job that makes them runs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications", verbose_name=_("người nhận")
    )
    kind = models.CharField(_("loại"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("tiêu đề"), max_length=300)
    body = models.TextField(_("nội dung"), blank=True)
    link = models.CharField(_("đường dẫn"), max_length=500, blank=True)
    key = models.CharField(_("khóa sự kiện"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("lúc"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("đã gửi email lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""), name="notification_once_per_key"),
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.title}"


class Preference(models.Model):
    """How a user wants one kind delivered; no row means at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_preferences", verbose_name=_("người dùng")
    )
    kind = models.CharField(_("loại"), max_length=30, choices=Kind.choices)
    delivery = models.CharField(_("cách nhận"), max_length=10, choices=Delivery.choices, default=Delivery.INSTANT)

    class Meta:
        verbose_name = _("cách nhận thông báo")
        verbose_name_plural = _("cách nhận thông báo")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_kind_display()}: {self.get_delivery_display()}"
