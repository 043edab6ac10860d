"""The reporting calendar's records: regimes (what is reported, by whom, to whom, by when: the fields
of NĐ 09/2019/NĐ-CP), the obligations derived from them, period-lock exceptions and the public
holidays that working-day deadlines skip.

Obligations are never typed: reporting.obligations derives them from the regimes, the map and the
reported records, and stores what it found so that boards read one table.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from plans.models import AdministrativeUnit, Agency, Role, UnitLevel
from reporting.periods import parse_period_numbers
from review.models import ReportingPeriod, period_constraint


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Hằng tháng")
    QUARTERLY = "quarterly", _("Hằng quý")
    HALF_YEARLY = "half_yearly", _("6 tháng")
    YEARLY = "yearly", _("Hằng năm")
    AD_HOC = "ad_hoc", _("Đột xuất")


# The kind of period a frequency reports on (an ad hoc regime derives no obligation).
PERIOD_KIND_OF = {
    Frequency.MONTHLY: ReportingPeriod.MONTH,
    Frequency.QUARTERLY: ReportingPeriod.QUARTER,
    Frequency.HALF_YEARLY: ReportingPeriod.HALF,
    Frequency.YEARLY: ReportingPeriod.YEAR,
}


class Content(models.TextChoices):
    FIGURES = "figures", _("Số liệu chỉ tiêu")
    REVIEW_RESULTS = "review_results", _("Kết quả rà soát hộ nghèo")
    TASK_REPORTS = "task_reports", _("Báo cáo nhiệm vụ")


class DeadlineRule(models.TextChoices):
    FIXED_DATE = "fixed_date", _("Ngày cố định trong năm")
    DAY_OF_NEXT_MONTH = "day_of_next_month", _("Ngày N của tháng sau kỳ")
    WORKING_DAYS_AFTER = "working_days_after", _("N ngày làm việc sau kỳ")


class Regime(models.Model):
    """A reporting regime (chế độ báo cáo). One frequency per regime: the 6-month and the annual
    monitoring reports are two regimes."""

    code = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên báo cáo"), max_length=300)
    legal_basis = models.CharField(_("căn cứ"), max_length=300, blank=True)
    content = models.CharField(_("nội dung"), max_length=20, choices=Content.choices)
    indicators = models.ManyToManyField(
        "indicators.Indicator", blank=True, related_name="regimes", verbose_name=_("chỉ số phải báo cáo"),
        help_text=_("Với báo cáo số liệu và kết quả rà soát: các chỉ số mà mỗi đơn vị phải gửi trong kỳ."),
    )
    requires_narrative = models.BooleanField(
        _("kèm phần lời"), default=False,
        help_text=_("Báo cáo giám sát có phần lời (tình hình chung, khó khăn, kiến nghị) viết trong ứng dụng."),
    )
    reporting_level = models.PositiveSmallIntegerField(_("cấp báo cáo"), choices=UnitLevel.choices)
    reporting_role = models.CharField(_("vai trò báo cáo"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    reporting_agency = models.ForeignKey(
        Agency, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("cơ quan báo cáo"),
        help_text=_("Để trống: cán bộ của đơn vị báo cáo (với báo cáo nhiệm vụ: cơ quan chủ trì của từng nhiệm vụ)."),
    )
    receiving_level = models.PositiveSmallIntegerField(_("cấp nhận báo cáo"), choices=UnitLevel.choices)
    receiver = models.CharField(_("nơi nhận"), max_length=300, blank=True)
    frequency = models.CharField(_("tần suất"), max_length=20, choices=Frequency.choices)
    period_numbers = models.CharField(
        _("các kỳ phải báo cáo"), max_length=40, blank=True,
        help_text=_("Để trống: mọi kỳ. Ví dụ “1” (chỉ 6 tháng đầu năm), “1-8” (tháng 1 đến tháng 8)."),
    )
    deadline_rule = models.CharField(_("cách tính hạn"), max_length=30, choices=DeadlineRule.choices)
    deadline_day = models.PositiveSmallIntegerField(
        _("ngày"), null=True, blank=True, help_text=_("Ngày cuối cùng còn đúng hạn (“trước ngày 1/6” là ngày 31/5).")
    )
    deadline_month = models.PositiveSmallIntegerField(_("tháng"), null=True, blank=True)
    deadline_working_days = models.PositiveSmallIntegerField(_("số ngày làm việc"), null=True, blank=True)
    cutoff_day = models.PositiveSmallIntegerField(_("ngày chốt số liệu"), null=True, blank=True)
    cutoff_month = models.PositiveSmallIntegerField(
        _("tháng chốt số liệu"), null=True, blank=True, help_text=_("Để trống: ngày cuối của kỳ.")
    )
    lock_grace_days = models.PositiveSmallIntegerField(
        _("số ngày được nhập sau ngày chốt"), null=True, blank=True,
        help_text=_("Để trống: không khóa. Quá số ngày này sau ngày chốt số liệu, kỳ báo cáo bị khóa nhập."),
    )
    escalate_to_reviewer_after_days = models.PositiveSmallIntegerField(_("báo người duyệt sau (ngày quá hạn)"), default=5)
    escalate_to_leader_after_days = models.PositiveSmallIntegerField(_("báo lãnh đạo sau (ngày quá hạn)"), default=10)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)
    first_year = models.PositiveSmallIntegerField(_("áp dụng từ năm"), default=2021)
    last_year = models.PositiveSmallIntegerField(_("áp dụng đến năm"), default=2030)

    class Meta:
        verbose_name = _("chế độ báo cáo")
        verbose_name_plural = _("chế độ báo cáo")
        ordering = ["reporting_level", "frequency", "code"]
        # Each rule's fields are named not null too: a CHECK passes when its condition is NULL.
        constraints = [
            models.CheckConstraint(condition=Q(first_year__lte=F("last_year")), name="regime_years_ordered"),
            models.CheckConstraint(
                condition=~Q(deadline_rule=DeadlineRule.FIXED_DATE)
                | Q(deadline_day__isnull=False, deadline_day__gte=1, deadline_day__lte=31,
                    deadline_month__isnull=False, deadline_month__gte=1, deadline_month__lte=12),
                name="regime_fixed_date_has_day_and_month",
            ),
            models.CheckConstraint(
                condition=~Q(deadline_rule=DeadlineRule.DAY_OF_NEXT_MONTH)
                | Q(deadline_day__isnull=False, deadline_day__gte=1, deadline_day__lte=31),
                name="regime_next_month_has_day",
            ),
            models.CheckConstraint(
                condition=~Q(deadline_rule=DeadlineRule.WORKING_DAYS_AFTER)
                | Q(deadline_working_days__isnull=False, deadline_working_days__gte=1),
                name="regime_working_days_set",
            ),
            models.CheckConstraint(
                condition=(Q(cutoff_day__isnull=True) & Q(cutoff_month__isnull=True))
                | Q(cutoff_day__isnull=False, cutoff_day__gte=1, cutoff_day__lte=31,
                    cutoff_month__isnull=False, cutoff_month__gte=1, cutoff_month__lte=12),
                name="regime_cutoff_day_and_month_together",
            ),
            models.CheckConstraint(
                condition=Q(escalate_to_reviewer_after_days__lte=F("escalate_to_leader_after_days")),
                name="regime_escalation_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def period_kind(self) -> str | None:
        return PERIOD_KIND_OF.get(self.frequency)

    def clean(self) -> None:
        try:
            parse_period_numbers(self.period_numbers, self.period_kind)
        except ValueError as error:
            raise ValidationError({"period_numbers": str(error)}) from error


class Obligation(models.Model):
    """One regime × reporting unit (× agency, for task reports) × period, as last derived.

    The status is not stored: it depends on today (reporting.status). `met_at` is when the last
    expected item was submitted; empty while anything is missing.
    """

    regime = models.ForeignKey(Regime, models.CASCADE, related_name="obligations", verbose_name=_("chế độ báo cáo"))
    unit = models.ForeignKey(AdministrativeUnit, models.CASCADE, related_name="obligations", verbose_name=_("đơn vị báo cáo"))
    agency = models.ForeignKey(
        Agency, models.CASCADE, null=True, blank=True, related_name="obligations", verbose_name=_("cơ quan báo cáo")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    period_kind = models.CharField(_("kỳ"), max_length=10, choices=ReportingPeriod.choices)
    period_number = models.PositiveSmallIntegerField(_("số kỳ"), default=0)
    due_on = models.DateField(_("hạn báo cáo"))
    cutoff_on = models.DateField(_("ngày chốt số liệu"))
    locks_on = models.DateField(_("khóa nhập từ ngày"), null=True, blank=True)
    expected = models.PositiveIntegerField(_("số mục phải gửi"), default=0)
    received = models.PositiveIntegerField(_("số mục đã gửi"), default=0)
    met_at = models.DateTimeField(_("đủ lúc"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("tính lúc"), auto_now=True)

    class Meta:
        verbose_name = _("nghĩa vụ báo cáo")
        verbose_name_plural = _("nghĩa vụ báo cáo")
        ordering = ["due_on", "regime", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["regime", "unit", "year", "period_kind", "period_number"], condition=Q(agency__isnull=True),
                name="obligation_unique_per_unit",
            ),
            models.UniqueConstraint(
                fields=["regime", "unit", "agency", "year", "period_kind", "period_number"],
                condition=Q(agency__isnull=False), name="obligation_unique_per_agency",
            ),
            period_constraint("obligation_period_number_matches_kind"),
            models.CheckConstraint(condition=Q(received__lte=F("expected")), name="obligation_received_within_expected"),
        ]
        indexes = [
            models.Index(fields=["unit", "due_on"]),
            models.Index(fields=["regime", "year", "period_kind", "period_number"]),
            models.Index(fields=["due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.regime} – {self.agency or self.unit} – {self.period_label}"

    @property
    def period_label(self) -> str:
        if self.period_kind == ReportingPeriod.YEAR:
            return str(self.year)
        return f"{self.get_period_kind_display()} {self.period_number}/{self.year}"


class LockException(models.Model):
    """Entry for one unit and period reopened after its regime's lock, with a reason (audited)."""

    regime = models.ForeignKey(Regime, models.CASCADE, related_name="lock_exceptions", verbose_name=_("chế độ báo cáo"))
    unit = models.ForeignKey(AdministrativeUnit, models.CASCADE, related_name="+", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"))
    period_kind = models.CharField(_("kỳ"), max_length=10, choices=ReportingPeriod.choices)
    period_number = models.PositiveSmallIntegerField(_("số kỳ"), default=0)
    open_until = models.DateField(_("mở đến hết ngày"))
    reason = models.TextField(_("lý do"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("người cho phép"))
    granted_at = models.DateTimeField(_("cho phép lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("mở khóa kỳ báo cáo")
        verbose_name_plural = _("mở khóa kỳ báo cáo")
        ordering = ["-granted_at"]
        constraints = [
            period_constraint("lock_exception_period_number_matches_kind"),
            models.CheckConstraint(condition=~Q(reason=""), name="lock_exception_has_reason"),
        ]
        indexes = [models.Index(fields=["unit", "year", "period_kind", "period_number"])]

    def __str__(self) -> str:
        return f"{self.regime} – {self.unit} – {self.year}"


class DayKind(models.TextChoices):
    OFF = "off", _("Ngày nghỉ")
    WORKDAY = "workday", _("Ngày làm bù")


class CalendarDay(models.Model):
    """A public holiday or a day off given in exchange (nghỉ bù, hoán đổi), or a weekend day worked
    in exchange. Weekends are off unless listed as a working day."""

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("tên"), max_length=200)
    source = models.CharField(_("nguồn"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"
