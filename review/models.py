"""The review cycle's records: the workflow every reported record shares, task reports, evidence,
explanations asked and given, and the audit trail.

UI strings are Vietnamese source strings wrapped for translation (English in locale/en).
Tables keep the names they had in plans and indicators (db_table), so moving here changed no data.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------------------------------------
# Reporting: shared workflow, task progress reports, the audit trail


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Nháp")
    SUBMITTED = "submitted", _("Đã gửi")
    APPROVED = "approved", _("Đã duyệt")
    RETURNED = "returned", _("Trả lại")


class ReportingPeriod(models.TextChoices):
    YEAR = "year", _("Năm")
    HALF = "half", _("6 tháng")
    QUARTER = "quarter", _("Quý")
    MONTH = "month", _("Tháng")


def period_constraint(name: str) -> models.CheckConstraint:
    """0 for a whole year, 1–2 for a half, 1–4 for a quarter, 1–12 for a month."""
    return models.CheckConstraint(
        condition=(Q(period_kind=ReportingPeriod.YEAR) & Q(period_number=0))
        | (Q(period_kind=ReportingPeriod.HALF) & Q(period_number__gte=1) & Q(period_number__lte=2))
        | (Q(period_kind=ReportingPeriod.QUARTER) & Q(period_number__gte=1) & Q(period_number__lte=4))
        | (Q(period_kind=ReportingPeriod.MONTH) & Q(period_number__gte=1) & Q(period_number__lte=12)),
        name=name,
    )


class RecordSource(models.TextChoices):
    """How a reported figure or task report came in: shown wherever it is, since many have no author."""

    ENTERED = "entered", _("Nhập tay")
    IMPORTED = "imported", _("Nhập từ tệp")
    REGISTER = "register", _("Tính từ sổ hộ")
    SYNTHETIC = "synthetic", _("Tính từ sổ hộ giả lập")
    ILLUSTRATIVE = "illustrative", _("Minh họa")


class ReviewedRecord(models.Model):
    """What a reported figure and a task report share: workflow, optimistic lock, late corrections."""

    status = models.CharField(_("trạng thái"), max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    review_comment = models.TextField(_("ý kiến người duyệt"), blank=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    is_late_correction = models.BooleanField(_("sửa sau khi đã duyệt"), default=False)
    correction_reason = models.TextField(_("lý do sửa"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người nhập")
    )
    # db_default too: the COPY and INSERT writers of imports and generators name their columns.
    source = models.CharField(
        _("nguồn số liệu"), max_length=20, choices=RecordSource.choices, default=RecordSource.ENTERED,
        db_default=RecordSource.ENTERED,
    )
    import_record = models.ForeignKey(
        "exchange.ImportRecord", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("lần nhập")
    )
    submitted_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("người duyệt")
    )
    reviewed_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_locked(self) -> bool:
        return self.status == ReviewStatus.APPROVED

    @property
    def period_label(self) -> str:
        if self.period_kind == ReportingPeriod.YEAR:
            return str(self.year)
        return f"{self.get_period_kind_display()} {self.period_number}/{self.year}"


class ProgressState(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa triển khai")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    COMPLETED = "completed", _("Đã hoàn thành")


class TaskReport(ReviewedRecord):
    """An agency's report on a task for one reporting period."""

    task = models.ForeignKey("plans.Task", models.CASCADE, related_name="reports", verbose_name=_("nhiệm vụ"))
    agency = models.ForeignKey("plans.Agency", models.PROTECT, related_name="task_reports", verbose_name=_("cơ quan báo cáo"))
    period_kind = models.CharField(_("kỳ"), max_length=10, choices=ReportingPeriod.choices, default=ReportingPeriod.YEAR)
    year = models.PositiveSmallIntegerField(_("năm"))
    period_number = models.PositiveSmallIntegerField(_("số kỳ"), default=0)
    progress = models.CharField(_("tiến độ"), max_length=20, choices=ProgressState.choices)
    percent_done = models.PositiveSmallIntegerField(_("phần trăm hoàn thành"), default=0)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    narrative = models.TextField(_("kết quả thực hiện"))

    class Meta:
        db_table = "plans_taskreport"
        verbose_name = _("báo cáo nhiệm vụ")
        verbose_name_plural = _("báo cáo nhiệm vụ")
        ordering = ["task", "year", "period_kind", "period_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "agency", "period_kind", "year", "period_number"], name="task_report_unique_per_period"
            ),
            period_constraint("task_report_period_number_matches_kind"),
            models.CheckConstraint(condition=Q(percent_done__lte=100), name="task_report_percent_at_most_100"),
            models.CheckConstraint(
                condition=~Q(progress=ProgressState.COMPLETED) | (Q(completed_on__isnull=False) & Q(percent_done=100)),
                name="task_report_completed_has_date_and_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} – {self.period_label}"


class AuditEntry(models.Model):
    """One change to a target, actual, task report or membership: kept forever, never edited."""

    content_type = models.ForeignKey("contenttypes.ContentType", models.PROTECT, verbose_name=_("loại"))
    object_id = models.PositiveBigIntegerField(_("mã đối tượng"))
    object_repr = models.CharField(_("đối tượng"), max_length=300)
    action = models.CharField(_("thao tác"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("người thực hiện")
    )
    at = models.DateTimeField(_("lúc"), auto_now_add=True, db_index=True)
    before = models.JSONField(_("trước"), null=True, blank=True)
    after = models.JSONField(_("sau"), null=True, blank=True)
    reason = models.TextField(_("lý do"), blank=True)

    class Meta:
        db_table = "plans_auditentry"
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.user} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(gettext("Nhật ký thay đổi không được sửa."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(gettext("Nhật ký thay đổi không được xóa."))


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Stored under a random name: the original name is kept in the row, never trusted as a path.
    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class Evidence(models.Model):
    """A file that supports a reported figure, a task report or a target's assessment. Served only to
    those who may see it."""

    task_report = models.ForeignKey(
        "review.TaskReport", models.CASCADE, null=True, blank=True, related_name="evidence", verbose_name=_("báo cáo nhiệm vụ")
    )
    actual = models.ForeignKey(
        "indicators.Actual", models.CASCADE, null=True, blank=True, related_name="evidence", verbose_name=_("số liệu")
    )
    assessment = models.ForeignKey(
        "indicators.TargetAssessment", models.CASCADE, null=True, blank=True, related_name="evidence", verbose_name=_("đánh giá")
    )
    file = models.FileField(_("tệp"), upload_to=evidence_path)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    size = models.PositiveIntegerField(_("dung lượng"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)

    class Meta:
        db_table = "indicators_evidence"
        verbose_name = _("minh chứng")
        verbose_name_plural = _("minh chứng")
        constraints = [
            models.CheckConstraint(
                condition=(Q(task_report__isnull=False) & Q(actual__isnull=True) & Q(assessment__isnull=True))
                | (Q(task_report__isnull=True) & Q(actual__isnull=False) & Q(assessment__isnull=True))
                | (Q(task_report__isnull=True) & Q(actual__isnull=True) & Q(assessment__isnull=False)),
                name="evidence_belongs_to_exactly_one_record",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name




class ExplanationRequest(models.Model):
    """A leader's "yêu cầu giải trình" on a lagging target or an overdue task, and the answer."""

    target = models.ForeignKey(
        "indicators.Target", models.CASCADE, null=True, blank=True, related_name="explanation_requests", verbose_name=_("chỉ tiêu")
    )
    task = models.ForeignKey(
        "plans.Task", models.CASCADE, null=True, blank=True, related_name="explanation_requests", verbose_name=_("nhiệm vụ")
    )
    unit = models.ForeignKey("plans.AdministrativeUnit", models.PROTECT, related_name="+", verbose_name=_("địa bàn"))
    question = models.TextField(_("nội dung yêu cầu"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("người yêu cầu"))
    requested_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    due_on = models.DateField(_("hạn trả lời"), null=True, blank=True)
    answer = models.TextField(_("nội dung giải trình"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("người giải trình")
    )
    answered_at = models.DateTimeField(_("giải trình lúc"), null=True, blank=True)

    class Meta:
        db_table = "indicators_explanationrequest"
        verbose_name = _("yêu cầu giải trình")
        verbose_name_plural = _("yêu cầu giải trình")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(target__isnull=False) & Q(task__isnull=True)) | (Q(target__isnull=True) & Q(task__isnull=False)),
                name="explanation_is_about_a_target_or_a_task",
            ),
            models.CheckConstraint(
                condition=(Q(answer="") & Q(answered_at__isnull=True)) | (~Q(answer="") & Q(answered_at__isnull=False)),
                name="explanation_answer_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target or self.task}: {self.question[:60]}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
