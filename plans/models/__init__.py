"""Places, bodies and the cascade of documents, with their tasks.

UI strings are Vietnamese source strings wrapped for translation (English in locale/en).
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from plans.document_keys import new_document_key
from plans.text import search_key


class SearchKeyMixin(models.Model):
    """Keeps `search_key` (diacritic-free) in step with the fields named in SEARCH_FIELDS."""

    SEARCH_FIELDS: tuple[str, ...] = ()
    search_key = models.TextField(editable=False, default="", db_index=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.search_key = search_key(*(str(getattr(self, f) or "") for f in self.SEARCH_FIELDS))
        super().save(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# Places


class AdminMap(models.TextChoices):
    """Which edition of the country map a unit belongs to. Codes are unique within an edition."""

    LEGACY = "63", _("63 tỉnh (trước 1/7/2025)")
    CURRENT = "34", _("34 tỉnh (từ 1/7/2025)")
    STATISTICAL = "", _("Cả nước và vùng")


class UnitLevel(models.IntegerChoices):
    NATION = 0, _("Cả nước")
    REGION = 1, _("Vùng kinh tế - xã hội")
    PROVINCE = 2, _("Tỉnh, thành phố")
    DISTRICT = 3, _("Huyện, quận, thị xã, thành phố thuộc tỉnh")
    COMMUNE = 4, _("Xã, phường, thị trấn")


class AdministrativeUnit(SearchKeyMixin):
    SEARCH_FIELDS = ("name", "code")

    code = models.CharField(_("mã"), max_length=10)
    name = models.CharField(_("tên"), max_length=200)
    division_type = models.CharField(_("loại đơn vị"), max_length=50, blank=True)
    level = models.PositiveSmallIntegerField(_("cấp"), choices=UnitLevel.choices)
    admin_map = models.CharField(_("bản đồ"), max_length=2, choices=AdminMap.choices, blank=True)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("trực thuộc")
    )
    region = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="region_members",
        limit_choices_to={"level": UnitLevel.REGION},
        verbose_name=_("vùng"),
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        through="UnitSuccession",
        through_fields=("predecessor", "successor"),
        symmetrical=False,
        related_name="predecessors",
        blank=True,
    )

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["admin_map", "level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["admin_map", "code"], name="unit_code_unique_per_map"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_period_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(level__lte=UnitLevel.REGION) & Q(admin_map=AdminMap.STATISTICAL))
                | (Q(level__gte=UnitLevel.PROVINCE) & ~Q(admin_map=AdminMap.STATISTICAL)),
                name="unit_map_matches_level",
            ),
            models.CheckConstraint(
                condition=~(Q(level=UnitLevel.DISTRICT) & Q(admin_map=AdminMap.CURRENT)),
                name="unit_no_district_on_2025_map",
            ),
            models.CheckConstraint(
                condition=Q(level=UnitLevel.NATION) | Q(parent__isnull=False),
                name="unit_has_parent_below_nation",
            ),
        ]
        indexes = [models.Index(fields=["level", "admin_map"])]

    def __str__(self) -> str:
        if self.admin_map:
            return f"{self.name} ({self.code}, {self.admin_map} tỉnh)"
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("unit_detail", args=[self.pk])

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class UnitSuccession(models.Model):
    """A territory (or part of it) passing to another unit on a date, e.g. the 1/7/2025 mergers."""

    predecessor = models.ForeignKey(
        AdministrativeUnit, models.CASCADE, related_name="successor_links", verbose_name=_("đơn vị cũ")
    )
    successor = models.ForeignKey(
        AdministrativeUnit, models.CASCADE, related_name="predecessor_links", verbose_name=_("đơn vị mới")
    )
    effective_on = models.DateField(_("ngày hiệu lực"))
    share = models.DecimalField(
        _("tỷ lệ chuyển sang"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Phần của đơn vị cũ chuyển sang đơn vị mới (0–1); để trống nếu chưa rõ."),
    )
    is_main = models.BooleanField(
        _("đơn vị kế thừa chính"),
        default=True,
        help_text=_("Khi một đơn vị cũ bị chia, đơn vị mới nhận phần chính (nơi tính số liệu cũ)."),
    )

    class Meta:
        verbose_name = _("kế thừa đơn vị hành chính")
        verbose_name_plural = _("kế thừa đơn vị hành chính")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unit_succession_unique"),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="unit_succession_not_self"
            ),
            models.CheckConstraint(
                condition=Q(share__isnull=True) | (Q(share__gt=0) & Q(share__lte=1)),
                name="unit_succession_share_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective_on:%d/%m/%Y})"


class UnitGroupKind(models.TextChoices):
    POOR_DISTRICTS = "poor_districts", _("Huyện nghèo")
    ESPECIALLY_DIFFICULT_COMMUNES = "difficult_communes", _("Xã đặc biệt khó khăn")
    COASTAL_ISLAND_COMMUNES = "coastal_communes", _("Xã ĐBKK vùng bãi ngang ven biển và hải đảo")
    ETHNIC_MINORITY_REGION = "ethnic_minority_region", _("Xã vùng đồng bào dân tộc thiểu số và miền núi")
    NEW_RURAL = "new_rural", _("Xã đạt chuẩn nông thôn mới")
    OTHER = "other", _("Nhóm khác")


class UnitGroup(SearchKeyMixin):
    """A named list of units set by a legal text ("74 huyện nghèo giai đoạn 2021–2025"), over time."""

    SEARCH_FIELDS = ("name", "code")

    code = models.SlugField(_("mã nhóm"), max_length=60, unique=True)
    name = models.CharField(_("tên nhóm"), max_length=300)
    kind = models.CharField(_("loại nhóm"), max_length=30, choices=UnitGroupKind.choices)
    scope = models.ForeignKey(
        AdministrativeUnit, models.PROTECT, related_name="unit_groups", verbose_name=_("phạm vi")
    )
    source_document = models.ForeignKey(
        "Document", models.SET_NULL, null=True, blank=True, related_name="unit_groups", verbose_name=_("văn bản quy định")
    )
    source_text = models.CharField(_("căn cứ pháp lý"), max_length=300, blank=True)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("nhóm địa bàn")
        verbose_name_plural = _("nhóm địa bàn")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="unit_group_valid_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UnitGroupMember(models.Model):
    """A unit in a group from one date to another: `left_on` is when it left ("thoát khỏi huyện nghèo")."""

    group = models.ForeignKey(UnitGroup, models.CASCADE, related_name="members", verbose_name=_("nhóm"))
    unit = models.ForeignKey(
        AdministrativeUnit, models.PROTECT, related_name="group_memberships", verbose_name=_("đơn vị")
    )
    joined_on = models.DateField(_("vào nhóm từ"), null=True, blank=True)
    left_on = models.DateField(_("ra khỏi nhóm từ"), null=True, blank=True)
    left_basis = models.CharField(_("căn cứ ra khỏi nhóm"), max_length=300, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("đơn vị trong nhóm")
        verbose_name_plural = _("đơn vị trong nhóm")
        ordering = ["group", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["group", "unit"], name="unit_group_member_unique"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(joined_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="unit_group_member_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.unit}"


# ---------------------------------------------------------------------------------------------
# Bodies


class AgencyKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("Cấp ủy Đảng")
    PARTY_BODY = "party_body", _("Cơ quan Đảng")
    PEOPLES_COMMITTEE = "peoples_committee", _("Ủy ban nhân dân")
    GOVERNMENT = "government", _("Chính phủ")
    MINISTRY = "ministry", _("Bộ, ngành trung ương")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    FRONT = "front", _("Mặt trận, đoàn thể")
    COUNCIL = "council", _("Hội đồng nhân dân")
    NATIONAL_ASSEMBLY = "national_assembly", _("Quốc hội, Ủy ban Thường vụ Quốc hội")
    PRIME_MINISTER = "prime_minister", _("Thủ tướng Chính phủ")
    MASS_ORGANISATION = "mass_organisation", _("Tổ chức chính trị - xã hội, hội")
    STEERING_COMMITTEE = "steering_committee", _("Ban chỉ đạo")
    OTHER = "other", _("Tổ chức khác")
    COLLECTIVE = "collective", _("Nhóm cơ quan")


class Agency(SearchKeyMixin):
    SEARCH_FIELDS = ("name", "short_name", "code")

    code = models.SlugField(_("mã cơ quan"), max_length=60, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=300)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    kind = models.CharField(_("loại cơ quan"), max_length=30, choices=AgencyKind.choices)
    unit = models.ForeignKey(
        AdministrativeUnit, models.PROTECT, related_name="agencies", verbose_name=_("địa bàn")
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    successors = models.ManyToManyField(
        "self",
        through="AgencySuccession",
        through_fields=("predecessor", "successor"),
        symmetrical=False,
        related_name="predecessors",
        blank=True,
    )

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="agency_valid_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("agency_detail", args=[self.code])


class AgencySuccession(models.Model):
    """Work of one agency passing to another, e.g. poverty reduction from Sở LĐ-TB&XH to Sở NN&MT."""

    predecessor = models.ForeignKey(
        Agency, models.CASCADE, related_name="successor_links", verbose_name=_("cơ quan cũ")
    )
    successor = models.ForeignKey(
        Agency, models.CASCADE, related_name="predecessor_links", verbose_name=_("cơ quan mới")
    )
    effective_on = models.DateField(_("ngày hiệu lực"))
    scope = models.CharField(_("phạm vi chuyển giao"), max_length=300, blank=True)
    basis = models.CharField(_("căn cứ"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("kế thừa cơ quan")
        verbose_name_plural = _("kế thừa cơ quan")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="agency_succession_unique"),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="agency_succession_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective_on:%d/%m/%Y})"


# ---------------------------------------------------------------------------------------------
# The cascade


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


# ---------------------------------------------------------------------------------------------
# People


class Role(models.TextChoices):
    OFFICER = "officer", _("Cán bộ")
    REVIEWER = "reviewer", _("Người duyệt")
    LEADER = "leader", _("Lãnh đạo")
    ADMIN = "admin", _("Quản trị")
    # Manages the users and memberships of its own territory (accounts/), nothing else.
    UNIT_ADMIN = "unit_admin", _("Quản trị đơn vị")


class Membership(models.Model):
    """A user's role over an administrative subtree, optionally for one agency."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships", verbose_name=_("người dùng")
    )
    unit = models.ForeignKey(AdministrativeUnit, models.PROTECT, related_name="memberships", verbose_name=_("địa bàn"))
    agency = models.ForeignKey(
        Agency, models.PROTECT, null=True, blank=True, related_name="memberships", verbose_name=_("cơ quan")
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "agency", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.agency or self.unit}"


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


