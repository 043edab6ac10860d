"""The indicator catalogue, the targets documents set and the actuals officers report."""

import re
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plans.models import AdministrativeUnit, Document, SearchKeyMixin
from plans.text import format_number
from review.models import RecordSource, ReportingPeriod, ReviewedRecord, ReviewStatus, period_constraint


class MeasureUnit(models.TextChoices):
    PERCENT = "percent", "%"
    POINTS = "points", _("điểm %")
    HOUSEHOLDS = "households", _("hộ")
    PERSONS = "persons", _("người")
    WORKERS = "workers", _("lao động")
    COMMUNES = "communes", _("xã")
    VILLAGES = "villages", _("thôn, bản")
    DISTRICTS = "districts", _("huyện")
    YES_NO = "yes_no", _("có/không")
    TIMES = "times", _("lần")
    PERSON_TIMES = "person_times", _("lượt người")
    WORKS = "works", _("công trình")
    VND = "vnd", _("đồng")
    THOUSAND_VND = "thousand_vnd", _("nghìn đồng")
    MILLION_VND = "million_vnd", _("triệu đồng")
    BILLION_VND = "billion_vnd", _("tỷ đồng")
    VND_PER_PERSON_MONTH = "vnd_person_month", _("đồng/người/tháng")
    MILLION_VND_PER_PERSON_YEAR = "mvnd_person_year", _("triệu đồng/người/năm")


class Direction(models.TextChoices):
    LOWER_IS_BETTER = "lower", _("Càng thấp càng tốt")
    HIGHER_IS_BETTER = "higher", _("Càng cao càng tốt")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Cộng dồn")
    RATIO = "ratio", _("Tỷ lệ")
    NONE = "none", _("Không tổng hợp")


class Dimension(models.Model):
    """A way of splitting an indicator's figures (DHIS2's category): khu vực, dân tộc, giới tính chủ hộ."""

    code = models.SlugField(_("mã chiều phân tổ"), max_length=40, unique=True)
    name = models.CharField(_("tên chiều phân tổ"), max_length=200)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("chiều phân tổ")
        verbose_name_plural = _("chiều phân tổ")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class DimensionOption(models.Model):
    """One value of a dimension ("thành thị", "nông thôn"). A figure's `breakdown` holds its code;
    "" is the whole (tổng số)."""

    dimension = models.ForeignKey(Dimension, models.CASCADE, related_name="options", verbose_name=_("chiều phân tổ"))
    code = models.SlugField(_("mã nhóm phân tổ"), max_length=40, unique=True)
    name = models.CharField(_("tên nhóm phân tổ"), max_length=200)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("nhóm phân tổ")
        verbose_name_plural = _("nhóm phân tổ")
        ordering = ["dimension", "position", "code"]

    def __str__(self) -> str:
        return f"{self.dimension.name}: {self.name}"


class Indicator(SearchKeyMixin):
    SEARCH_FIELDS = ("code", "name")

    code = models.CharField(_("mã chỉ số"), max_length=20, unique=True)
    name = models.CharField(_("tên chỉ số"), max_length=300)
    measure_unit = models.CharField(_("đơn vị tính"), max_length=20, choices=MeasureUnit.choices)
    direction = models.CharField(_("chiều tốt"), max_length=10, choices=Direction.choices)
    aggregation = models.CharField(_("cách tổng hợp"), max_length=10, choices=Aggregation.choices)
    description = models.TextField(_("mô tả"), blank=True)
    # Its figures change meaning with the poverty standard: each records the standard it was measured under.
    depends_on_standard = models.BooleanField(_("đo theo chuẩn nghèo"), default=False, db_default=False)
    dimensions = models.ManyToManyField(Dimension, blank=True, related_name="indicators", verbose_name=_("chiều phân tổ"))

    class Meta:
        verbose_name = _("chỉ số")
        verbose_name_plural = _("chỉ số")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class TargetKind(models.TextChoices):
    LEVEL = "level", _("Mức tại thời điểm")
    AVERAGE_CHANGE = "average_change", _("Thay đổi bình quân năm")
    CUMULATIVE = "cumulative", _("Lũy kế trong kỳ")
    RELATIVE_CHANGE = "relative_change", _("Thay đổi so với gốc")
    COMPARISON = "comparison", _("So sánh với địa bàn khác")
    MILESTONE = "milestone", _("Xóa bỏ / mốc")
    MULTIPLE = "multiple", _("Gấp nhiều lần so với gốc")
    QUALITATIVE = "qualitative", _("Định tính")


