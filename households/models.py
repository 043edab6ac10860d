"""Poverty standards, the household register and the annual review, and the register's figures.

A household's class (poor, near-poor, middle living standard, not poor) is computed from the
standard in force for the review's year and the household's area (households.classification),
never typed in. Households are personal data: they are read through plans.access with
Action.VIEW_HOUSEHOLDS, and every view of a household page and every export is logged.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from plans.models import AdministrativeUnit, SearchKeyMixin

MAX_DEPRIVATION_BITS = 31  # deprivations are stored as bits of one integer per review


class Area(models.TextChoices):
    RURAL = "rural", _("Nông thôn")
    URBAN = "urban", _("Thành thị")


class LivingClass(models.TextChoices):
    POOR = "poor", _("Hộ nghèo")
    NEAR_POOR = "near_poor", _("Hộ cận nghèo")
    MIDDLE = "middle", _("Hộ có mức sống trung bình")
    NOT_POOR = "not_poor", _("Hộ không nghèo")


class Movement(models.TextChoices):
    """How a household's poverty changed since its previous review."""

    NONE = "", _("Không đổi")
    ESCAPED = "escaped", _("Thoát nghèo")
    NEW_POOR = "new_poor", _("Nghèo phát sinh")
    FALLEN_BACK = "fallen_back", _("Tái nghèo")


class Cause(models.TextChoices):
    """Main cause of poverty, as the review form (TT 07/2021/TT-BLĐTBXH) lists them."""

    NO_CAPITAL = "capital", _("Thiếu vốn sản xuất, kinh doanh")
    NO_LAND = "land", _("Thiếu đất canh tác")
    NO_MEANS = "means", _("Thiếu phương tiện sản xuất, kinh doanh")
    NO_LABOUR = "labour", _("Thiếu lao động")
    NO_SKILLS = "skills", _("Không có tay nghề, không biết cách làm ăn")
    ILLNESS = "illness", _("Có người ốm đau, bệnh nặng, tai nạn")
    DISASTER = "disaster", _("Thiên tai, rủi ro")
    DEPENDANTS = "dependants", _("Đông người ăn theo")
    OTHER = "other", _("Nguyên nhân khác")


