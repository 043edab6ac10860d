"""Data-quality rules kept as data (after DHIS2's validation rules: left side, operator, right side,
importance, period type) and the findings of their last run per territory and year."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator
from plans.models import AdministrativeUnit
from quality.expressions import ExpressionError, parse
from review.models import ReportingPeriod


class Operator(models.TextChoices):
    EQ = "==", "="
    NE = "!=", "≠"
    LT = "<", "<"
    LE = "<=", "≤"
    GT = ">", ">"
    GE = ">=", "≥"


class Severity(models.TextChoices):
    WARNING = "warning", _("Cảnh báo")
    BLOCK = "block", _("Chặn")


class QualityRule(models.Model):
    code = models.SlugField(_("mã quy tắc"), max_length=40, unique=True)
    name = models.CharField(_("tên quy tắc"), max_length=200)
    description = models.TextField(_("mô tả"), blank=True)
    left_side = models.CharField(_("vế trái"), max_length=300)
    operator = models.CharField(_("phép so sánh"), max_length=2, choices=Operator.choices)
    right_side = models.CharField(_("vế phải"), max_length=300)
    tolerance = models.DecimalField(_("sai số cho phép"), max_digits=14, decimal_places=4, default=Decimal(0))
    # A figure published with N decimals matches when the gap is at most half a unit of its last place.
    rounding_decimals = models.PositiveSmallIntegerField(_("số chữ số thập phân khi công bố"), null=True, blank=True)
    severity = models.CharField(_("mức độ"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    period_kind = models.CharField(_("kỳ"), max_length=10, choices=ReportingPeriod.choices, default=ReportingPeriod.YEAR)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("quy tắc chất lượng số liệu")
        verbose_name_plural = _("quy tắc chất lượng số liệu")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="quality_rule_tolerance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.left_side} {self.operator} {self.right_side}"

    def clean(self):
        errors = {}
        for name in ("left_side", "right_side"):
            try:
                parse(getattr(self, name))
            except ExpressionError as error:
                errors[name] = str(error)
        if errors:
            raise ValidationError(errors)

    @property
    def allowed_gap(self) -> Decimal:
        gap = self.tolerance or Decimal(0)
        if self.rounding_decimals is not None:
            gap += Decimal(5) / Decimal(10) ** (self.rounding_decimals + 1)
        return gap

    @property
    def marked_code(self) -> str:
        """The indicator whose figure a finding marks: the first on the left side."""
        return next(t.code for t in parse(self.left_side) if not t.is_number)


class QualityFinding(models.Model):
    """One figure breaking one rule at the last run for its territory and year (replaced by each run)."""

    rule = models.ForeignKey(QualityRule, models.CASCADE, related_name="findings", verbose_name=_("quy tắc"))
    indicator = models.ForeignKey(Indicator, models.CASCADE, related_name="+", verbose_name=_("chỉ số"))
    unit = models.ForeignKey(AdministrativeUnit, models.CASCADE, related_name="+", verbose_name=_("địa bàn"))
    year = models.PositiveSmallIntegerField(_("năm"))
    left_value = models.DecimalField(_("vế trái"), max_digits=20, decimal_places=6)
    right_value = models.DecimalField(_("vế phải"), max_digits=20, decimal_places=6)
    difference = models.DecimalField(_("chênh lệch"), max_digits=20, decimal_places=6)
    # For a rule over the units below: how many were added up, and whether they are a region's provinces.
    children_count = models.PositiveIntegerField(_("số đơn vị cấp dưới"), null=True, blank=True)
    by_region = models.BooleanField(_("theo vùng"), default=False)
    found_at = models.DateTimeField(_("kiểm tra lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("kết quả kiểm tra số liệu")
        verbose_name_plural = _("kết quả kiểm tra số liệu")
        ordering = ["rule", "unit", "year"]
        indexes = [
            models.Index(fields=["indicator", "unit", "year"], name="quality_finding_figure"),
            models.Index(fields=["year", "unit"], name="quality_finding_year_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.unit_id}/{self.year}: {self.left_value} vs {self.right_value}"