CHANGE_KINDS = (TargetKind.AVERAGE_CHANGE, TargetKind.RELATIVE_CHANGE)


class ChangeDirection(models.TextChoices):
    DECREASE = "decrease", _("Giảm")
    INCREASE = "increase", _("Tăng")


class GroupJudgement(models.TextChoices):
    """How a target on a unit group is judged."""

    EACH_MEMBER = "each_member", _("Từng đơn vị trong nhóm")
    AGGREGATE = "aggregate", _("Cả nhóm (tổng hợp)")
    MEMBERS_LEFT = "members_left", _("Số, tỷ lệ đơn vị ra khỏi nhóm")
    MEMBERS_REMAINING = "members_remaining", _("Số đơn vị còn trong nhóm")


class Target(models.Model):
    """What one document commits one territory to, for one indicator.

    Bounds are as written: for the two change kinds they are magnitudes of the change in
    `change_direction` ("giảm 1,5%–1,7%" -> decrease, 1.5, 1.7, points).
    """

    document = models.ForeignKey(Document, models.CASCADE, related_name="targets", verbose_name=_("văn bản"))
    code = models.CharField(_("mã chỉ tiêu"), max_length=40)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)
    # None only for a qualitative target, judged by a reviewer's assessment.
    indicator = models.ForeignKey(
        Indicator, models.PROTECT, null=True, blank=True, related_name="targets", verbose_name=_("chỉ số")
    )
    territory = models.ForeignKey(
        AdministrativeUnit, models.PROTECT, related_name="targets", verbose_name=_("địa bàn")
    )
    unit_group = models.ForeignKey(
        "plans.UnitGroup", models.PROTECT, null=True, blank=True, related_name="targets", verbose_name=_("nhóm địa bàn")
    )
    group_judgement = models.CharField(
        _("cách đánh giá theo nhóm"), max_length=20, choices=GroupJudgement.choices, blank=True
    )
    breakdown = models.CharField(
        _("nhóm phân tổ"), max_length=40, blank=True, default="", db_default="",
        help_text=_("Mã nhóm phân tổ khi chỉ tiêu chỉ đặt cho một nhóm (vd. hộ dân tộc thiểu số); để trống cho tổng số."),
    )
    standard = models.CharField(
        _("chuẩn nghèo"), max_length=20, blank=True, default="", db_default="",
        help_text=_("Mã chuẩn nghèo mà chỉ tiêu được đo theo; để trống nếu chỉ số không phụ thuộc chuẩn nghèo."),
    )
    kind = models.CharField(_("loại chỉ tiêu"), max_length=20, choices=TargetKind.choices)
    change_direction = models.CharField(
        _("chiều thay đổi"), max_length=10, choices=ChangeDirection.choices, blank=True
    )
    min_value = models.DecimalField(_("giá trị tối thiểu"), max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("giá trị tối đa"), max_digits=14, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("đơn vị"), max_length=20, choices=MeasureUnit.choices)
    start_year = models.PositiveSmallIntegerField(_("từ năm"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("đến năm"))
    due_on = models.DateField(_("hạn"), null=True, blank=True)
    baseline_value = models.DecimalField(_("giá trị gốc"), max_digits=14, decimal_places=4, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("năm gốc"), null=True, blank=True)
    qualifier = models.CharField(_("từ ngữ"), max_length=100, blank=True)
    compare_units = models.ManyToManyField(
        AdministrativeUnit, blank=True, related_name="compared_in_targets", verbose_name=_("địa bàn so sánh")
    )
    restates = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="restated_by",
        verbose_name=_("chỉ tiêu cấp trên"),
    )
    source_quote = models.TextField(_("trích dẫn nguồn"))

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "code"], name="target_code_unique_per_document"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lte=F("max_value")),
                name="target_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=(TargetKind.COMPARISON, TargetKind.QUALITATIVE))
                | Q(min_value__isnull=False) | Q(max_value__isnull=False),
                name="target_has_a_bound",
            ),
            models.CheckConstraint(
                condition=Q(kind=TargetKind.QUALITATIVE) | Q(indicator__isnull=False),
                name="target_has_indicator_unless_qualitative",
            ),
            models.CheckConstraint(
                condition=(Q(unit_group__isnull=True) & Q(group_judgement=""))
                | (Q(unit_group__isnull=False) & ~Q(group_judgement="")),
                name="target_group_has_judgement",
            ),
            models.CheckConstraint(
                condition=(Q(kind__in=CHANGE_KINDS) & ~Q(change_direction=""))
                | (~Q(kind__in=CHANGE_KINDS) & Q(change_direction="")),
                name="target_change_direction_only_for_change_kinds",
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True) | Q(start_year__lte=F("end_year")),
                name="target_period_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=(TargetKind.RELATIVE_CHANGE, TargetKind.MULTIPLE)) | Q(baseline_year__isnull=False),
                name="target_relative_change_has_baseline_year",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=(TargetKind.AVERAGE_CHANGE, TargetKind.CUMULATIVE))
                | Q(start_year__isnull=False),
                name="target_period_kinds_have_start_year",
            ),
            models.CheckConstraint(
                condition=~Q(restates=F("id")), name="target_does_not_restate_itself"
            ),
        ]

    def __str__(self) -> str:
        subject = self.indicator.name if self.indicator_id else self.source_quote[:80]
        return f"{self.document.reference} {self.code}: {subject}"

    @property
    def period_label(self) -> str:
        if self.start_year:
            return f"{self.start_year}–{self.end_year}"
        return str(self.end_year)

    @property
    def subject(self) -> str:
        """What the target is about: its indicator's name, or for a qualitative target its own words."""
        if self.indicator_id:
            return self.indicator.name
        return self.source_quote

    @property
    def bound_label(self) -> str:
        """The bound as a Vietnamese reader writes it, every qualifier kept: "Giảm 1,5–1,7 điểm %",
        "3,5 điểm % trở lên", "từ 3,5% trở lên", "còn 1,84%", "gấp 2 lần so với năm 2020", and for a
        comparison what it is compared with: "bằng hoặc thấp hơn mức của Việt Nam và Đồng bằng sông Cửu Long"
        (reads compare_units: prefetch them for lists)."""
        if self.kind == TargetKind.COMPARISON and self.min_value is None and self.max_value is None:
            return self.comparison_label
        if self.kind == TargetKind.QUALITATIVE and self.min_value is None and self.max_value is None:
            return " ".join(self.qualifier.split()) or gettext("Định tính")
        low, high = self.min_value, self.max_value
        if self.unit == MeasureUnit.YES_NO and (low if low is not None else high) is not None:
            numbers = [f"({'có' if (low if low is not None else high) else 'không'})"]
            unit = ""
        elif low is not None and high is not None and low != high:
            numbers = [format_number(low), format_number(high)]
            unit = str(self.get_unit_display())
        elif low is not None or high is not None:
            numbers = [format_number(low if low is not None else high)]
            unit = str(self.get_unit_display())
        else:
            numbers, unit = [], ""
        words = qualified_numbers(self.qualifier, numbers, unit, "" if self.unit == MeasureUnit.PERCENT else " ")
        if self.kind == TargetKind.MULTIPLE:
            base = gettext("so với năm %(year)s") % {"year": self.baseline_year} if self.baseline_year else ""
            return " ".join(part for part in (gettext("gấp"), words, base) if part)
        return " ".join(str(part) for part in (self.get_change_direction_display(), words) if part)

    @property
    def comparison_label(self) -> str:
        names = [unit.name for unit in self.compare_units.all()] if self.pk else []
        qualifier = " ".join(self.qualifier.split()) or gettext("so với")
        if not names:
            return gettext("%(qualifier)s (chưa ghi địa bàn so sánh)") % {"qualifier": qualifier}
        units = names[0] if len(names) == 1 else gettext("%(first)s và %(last)s") % {
            "first": ", ".join(names[:-1]), "last": names[-1]}
        return gettext("%(qualifier)s mức của %(units)s") % {"qualifier": qualifier, "units": units}


