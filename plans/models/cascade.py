"""The cascade: documents citing the ones above them, and the tasks they assign."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plans.document_keys import new_document_key
from plans.models.agencies import Agency
from plans.models.base import SearchKeyMixin
from plans.models.places import AdministrativeUnit


class DocumentKind(models.TextChoices):
    DIRECTIVE = "directive", _("Chỉ thị")
    RESOLUTION = "resolution", _("Nghị quyết")
    PLAN = "plan", _("Kế hoạch")
    ACTION_PROGRAMME = "action_programme", _("Chương trình hành động")
    CONCLUSION = "conclusion", _("Kết luận")
    DECISION = "decision", _("Quyết định")
    PROGRAMME = "programme", _("Chương trình")
    PROJECT = "project", _("Đề án")
    LAW = "law", _("Luật")
    DECREE = "decree", _("Nghị định")
    CIRCULAR = "circular", _("Thông tư")
    OFFICIAL_LETTER = "official_letter", _("Công văn")
    NOTICE = "notice", _("Thông báo")
    REPORT = "report", _("Báo cáo")
    GUIDANCE = "guidance", _("Hướng dẫn")
    OTHER = "other", _("Văn bản khác")


class Document(SearchKeyMixin):
    SEARCH_FIELDS = ("number", "title", "key")

    # The stable key: a document cited without its number still has one (plans.document_keys).
    key = models.SlugField(_("mã văn bản"), max_length=120, unique=True, blank=True, help_text=_("Để trống: hệ thống tự tạo."))
    number = models.CharField(_("số hiệu"), max_length=100, blank=True, help_text=_("Để trống nếu chưa biết số hiệu."))
    number_unverified = models.BooleanField(_("số hiệu chưa xác minh"), default=False, db_default=False)
    kind = models.CharField(_("loại văn bản"), max_length=20, choices=DocumentKind.choices)
    title = models.TextField(_("trích yếu"), blank=True)
    issuer = models.ForeignKey(
        Agency, models.PROTECT, related_name="issued_documents", verbose_name=_("cơ quan ban hành")
    )
    territory = models.ForeignKey(
        AdministrativeUnit, models.PROTECT, related_name="documents", verbose_name=_("địa bàn")
    )
    signer = models.CharField(_("người ký"), max_length=200, blank=True)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=200, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issued_on_unverified = models.BooleanField(_("ngày ban hành chưa xác minh"), default=False, db_default=False)
    start_year = models.PositiveSmallIntegerField(_("từ năm"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("đến năm"), null=True, blank=True)
    purpose = models.TextField(_("mục đích"), blank=True)
    requirements = models.TextField(_("yêu cầu"), blank=True)
    is_held = models.BooleanField(
        _("có văn bản"), default=True, help_text=_("Bỏ chọn nếu văn bản chỉ được trích dẫn, chưa có toàn văn.")
    )
    source = models.CharField(_("nguồn"), max_length=300, blank=True)
    source_text = models.TextField(_("toàn văn"), blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    bases = models.ManyToManyField(
        "self",
        through="DocumentBasis",
        through_fields=("document", "basis"),
        symmetrical=False,
        related_name="implementations",
        blank=True,
        verbose_name=_("căn cứ"),
    )

    class Meta:
        verbose_name = _("văn bản")
        verbose_name_plural = _("văn bản")
        ordering = ["issued_on", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "number"], condition=~Q(number=""), name="document_number_unique_per_issuer"
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True) | Q(end_year__isnull=True) | Q(start_year__lte=models.F("end_year")),
                name="document_horizon_ordered",
            ),
        ]

    def __str__(self) -> str:
        if self.number:
            return f"{self.get_kind_display()} {self.number}"
        return f"{self.get_kind_display()} ({gettext('chưa rõ số')}) {self.title[:60]}".rstrip()

    def save(self, *args, **kwargs):
        if not self.key:
            self.key = new_document_key(self)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("document_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """How pages name the document: its number, else "chưa rõ số hiệu (its key)". The workbook
        names it by number or key alone (plans.widgets.document_reference)."""
        if self.number:
            return self.number
        return f"{gettext('chưa rõ số hiệu')} ({self.key})"

    @property
    def horizon(self) -> str:
        if self.start_year and self.end_year:
            return f"{self.start_year}–{self.end_year}"
        return str(self.end_year or self.start_year or "")


class BasisRelation(models.TextChoices):
    BASIS = "basis", _("Căn cứ")
    IMPLEMENTS = "implements", _("Thực hiện")
    REPLACES = "replaces", _("Thay thế")
    AMENDS = "amends", _("Sửa đổi, bổ sung")


class DocumentBasis(models.Model):
    """`document` rests on `basis` ("Căn cứ ...", "thực hiện ...", "thay thế ..."). The links form a DAG:
    see services.add_basis."""

    document = models.ForeignKey(Document, models.CASCADE, related_name="basis_links")
    basis = models.ForeignKey(Document, models.PROTECT, related_name="implementation_links")
    relation = models.CharField(
        _("quan hệ"), max_length=20, choices=BasisRelation.choices, default=BasisRelation.BASIS,
        db_default=BasisRelation.BASIS,
    )

    class Meta:
        verbose_name = _("căn cứ")
        verbose_name_plural = _("căn cứ")
        constraints = [
            models.UniqueConstraint(fields=["document", "basis"], name="document_basis_unique"),
            models.CheckConstraint(condition=~Q(document=models.F("basis")), name="document_basis_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.document} ← {self.basis}"


class Recurrence(models.TextChoices):
    ONCE = "once", _("Một lần")
    MONTHLY = "monthly", _("Hằng tháng")
    QUARTERLY = "quarterly", _("Hằng quý")
    HALF_YEARLY = "half_yearly", _("6 tháng")
    YEARLY = "yearly", _("Hằng năm")
    CONTINUOUS = "continuous", _("Thường xuyên")


class Task(SearchKeyMixin):
    SEARCH_FIELDS = ("number", "title", "text")

    document = models.ForeignKey(Document, models.CASCADE, related_name="tasks", verbose_name=_("văn bản"))
    number = models.CharField(_("số thứ tự"), max_length=40)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("mục cha")
    )
    title = models.TextField(_("tiêu đề"), blank=True)
    text = models.TextField(_("nội dung"), blank=True)
    lead_agency = models.ForeignKey(
        Agency, models.PROTECT, null=True, blank=True, related_name="led_tasks", verbose_name=_("cơ quan chủ trì")
    )
    coordinating_agencies = models.ManyToManyField(
        Agency, blank=True, related_name="coordinated_tasks", verbose_name=_("cơ quan phối hợp")
    )
    deadline_text = models.CharField(_("thời hạn"), max_length=200, blank=True)
    due_on = models.DateField(_("hạn hoàn thành"), null=True, blank=True)
    recurrence = models.CharField(_("tần suất"), max_length=20, choices=Recurrence.choices, blank=True)
    implements = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="implemented_by", verbose_name=_("thực hiện nhiệm vụ")
    )

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="task_number_unique_per_document"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="task_not_own_parent"),
        ]

    def __str__(self) -> str:
        label = self.title or self.text
        return f"{self.number}. {label[:80]}"

    def get_absolute_url(self) -> str:
        return f"{self.document.get_absolute_url()}#task-{self.pk}"
