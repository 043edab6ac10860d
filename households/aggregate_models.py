"""Aggregate review results (kết quả rà soát tổng hợp): a unit's published counts for a year, when
its households are not kept here. Imported by households.aggregate_reviews; households.models
imports this module so that Django sees the model."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from exchange.models import ImportRecord
from plans.models import AdministrativeUnit

# The counts of a table, in the order provinces publish them.
COUNT_FIELDS = (
    "total", "poor_start", "near_poor_start", "escaped", "fallen_back", "new_poor", "poor_end",
    "near_poor_end", "escaped_near_poor", "new_near_poor",
)


def _count(label):
    return models.PositiveIntegerField(label, null=True, blank=True)


class AggregateReview(models.Model):
    """One row of a province's review table: a unit (commune, district, province), a year, the
    standard it was reviewed under, and the whole ("") or one option (DimensionOption code: thành
    thị, nông thôn, dân tộc thiểu số). Counts the source does not give stay empty; published rates
    are kept as printed, beside the counts, so that the two can be compared."""

    unit = models.ForeignKey(AdministrativeUnit, models.PROTECT, related_name="aggregate_reviews", verbose_name=_("địa bàn"))
    year = models.PositiveSmallIntegerField(_("năm rà soát"))
    standard = models.ForeignKey(
        "households.PovertyStandard", models.PROTECT, related_name="aggregate_reviews", verbose_name=_("chuẩn nghèo")
    )
    breakdown = models.CharField(_("nhóm phân tổ"), max_length=40, blank=True, default="")
    total = _count(_("tổng số hộ"))
    poor_start = _count(_("hộ nghèo đầu kỳ"))
    near_poor_start = _count(_("hộ cận nghèo đầu kỳ"))
    escaped = _count(_("hộ thoát nghèo"))
    fallen_back = _count(_("hộ tái nghèo"))
    new_poor = _count(_("hộ nghèo phát sinh"))
    poor_end = _count(_("hộ nghèo cuối kỳ"))
    near_poor_end = _count(_("hộ cận nghèo cuối kỳ"))
    escaped_near_poor = _count(_("hộ thoát cận nghèo"))
    new_near_poor = _count(_("hộ cận nghèo phát sinh"))
    poor_rate = models.DecimalField(_("tỷ lệ hộ nghèo công bố (%)"), max_digits=7, decimal_places=4, null=True, blank=True)
    near_poor_rate = models.DecimalField(
        _("tỷ lệ hộ cận nghèo công bố (%)"), max_digits=7, decimal_places=4, null=True, blank=True
    )
    source = models.TextField(_("nguồn"), blank=True)
    import_record = models.ForeignKey(
        ImportRecord, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("lần nhập")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("kết quả rà soát tổng hợp")
        verbose_name_plural = _("kết quả rà soát tổng hợp")
        ordering = ["year", "unit", "breakdown"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "standard", "breakdown"], name="aggregate_review_unique"),
            models.CheckConstraint(
                condition=Q(poor_end__lte=F("total")), name="aggregate_review_poor_within_total",
                violation_error_message=_("Số hộ nghèo cuối kỳ không được lớn hơn tổng số hộ."),
            ),
            models.CheckConstraint(
                condition=Q(near_poor_end__lte=F("total")), name="aggregate_review_near_poor_within_total",
                violation_error_message=_("Số hộ cận nghèo cuối kỳ không được lớn hơn tổng số hộ."),
            ),
            models.CheckConstraint(
                condition=Q(poor_start__lte=F("total")), name="aggregate_review_poor_start_within_total",
                violation_error_message=_("Số hộ nghèo đầu kỳ không được lớn hơn tổng số hộ."),
            ),
            models.CheckConstraint(
                condition=Q(poor_rate__isnull=True) | Q(poor_rate__gte=0, poor_rate__lte=100),
                name="aggregate_review_poor_rate_in_range",
            ),
            models.CheckConstraint(
                condition=Q(near_poor_rate__isnull=True) | Q(near_poor_rate__gte=0, near_poor_rate__lte=100),
                name="aggregate_review_near_poor_rate_in_range",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=False) | Q(poor_end__isnull=False) | Q(poor_rate__isnull=False),
                name="aggregate_review_has_a_figure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}" + (f" ({self.breakdown})" if self.breakdown else "")

    def rate(self, count: int | None, published) -> float | None:
        if count is not None and self.total:
            return count * 100 / self.total
        return float(published) if published is not None else None

    @property
    def poor_end_rate(self):
        """count / total where both are given, else the published rate."""
        return self.rate(self.poor_end, self.poor_rate)

    @property
    def near_poor_end_rate(self):
        return self.rate(self.near_poor_end, self.near_poor_rate)