# Qualifiers Vietnamese writes after the number: "giảm 3,5% trở lên", "từ 80% trở lên".
QUALIFIERS_AFTER_NUMBER = ("trở lên", "trở xuống")
PLACEHOLDER = re.compile(r"\.\.\.|…")


def qualified_numbers(qualifier: str, numbers: list[str], unit: str, sep: str) -> str:
    """The numbers with the qualifier as written, none of its words dropped: "trên 50%", "1,5 trở lên",
    "từ 0,1 đến 0,13 điểm %" (the "..." of "từ ... đến" filled in), "cơ bản không còn 0 huyện"."""
    qualifier = " ".join((qualifier or "").split())
    range_text = "–".join(numbers) + (f"{sep}{unit}" if numbers and unit else "")
    pieces = PLACEHOLDER.split(qualifier)
    if len(pieces) > 1:
        if len(pieces) == 2 and len(numbers) == 2 and pieces[1].strip():  # "từ ... đến" and a range
            filled = f"{pieces[0]} {numbers[0]} {pieces[1]} {numbers[1]}{sep if unit else ''}{unit}"
        else:
            slots = [range_text] if len(pieces) == 2 else [
                n + (f"{sep}{unit}" if unit and i == len(numbers) - 1 else "") for i, n in enumerate(numbers)]
            filled = pieces[0] + "".join((slots[i] if i < len(slots) else "") + piece for i, piece in enumerate(pieces[1:]))
        return " ".join(filled.split())
    suffix = next((s for s in QUALIFIERS_AFTER_NUMBER if qualifier == s or qualifier.endswith(" " + s)), "")
    before = qualifier[: len(qualifier) - len(suffix)].strip() if suffix else qualifier
    return " ".join(part for part in (before, range_text, suffix) if part)


