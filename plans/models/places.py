"""Places: administrative units of each edition of the map, their successions, and named groups of units."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from plans.models.base import SearchKeyMixin


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
    # A point inside the unit (vietnamadminunits' centre), for the dot maps; none for regions and districts.
    latitude = models.DecimalField(_("vĩ độ"), max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(_("kinh độ"), max_digits=8, decimal_places=5, null=True, blank=True)
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
