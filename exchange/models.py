"""What the appendix import keeps: layouts it has learnt, and each uploaded appendix until it is written.

UI strings are Vietnamese source strings wrapped for translation (English in locale/en).
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ColumnLayout(models.Model):
    """One way a province lays out its task appendix (its header row, normalised) and the fields its
    columns were last mapped to: proposed again when a file with the same header row comes in."""

    signature = models.CharField(_("chữ ký mẫu cột"), max_length=64, unique=True)
    headers = models.JSONField(_("tiêu đề cột"), default=list)
    fields = models.JSONField(_("trường của từng cột"), default=list)
    times_used = models.PositiveIntegerField(_("số lần dùng"), default=1)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("mẫu cột phụ lục")
        verbose_name_plural = _("mẫu cột phụ lục")
        constraints = [
            models.CheckConstraint(condition=Q(signature__regex=r"^[0-9a-f]{64}$"), name="column_layout_signature_is_sha256"),
        ]

    def __str__(self) -> str:
        return " | ".join(str(h) for h in self.headers)[:200]


def appendix_path(instance: "AppendixUpload", filename: str) -> str:
    # A random name: the original is kept in the row, never trusted as a path.
    return f"appendices/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class AppendixUpload(models.Model):
    """An uploaded appendix on its way through the steps: table, columns, matches, then written.

    Once written it names the ImportRecord of the workbook imports' history, and cannot be written again.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("người nhập")
    )
    file = models.FileField(_("tệp"), upload_to=appendix_path)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    checksum = models.CharField(_("mã kiểm tra SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("dung lượng"))
    document = models.ForeignKey(
        "plans.Document", models.CASCADE, related_name="appendix_uploads", verbose_name=_("văn bản")
    )
    table_count = models.PositiveSmallIntegerField(_("số bảng trong tệp"), default=1)
    table_index = models.PositiveSmallIntegerField(_("bảng được chọn"), null=True, blank=True)
    header_row = models.PositiveIntegerField(_("dòng tiêu đề"), null=True, blank=True)
    fields = models.JSONField(_("trường của từng cột"), default=list, blank=True)
    number_prefix = models.CharField(_("tiền tố số thứ tự"), max_length=20, blank=True)
    decisions = models.JSONField(_("cách ghép cơ quan"), default=dict, blank=True)
    import_record = models.OneToOneField(
        "exchange.ImportRecord", models.SET_NULL, null=True, blank=True, related_name="appendix", verbose_name=_("lần nhập")
    )
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phụ lục tải lên")
        verbose_name_plural = _("phụ lục tải lên")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(table_index__isnull=True) | Q(table_index__lt=models.F("table_count")),
                name="appendix_table_index_within_count",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%d/%m/%Y %H:%M})"

    @property
    def is_applied(self) -> bool:
        return self.import_record_id is not None


# ---------------------------------------------------------------------------------------------
# Imports of spreadsheets


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Đang kiểm tra")
    CHECKED = "checked", _("Đã kiểm tra, chờ xác nhận")
    APPLYING = "applying", _("Đang ghi")
    APPLIED = "applied", _("Đã ghi")
    FAILED = "failed", _("Không ghi được")


def import_path(instance: "ImportRecord", filename: str) -> str:
    # Stored under a random name: the original name is kept in the row, never trusted as a path.
    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class ImportRecord(models.Model):
    """One uploaded workbook (or sheet CSV): who sent which file, what checking found, what was written.

    The counts, changes and errors of the check are kept so that the preview, the error workbook
    and the history read them back; a background import writes its progress here.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("người nhập")
    )
    file = models.FileField(_("tệp"), upload_to=import_path, blank=True)
    file_name = models.CharField(_("tên tệp"), max_length=255)
    checksum = models.CharField(_("mã kiểm tra SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("dung lượng"))
    status = models.CharField(_("trạng thái"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    rows_total = models.PositiveIntegerField(_("số dòng"), default=0)
    rows_done = models.PositiveIntegerField(_("số dòng đã xử lý"), default=0)
    counts = models.JSONField(_("số dòng theo sheet"), default=dict, blank=True)
    changes = models.JSONField(_("thay đổi"), default=list, blank=True)
    errors = models.JSONField(_("lỗi"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("số lỗi"), default=0)
    message = models.TextField(_("thông báo"), blank=True)
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    checked_at = models.DateTimeField(_("kiểm tra xong lúc"), null=True, blank=True)
    applied_at = models.DateTimeField(_("ghi xong lúc"), null=True, blank=True)

    class Meta:
        db_table = "plans_importrecord"
        verbose_name = _("lần nhập dữ liệu")
        verbose_name_plural = _("lần nhập dữ liệu")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rows_done__lte=models.F("rows_total")), name="import_progress_within_total"),
            models.CheckConstraint(
                condition=~Q(status=ImportStatus.APPLIED) | (Q(applied_at__isnull=False) & Q(error_count=0)),
                name="import_applied_has_time_and_no_errors",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%d/%m/%Y %H:%M})"

    @property
    def percent(self) -> int:
        return min(100, self.rows_done * 100 // self.rows_total) if self.rows_total else 0

    @property
    def is_running(self) -> bool:
        return self.status in {ImportStatus.CHECKING, ImportStatus.APPLYING}

    @property
    def status_label(self) -> str:
        """A checked file with errors can never be confirmed: say so rather than "awaiting confirmation"."""
        if self.status == ImportStatus.CHECKED and self.error_count:
            return _("Có lỗi, không ghi được")
        return self.get_status_display()