# The reporting period and the review workflow are shared with task reports (plans).
PeriodKind = ReportingPeriod
ActualStatus = ReviewStatus


ActualSource = RecordSource


class Actual(ReviewedRecord):
    """A reported value of one indicator, for one unit and period."""

    indicator = models.ForeignKey(Indicator, models.PROTECT, related_name="actuals", verbose_name=_("chỉ số"))
    unit = models.ForeignKey(AdministrativeUnit, models.PROTECT, related_name="actuals", verbose_name=_("địa bàn"))
    period_kind = models.CharField(_("kỳ"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.YEAR)
    year = models.PositiveSmallIntegerField(_("năm"))
    period_number = models.PositiveSmallIntegerField(
        _("số kỳ"), default=0, help_text=_("0 cho cả năm; 1–2 cho 6 tháng; 1–4 cho quý.")
    )
    # "" for an indicator that does not depend on the poverty standard; otherwise the standard's code.
    standard = models.CharField(_("chuẩn nghèo"), max_length=20, blank=True, default="", db_default="")
    # "" for the whole; otherwise the code of a DimensionOption of the indicator.
    breakdown = models.CharField(_("nhóm phân tổ"), max_length=40, blank=True, default="", db_default="")
    value = models.DecimalField(_("giá trị"), max_digits=16, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(_("tử số"), max_digits=16, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("mẫu số"), max_digits=16, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = _("số liệu thực hiện")
        verbose_name_plural = _("số liệu thực hiện")
        ordering = ["indicator", "unit", "year", "period_kind", "period_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period_kind", "year", "period_number", "standard", "breakdown"],
                name="actual_unique_per_period",
            ),
            period_constraint("actual_period_number_matches_kind"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | (Q(numerator__isnull=False) & Q(denominator__isnull=False)),
                name="actual_has_value_or_fraction",
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0), name="actual_denominator_positive"
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True)
                | (Q(numerator__gte=0) & (Q(denominator__isnull=True) | Q(numerator__lte=F("denominator")))),
                name="actual_numerator_within_denominator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.unit.name} {self.period_label}: {format_number(self.effective_value, 4)}"

    @property
    def effective_value(self) -> Decimal | None:
        """The value, or the rate in percent from numerator and denominator."""
        if self.value is not None:
            return self.value
        if self.numerator is not None and self.denominator:
            return (self.numerator * 100 / self.denominator).quantize(Decimal("0.0001"))
        return None


class AssessmentVerdict(models.TextChoices):
    ACHIEVED = "achieved", _("Đạt")
    PARTLY = "partly", _("Đạt một phần")
    NOT_ACHIEVED = "not_achieved", _("Không đạt")


class TargetAssessment(ReviewedRecord):
    """A reviewer-approved judgement of a qualitative target for one year, with its reasons."""

    target = models.ForeignKey(Target, models.CASCADE, related_name="assessments", verbose_name=_("chỉ tiêu"))
    year = models.PositiveSmallIntegerField(_("năm đánh giá"))
    verdict = models.CharField(_("kết quả"), max_length=20, choices=AssessmentVerdict.choices)
    narrative = models.TextField(_("nhận xét, căn cứ đánh giá"))

    class Meta:
        verbose_name = _("đánh giá chỉ tiêu định tính")
        verbose_name_plural = _("đánh giá chỉ tiêu định tính")
        ordering = ["target", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["target", "year"], name="target_assessment_unique_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.target.document.reference} {self.target.code} {self.year}: {self.get_verdict_display()}"

    @property
    def period_label(self) -> str:
        return str(self.year)


class HeadlineValues(models.Manager):
    """The yearly values dashboards show: the whole, under the standard in force (`is_headline`)."""

    def get_queryset(self):
        return super().get_queryset().filter(is_headline=True, breakdown="")


class YearlyValue(models.Model):
    """The approved yearly figure of one indicator for one unit: what dashboards read.

    Kept by indicators.rollups: a unit's own approved figure (its last approved value stays here
    while a late correction awaits review, with the pending value beside it), or, where the unit
    has no figure of its own, the sum or rate of its units below when every one of them has an
    approved figure (`is_computed`). Never edited by hand; rebuilt with `refresh_yearly_values`.
    """

    # The unique (indicator, unit, year) index serves lookups by indicator.
    indicator = models.ForeignKey(
        Indicator, models.CASCADE, related_name="+", verbose_name=_("chỉ số"), db_index=False
    )
    unit = models.ForeignKey(AdministrativeUnit, models.CASCADE, related_name="+", verbose_name=_("địa bàn"))
    year = models.PositiveSmallIntegerField(_("năm"))
    standard = models.CharField(_("chuẩn nghèo"), max_length=20, blank=True, default="", db_default="")
    breakdown = models.CharField(_("nhóm phân tổ"), max_length=40, blank=True, default="", db_default="")
    # The row dashboards show for its indicator, unit and year: the whole, under the standard in
    # force that year (or the only standard there is a figure under).
    is_headline = models.BooleanField(_("số liệu chính"), default=True, db_default=True)
    value = models.DecimalField(_("giá trị đã duyệt"), max_digits=16, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(_("tử số"), max_digits=18, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("mẫu số"), max_digits=18, decimal_places=4, null=True, blank=True)
    pending_value = models.DecimalField(_("giá trị chờ duyệt"), max_digits=16, decimal_places=4, null=True, blank=True)
    is_computed = models.BooleanField(_("tổng hợp từ cấp dưới"), default=False)
    children_count = models.PositiveIntegerField(_("số đơn vị cấp dưới tổng hợp"), default=0)
    is_late_correction = models.BooleanField(_("sửa sau khi đã duyệt"), default=False)
    is_illustrative = models.BooleanField(_("số liệu minh họa"), default=False)
    is_synthetic = models.BooleanField(_("tính từ sổ hộ giả lập"), default=False, db_default=False)
    actual = models.ForeignKey(
        Actual, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("số liệu")
    )

    objects = HeadlineValues()
    every = models.Manager()  # every standard and breakdown: the roll-ups and the evaluation by standard

    class Meta:
        verbose_name = _("số liệu năm tổng hợp")
        verbose_name_plural = _("số liệu năm tổng hợp")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "year", "standard", "breakdown"], name="yearly_value_unique"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(pending_value__isnull=False), name="yearly_value_has_a_value"
            ),
        ]
        indexes = [models.Index(fields=["indicator", "year"], name="yearly_value_indicator_year")]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.unit_id}/{self.year}: {self.value}"
