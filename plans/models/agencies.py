"""Bodies (agencies) with their successions, and the people who work for a unit or an agency."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from plans.models.base import SearchKeyMixin
from plans.models.places import AdministrativeUnit


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