class PovertyStandard(models.Model):
    """A multidimensional poverty standard (chuẩn nghèo đa chiều): data an admin can correct.

    Loaded from data/standards/ by `load_standards`; `confirmed` is off where the legal text
    was not seen, so that an admin knows which numbers to check.
    """

    code = models.SlugField(_("mã chuẩn"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=300)
    legal_basis = models.CharField(_("văn bản quy định"), max_length=200)
    first_year = models.PositiveSmallIntegerField(_("áp dụng từ năm"))
    last_year = models.PositiveSmallIntegerField(_("áp dụng đến năm"))
    years_basis = models.TextField(_("căn cứ thời gian áp dụng"), blank=True)
    poverty_income_rural = models.PositiveIntegerField(_("chuẩn nghèo thu nhập nông thôn (đồng/người/tháng)"))
    poverty_income_urban = models.PositiveIntegerField(_("chuẩn nghèo thu nhập thành thị (đồng/người/tháng)"))
    middle_income_rural = models.PositiveIntegerField(
        _("mức sống trung bình nông thôn, đến (đồng)"), null=True, blank=True,
        help_text=_("Để trống nếu chuẩn không quy định (hoặc chưa xác nhận)."),
    )
    middle_income_urban = models.PositiveIntegerField(_("mức sống trung bình thành thị, đến (đồng)"), null=True, blank=True)
    min_deprivations = models.PositiveSmallIntegerField(
        _("số chỉ số thiếu hụt để là hộ nghèo"), default=3,
        help_text=_("Hộ có thu nhập không quá chuẩn: thiếu hụt từ mức này trở lên là hộ nghèo, ít hơn là hộ cận nghèo."),
    )
    score_cutoff_rural = models.PositiveSmallIntegerField(
        _("ngưỡng điểm A nông thôn"), null=True, blank=True,
        help_text=_("Điểm A (ước lượng thu nhập của phiếu rà soát) không quá ngưỡng này: thu nhập không quá chuẩn."),
    )
    score_cutoff_urban = models.PositiveSmallIntegerField(_("ngưỡng điểm A thành thị"), null=True, blank=True)
    confirmed = models.BooleanField(_("đã đối chiếu văn bản"), default=False)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("chuẩn nghèo")
        verbose_name_plural = _("chuẩn nghèo")
        ordering = ["first_year"]
        constraints = [
            models.CheckConstraint(condition=Q(first_year__lte=F("last_year")), name="standard_years_ordered"),
            models.CheckConstraint(
                condition=Q(middle_income_rural__isnull=True) | Q(middle_income_rural__gt=F("poverty_income_rural")),
                name="standard_middle_rural_above_poverty",
            ),
            models.CheckConstraint(
                condition=Q(middle_income_urban__isnull=True) | Q(middle_income_urban__gt=F("poverty_income_urban")),
                name="standard_middle_urban_above_poverty",
            ),
            models.CheckConstraint(condition=Q(min_deprivations__gte=1), name="standard_min_deprivations_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.legal_basis} ({self.first_year}–{self.last_year})"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.first_year and self.last_year:
            overlapping = PovertyStandard.objects.filter(first_year__lte=self.last_year, last_year__gte=self.first_year)
            if self.pk:
                overlapping = overlapping.exclude(pk=self.pk)
            other = overlapping.first()
            if other is not None:
                raise ValidationError(
                    {"first_year": _("Các năm này trùng với chuẩn %(other)s.") % {"other": other}}
                )

    def poverty_income(self, area: str) -> int:
        return self.poverty_income_urban if area == Area.URBAN else self.poverty_income_rural

    def middle_income(self, area: str) -> int | None:
        return self.middle_income_urban if area == Area.URBAN else self.middle_income_rural

    def score_cutoff(self, area: str) -> int | None:
        return self.score_cutoff_urban if area == Area.URBAN else self.score_cutoff_rural


class DeprivationIndicator(models.Model):
    """One of a standard's deprivation indicators (chỉ số đo lường mức độ thiếu hụt), in a dimension."""

    standard = models.ForeignKey(PovertyStandard, models.CASCADE, related_name="indicators", verbose_name=_("chuẩn nghèo"))
    code = models.SlugField(_("mã"), max_length=40)
    dimension = models.CharField(_("chiều thiếu hụt"), max_length=100)
    name = models.CharField(_("chỉ số"), max_length=200)
    threshold = models.TextField(_("ngưỡng thiếu hụt"), blank=True)
    bit = models.PositiveSmallIntegerField(_("vị trí lưu"), help_text=_("Thứ tự bit trong dữ liệu rà soát; không đổi sau khi có dữ liệu."))
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    confirmed = models.BooleanField(_("đã đối chiếu văn bản"), default=False)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("chỉ số thiếu hụt")
        verbose_name_plural = _("chỉ số thiếu hụt")
        ordering = ["standard", "position"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="deprivation_code_unique_per_standard"),
            models.UniqueConstraint(fields=["standard", "bit"], name="deprivation_bit_unique_per_standard"),
            models.CheckConstraint(condition=Q(bit__lt=MAX_DEPRIVATION_BITS), name="deprivation_bit_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.name}"


class Household(SearchKeyMixin):
    """A household of the register (personal data). Synthetic ones are flagged and labelled everywhere.

    `commune` is on today's map (the commune whose officers keep the record); `legacy_commune`
    is where the household was on the map before 1/7/2025, so that figures roll up on both maps.
    """

    SEARCH_FIELDS = ("code", "head_name", "village")

    code = models.CharField(_("mã hộ"), max_length=40, unique=True)
    head_name = models.CharField(_("chủ hộ"), max_length=200)
    head_id_number = models.CharField(_("số định danh chủ hộ"), max_length=12, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=15, blank=True)
    commune = models.ForeignKey(
        AdministrativeUnit, models.PROTECT, related_name="households", verbose_name=_("xã, phường"),
        limit_choices_to={"level": 4, "admin_map": "34"}, db_index=False,  # household_commune_village leads with it
    )
    legacy_commune = models.ForeignKey(
        AdministrativeUnit, models.PROTECT, null=True, blank=True, related_name="legacy_households",
        verbose_name=_("xã, phường trước 1/7/2025"), limit_choices_to={"level": 4, "admin_map": "63"}, db_index=False,
    )
    village = models.CharField(_("thôn, ấp, tổ dân phố"), max_length=100)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    area = models.CharField(_("khu vực"), max_length=10, choices=Area.choices)
    members = models.PositiveSmallIntegerField(_("số nhân khẩu"))
    ethnic_minority = models.BooleanField(_("dân tộc thiểu số"), default=False)
    merit = models.BooleanField(_("gia đình người có công"), default=False)
    social_protection = models.BooleanField(_("hộ bảo trợ xã hội"), default=False)
    is_synthetic = models.BooleanField(_("dữ liệu giả lập"), default=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("hộ gia đình")
        verbose_name_plural = _("hộ gia đình")
        ordering = ["commune", "village", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(members__gte=1), name="household_has_members",
                violation_error_message=_("Số nhân khẩu phải từ 1 trở lên."),
            ),
        ]
        indexes = [models.Index(fields=["commune", "village"], name="household_commune_village")]

    def __str__(self) -> str:
        return f"{self.code} – {self.head_name}"

    def get_absolute_url(self) -> str:
        return reverse("household_detail", args=[self.pk])


class HouseholdReview(models.Model):
    """One year's review (rà soát) of a household: its income or score A, its deprivations, its class."""

    # No index of their own: review_one_per_household_year leads with the household, and a
    # standard has millions of reviews (an index on it would only slow the bulk loads).
    household = models.ForeignKey(Household, models.CASCADE, related_name="reviews", verbose_name=_("hộ"), db_index=False)
    year = models.PositiveSmallIntegerField(_("năm rà soát"))
    standard = models.ForeignKey(
        PovertyStandard, models.PROTECT, related_name="reviews", verbose_name=_("chuẩn nghèo"), db_index=False
    )
    area = models.CharField(_("khu vực"), max_length=10, choices=Area.choices)
    income = models.PositiveIntegerField(_("thu nhập bình quân (đồng/người/tháng)"), null=True, blank=True)
    score_a = models.PositiveSmallIntegerField(_("điểm A"), null=True, blank=True)
    deprivation_mask = models.PositiveIntegerField(_("các chỉ số thiếu hụt"), default=0)
    deprivation_count = models.PositiveSmallIntegerField(_("số chỉ số thiếu hụt"), default=0, editable=False)
    living_class = models.CharField(_("phân loại"), max_length=10, choices=LivingClass.choices, editable=False)
    previous_class = models.CharField(
        _("phân loại lần rà soát trước"), max_length=10, choices=LivingClass.choices, blank=True, editable=False
    )
    movement = models.CharField(_("biến động"), max_length=12, choices=Movement.choices, blank=True, editable=False)
    cause = models.CharField(_("nguyên nhân nghèo"), max_length=12, choices=Cause.choices, blank=True)
    exit_plan = models.TextField(_("phương án thoát nghèo"), blank=True)
    support = models.TextField(_("hỗ trợ đã nhận"), blank=True)
    decision = models.CharField(_("quyết định công nhận"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("kết quả rà soát")
        verbose_name_plural = _("kết quả rà soát")
        ordering = ["household", "year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="review_one_per_household_year"),
            models.CheckConstraint(
                condition=Q(income__isnull=False) | Q(score_a__isnull=False), name="review_has_income_or_score"
            ),
            models.CheckConstraint(
                condition=Q(deprivation_count__lte=MAX_DEPRIVATION_BITS), name="review_deprivation_count_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household.code} {self.year}: {self.get_living_class_display()}"

    @property
    def movement_label(self) -> str:
        """What the movement column shows: a first review has nothing to compare with ("no change" would mislead)."""
        return movement_label(self.movement, self.previous_class)


def movement_label(movement: str, previous_class: str) -> str:
    if not previous_class:
        return str(FIRST_REVIEW)
    return str(Movement(movement or "").label)


FIRST_REVIEW = _("Lần rà soát đầu")


class RegisterStat(models.Model):
    """The register's figures of one unit (commune, district, province, region, nation) and year.

    Pre-aggregated by services.recompute_register, so that dashboards never read the register.
    `deprived_poor` counts poor households lacking each deprivation indicator (by code);
    `transitions` counts households by "previous class>class" ("" = no previous review).
    """

    unit = models.ForeignKey(AdministrativeUnit, models.CASCADE, related_name="register_stats", verbose_name=_("địa bàn"))
    year = models.PositiveSmallIntegerField(_("năm"))
    standard = models.ForeignKey(PovertyStandard, models.PROTECT, related_name="+", verbose_name=_("chuẩn nghèo"))
    total = models.PositiveIntegerField(_("tổng số hộ"))
    poor = models.PositiveIntegerField(_("hộ nghèo"))
    near_poor = models.PositiveIntegerField(_("hộ cận nghèo"))
    middle = models.PositiveIntegerField(_("hộ có mức sống trung bình"))
    not_poor = models.PositiveIntegerField(_("hộ không nghèo"))
    escaped = models.PositiveIntegerField(_("hộ thoát nghèo"))
    new_poor = models.PositiveIntegerField(_("hộ nghèo phát sinh"))
    fallen_back = models.PositiveIntegerField(_("hộ tái nghèo"))
    merit_poor = models.PositiveIntegerField(_("hộ nghèo là gia đình người có công"))
    ethnic_minority_poor = models.PositiveIntegerField(_("hộ nghèo dân tộc thiểu số"))
    synthetic = models.PositiveIntegerField(_("hộ giả lập"), default=0)
    deprived_poor = models.JSONField(_("thiếu hụt của hộ nghèo"), default=dict)
    deprived_near_poor = models.JSONField(_("thiếu hụt của hộ cận nghèo"), default=dict)
    transitions = models.JSONField(_("chuyển dịch"), default=dict)
    computed_at = models.DateTimeField(_("tính lúc"))

    class Meta:
        verbose_name = _("số liệu sổ hộ")
        verbose_name_plural = _("số liệu sổ hộ")
        ordering = ["unit", "year"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="register_stat_unique_per_year"),
            models.CheckConstraint(
                condition=Q(total=F("poor") + F("near_poor") + F("middle") + F("not_poor")),
                name="register_stat_classes_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}"

    @property
    def poor_rate(self):
        return self.poor * 100 / self.total if self.total else None

    @property
    def near_poor_rate(self):
        return self.near_poor * 100 / self.total if self.total else None


class AccessAction(models.TextChoices):
    VIEW = "view", _("Xem hồ sơ hộ")
    LIST = "list", _("Thấy trong danh sách hộ")
    EXPORT = "export", _("Xuất danh sách hộ (đã che số)")
    EXPORT_FULL = "export_full", _("Xuất danh sách hộ đầy đủ")


class HouseholdAccessLog(models.Model):
    """Who looked at a household's page, saw it in a list or exported households, when and (for a
    full export) why. Kept, never edited. A list writes one row per household it showed; an export
    one row for the commune (`household` empty, `rows` households)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("người dùng"))
    at = models.DateTimeField(_("lúc"), auto_now_add=True, db_index=True)
    action = models.CharField(_("thao tác"), max_length=12, choices=AccessAction.choices)
    household = models.ForeignKey(
        Household, models.SET_NULL, null=True, blank=True, related_name="access_log", verbose_name=_("hộ")
    )
    unit = models.ForeignKey(AdministrativeUnit, models.PROTECT, related_name="+", verbose_name=_("địa bàn"))
    rows = models.PositiveIntegerField(_("số hộ"), default=1)
    detail = models.CharField(_("chi tiết"), max_length=300, blank=True)
    reason = models.CharField(_("lý do"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("nhật ký truy cập hộ")
        verbose_name_plural = _("nhật ký truy cập hộ")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action="export_full") | ~Q(reason=""), name="access_log_full_export_has_reason",
                violation_error_message=_("Xuất danh sách đầy đủ phải có lý do."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.user} {self.get_action_display()} {self.detail}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(_("Nhật ký truy cập không được sửa."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(_("Nhật ký truy cập không được xóa."))


from households.aggregate_models import AggregateReview  # noqa: E402,F401  (a model of this app, in its own module)