def period_constraint(name: str) -> models.CheckConstraint:
    """0 for a whole year, 1–2 for a half, 1–4 for a quarter."""
    return models.CheckConstraint(
        condition=(Q(period_kind=ReportingPeriod.YEAR) & Q(period_number=0))
        | (Q(period_kind=ReportingPeriod.HALF) & Q(period_number__gte=1) & Q(period_number__lte=2))
        | (Q(period_kind=ReportingPeriod.QUARTER) & Q(period_number__gte=1) & Q(period_number__lte=4)),
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
        "plans.ImportRecord", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("lần nhập")
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

    task = models.ForeignKey(Task, models.CASCADE, related_name="reports", verbose_name=_("nhiệm vụ"))
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="task_reports", verbose_name=_("cơ quan báo cáo"))
    period_kind = models.CharField(_("kỳ"), max_length=10, choices=ReportingPeriod.choices, default=ReportingPeriod.YEAR)
    year = models.PositiveSmallIntegerField(_("năm"))
    period_number = models.PositiveSmallIntegerField(_("số kỳ"), default=0)
    progress = models.CharField(_("tiến độ"), max_length=20, choices=ProgressState.choices)
    percent_done = models.PositiveSmallIntegerField(_("phần trăm hoàn thành"), default=0)
    completed_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    narrative = models.TextField(_("kết quả thực hiện"))

    class Meta:
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
        verbose_name = _("nhật ký thay đổi")
        verbose_name_plural = _("nhật ký thay đổi")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.user} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Nhật ký thay đổi không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Nhật ký thay đổi không được xóa.")


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
