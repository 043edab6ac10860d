"""Plan-workbook sheets for the indicator catalogue and targets."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget, Widget

from indicators import closures
from indicators.breakdowns import breakdown_error
from indicators.demo_data import DEMO_SOURCES, REPLACE_ACTION, REPLACE_REASON
from indicators.models import (
    Actual,
    ActualSource,
    Aggregation,
    ChangeDirection,
    Dimension,
    Direction,
    GroupJudgement,
    Indicator,
    MeasureUnit,
    PeriodKind,
    Target,
    TargetKind,
)
from indicators.restated import restates_error
from indicators.target_rules import target_problems
from plans.group_resources import UnitGroupWidget
from plans.resources import DOCUMENT_COLUMN, ISSUER_COLUMN, MAP_COLUMN, WholeNumberWidget, WorkbookResource
from plans.widgets import (
    REF_SEPARATOR,
    ChoiceLabelWidget,
    DocumentWidget,
    UnitListWidget,
    UnitWidget,
    VietnameseDateWidget,
    VietnameseDecimalWidget,
    document_reference,
    find_document,
    split_reference,
)
from review.models import ReviewStatus
from review.workflow import record_audit, snapshot


class IndicatorWidget(ForeignKeyWidget):
    def __init__(self, **kwargs):
        super().__init__(Indicator, "code", **kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(str(value or "").strip(), row, **kwargs)
        except Indicator.DoesNotExist:
            raise ValueError(_("Không có chỉ số mã “%(value)s” (xem sheet chỉ số).") % {"value": value}) from None


class CodeWidget(Widget):
    """A code kept as text ("" when blank); checked with the whole row (indicators.target_rules)."""

    def clean(self, value, row=None, **kwargs):
        return str(value or "").strip()

    def render(self, value, obj=None, **kwargs):
        return value or ""


class YesNoWidget(Widget):
    """“Có” / “Không” (blank = Không)."""

    YES, NO = {"có", "co", "x", "1", "yes", "true"}, {"", "không", "khong", "0", "no", "false"}

    def clean(self, value, row=None, **kwargs):
        text = str(value if value is not None else "").strip().lower()
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise ValueError(_("“%(value)s” không hợp lệ: ghi “Có” hoặc “Không”.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return "Có" if value else "Không"


class DimensionListWidget(ManyToManyWidget):
    """Dimension codes, comma separated (sheet “Chiều phân tổ”)."""

    def __init__(self, **kwargs):
        super().__init__(Dimension, separator=",", field="code", **kwargs)

    def clean(self, value, row=None, **kwargs):
        codes = [code.strip() for code in str(value or "").split(",") if code.strip()]
        if not codes:
            return Dimension.objects.none()
        found = {d.code: d for d in Dimension.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise ValueError(
                _("Không có chiều phân tổ mã %(codes)s (xem sheet “Chiều phân tổ”).")
                % {"codes": ', '.join(f'“{c}”' for c in unknown)}
            )
        return Dimension.objects.filter(code__in=codes)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return ", ".join(d.code for d in value.all())


class FigureStandardWidget(Widget):
    """The poverty standard of a figure (“Chuẩn nghèo”): a code, or blank for the standard in force in
    the row's year when the row's indicator depends on the standard, else none. Refuses a code for
    an indicator that does not depend on it, and an unknown code (indicators.poverty_standards)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._standards = None
        self._indicators: dict[str, tuple[str, bool] | None] = {}

    def clean(self, value, row=None, **kwargs):
        from indicators.poverty_standards import Standards

        if self._standards is None:
            self._standards = Standards()
        row = row or {}
        code = str(row.get("Mã chỉ số") or "").strip()
        if code not in self._indicators:
            found = Indicator.objects.filter(code=code).values_list("code", "depends_on_standard").first()
            self._indicators[code] = found
        indicator = self._indicators[code]
        if indicator is None:
            return ""  # the indicator's own cell says what is wrong
        try:
            year = int(float(str(row.get("Năm") or "").strip()))
        except ValueError:
            year = None
        return self._standards.resolve(
            depends_on_standard=indicator[1], indicator_code=indicator[0], year=year, code=str(value or "")
        )

    def render(self, value, obj=None, **kwargs):
        return value or ""


class TargetReferenceWidget(Widget):
    """A target of a base document: `số hiệu|mã cơ quan|mã chỉ tiêu`."""

    def clean(self, value, row=None, **kwargs):
        ref = str(value or "").strip()
        if not ref:
            return None
        number, issuer_code, code = split_reference(ref, _("chỉ tiêu"))
        document = find_document(number, issuer_code)
        try:
            return Target.objects.get(document=document, code=code)
        except Target.DoesNotExist:
            raise ValueError(_("Văn bản %(number)s không có chỉ tiêu mã “%(code)s”.")
                             % {"number": number, "code": code}) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return REF_SEPARATOR.join((document_reference(value.document), value.document.issuer.code, value.code))


class IndicatorResource(WorkbookResource):
    code = fields.Field(attribute="code", column_name="Mã chỉ số")
    name = fields.Field(attribute="name", column_name="Tên chỉ số")
    measure_unit = fields.Field(attribute="measure_unit", column_name="Đơn vị tính", widget=ChoiceLabelWidget(MeasureUnit))
    direction = fields.Field(attribute="direction", column_name="Chiều tốt", widget=ChoiceLabelWidget(Direction))
    aggregation = fields.Field(attribute="aggregation", column_name="Cách tổng hợp", widget=ChoiceLabelWidget(Aggregation))
    description = fields.Field(attribute="description", column_name="Mô tả")
    depends_on_standard = fields.Field(
        attribute="depends_on_standard", column_name="Đo theo chuẩn nghèo", widget=YesNoWidget()
    )
    dimensions = fields.Field(attribute="dimensions", column_name="Chiều phân tổ", widget=DimensionListWidget())

    # Workbooks made before these columns still import: a missing column leaves the field as it is.
    OPTIONAL_COLUMNS = ("Đo theo chuẩn nghèo", "Chiều phân tổ")

    class Meta(WorkbookResource.Meta):
        model = Indicator
        import_id_fields = ["code"]
        fields = ["code", "name", "measure_unit", "direction", "aggregation", "description",
                  "depends_on_standard", "dimensions"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("dimensions")


class TargetResource(WorkbookResource):
    document = fields.Field(attribute="document", column_name=DOCUMENT_COLUMN, widget=DocumentWidget(ISSUER_COLUMN))
    document_issuer = fields.Field(attribute="document__issuer__code", column_name=ISSUER_COLUMN, readonly=True)
    code = fields.Field(attribute="code", column_name="Mã chỉ tiêu")
    indicator = fields.Field(attribute="indicator", column_name="Mã chỉ số", widget=IndicatorWidget())
    territory = fields.Field(attribute="territory", column_name="Mã địa bàn", widget=UnitWidget(MAP_COLUMN))
    territory_map = fields.Field(attribute="territory__admin_map", column_name=MAP_COLUMN, readonly=True)
    kind = fields.Field(attribute="kind", column_name="Loại chỉ tiêu", widget=ChoiceLabelWidget(TargetKind))
    standard = fields.Field(attribute="standard", column_name="Chuẩn nghèo", widget=CodeWidget())
    unit_group = fields.Field(attribute="unit_group", column_name="Nhóm địa bàn", widget=UnitGroupWidget())
    group_judgement = fields.Field(
        attribute="group_judgement", column_name="Cách đánh giá theo nhóm",
        widget=ChoiceLabelWidget(GroupJudgement, allow_blank=True),
    )
    breakdown = fields.Field(attribute="breakdown", column_name="Nhóm phân tổ", widget=CodeWidget())
    change_direction = fields.Field(
        attribute="change_direction",
        column_name="Chiều thay đổi",
        widget=ChoiceLabelWidget(ChangeDirection, allow_blank=True),
    )
    min_value = fields.Field(attribute="min_value", column_name="Giá trị tối thiểu", widget=VietnameseDecimalWidget())
    max_value = fields.Field(attribute="max_value", column_name="Giá trị tối đa", widget=VietnameseDecimalWidget())
    unit = fields.Field(attribute="unit", column_name="Đơn vị", widget=ChoiceLabelWidget(MeasureUnit, allow_blank=True))
    start_year = fields.Field(attribute="start_year", column_name="Từ năm", widget=WholeNumberWidget())
    end_year = fields.Field(attribute="end_year", column_name="Đến năm", widget=WholeNumberWidget())
    due_on = fields.Field(attribute="due_on", column_name="Hạn", widget=VietnameseDateWidget())
    baseline_value = fields.Field(attribute="baseline_value", column_name="Giá trị gốc", widget=VietnameseDecimalWidget())
    baseline_year = fields.Field(attribute="baseline_year", column_name="Năm gốc", widget=WholeNumberWidget())
    qualifier = fields.Field(attribute="qualifier", column_name="Từ ngữ")
    compare_units = fields.Field(attribute="compare_units", column_name="Địa bàn so sánh", widget=UnitListWidget())
    restates = fields.Field(attribute="restates", column_name="Chỉ tiêu cấp trên", widget=TargetReferenceWidget())
    source_quote = fields.Field(attribute="source_quote", column_name="Trích dẫn nguồn")
    position = fields.Field(attribute="position", column_name="Thứ tự", widget=WholeNumberWidget())

    class Meta(WorkbookResource.Meta):
        model = Target
        import_id_fields = ["document", "code"]
        fields = [
            "document", "document_issuer", "code", "indicator", "territory", "territory_map", "kind",
            "change_direction", "min_value", "max_value", "unit", "start_year", "end_year", "due_on",
            "baseline_value", "baseline_year", "qualifier", "compare_units", "restates", "source_quote", "position",
            "standard", "unit_group", "group_judgement", "breakdown",
        ]

    @staticmethod
    def check_as_written(instance, errors: dict) -> None:
        """Kinds, units, groups, breakdowns and standards as indicators.target_rules says."""
        if not instance.unit and "unit" not in errors:
            if instance.kind == TargetKind.QUALITATIVE:
                instance.unit = MeasureUnit.YES_NO  # a qualitative target has no unit of its own
            else:
                errors["unit"] = [ValidationError(_("Không được để trống."))]
        if not errors.keys() & {"indicator", "kind", "unit", "unit_group", "group_judgement"}:
            for name, message in target_problems(instance).items():
                errors.setdefault(name, []).append(ValidationError(message))

    def before_save_instance(self, instance, row, **kwargs):
        original = Target.objects.filter(pk=instance.pk).first() if instance.pk else None
        instance._audit_before = snapshot(original) if original else None

    def after_save_instance(self, instance, row, **kwargs):
        # Targets are commitments: every change is kept in the audit trail, imports included.
        record_audit(
            user=kwargs.get("user"), instance=instance, action="import",
            before=instance._audit_before, after=snapshot(instance), reason="Nhập từ bảng tính",
        )

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("document__issuer", "indicator", "territory", "restates__document__issuer", "unit_group")
            .prefetch_related("compare_units")
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        self.check_as_written(instance, errors)
        self.check_restated_basis(instance, errors)
        super().validate_instance(instance, errors, validate_unique)

    @staticmethod
    def check_restated_basis(instance, errors: dict) -> None:
        """The "Chỉ tiêu cấp trên" must be a target of a basis of the document (indicators.restated)."""
        if not errors.keys() & {"restates", "document"}:
            message = restates_error(instance)
            if message:
                errors["restates"] = [ValidationError(message)]


# Statuses an imported figure may take; blank means approved (an administrator imports official figures).
IMPORT_STATUSES = (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ReviewStatus.APPROVED)
DEFAULT_IMPORT_STATUS = ReviewStatus.APPROVED


class ImportStatusWidget(ChoiceLabelWidget):
    def __init__(self, **kwargs):
        super().__init__(ReviewStatus, allow_blank=True, **kwargs)

    def clean(self, value, row=None, **kwargs):
        status = super().clean(value, row, **kwargs) or DEFAULT_IMPORT_STATUS
        if status not in IMPORT_STATUSES:
            allowed = ", ".join(f"“{ReviewStatus(s).label}”" for s in IMPORT_STATUSES)
            raise ValueError(_("Số liệu nhập từ tệp chỉ có trạng thái %(allowed)s.") % {"allowed": allowed})
        return status


class PeriodNumberWidget(WholeNumberWidget):
    """0 (or blank) for a whole year, 1–2 for a half, 1–4 for a quarter."""

    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row, **kwargs)
        return 0 if number is None else number


PERIOD_NUMBERS = {
    PeriodKind.YEAR: (0,), PeriodKind.HALF: (1, 2), PeriodKind.QUARTER: (1, 2, 3, 4), PeriodKind.MONTH: tuple(range(1, 13)),
}


def period_error(kind: str, number: int) -> str | None:
    """The Vietnamese message when the period number does not fit the period kind."""
    if number in PERIOD_NUMBERS.get(kind, ()):
        return None
    allowed = {PeriodKind.YEAR: _("0 (hoặc để trống)"), PeriodKind.HALF: _("1 hoặc 2"), PeriodKind.QUARTER: _("1, 2, 3 hoặc 4"),
               PeriodKind.MONTH: _("1 đến 12")}
    return (_("Số kỳ %(number)s không hợp với kỳ “%(label)s”: dùng %(allowed)s.")
            % {"number": number, "label": PeriodKind(kind).label, "allowed": allowed[kind]})


class ActualResource(WorkbookResource):
    """Reported figures keyed by indicator code, unit code and map, and period.

    This is the row-by-row path (the admin, small sheets); large sheets go through
    exchange.workbook.bulk_actuals, which reads the same columns.
    """

    indicator = fields.Field(attribute="indicator", column_name="Mã chỉ số", widget=IndicatorWidget())
    unit = fields.Field(attribute="unit", column_name="Mã địa bàn", widget=UnitWidget(MAP_COLUMN))
    unit_map = fields.Field(attribute="unit__admin_map", column_name=MAP_COLUMN, readonly=True)
    year = fields.Field(attribute="year", column_name="Năm", widget=WholeNumberWidget())
    period_kind = fields.Field(attribute="period_kind", column_name="Kỳ", widget=ChoiceLabelWidget(PeriodKind))
    period_number = fields.Field(attribute="period_number", column_name="Số kỳ", widget=PeriodNumberWidget())
    value = fields.Field(attribute="value", column_name="Giá trị", widget=VietnameseDecimalWidget())
    numerator = fields.Field(attribute="numerator", column_name="Tử số", widget=VietnameseDecimalWidget())
    denominator = fields.Field(attribute="denominator", column_name="Mẫu số", widget=VietnameseDecimalWidget())
    status = fields.Field(attribute="status", column_name="Trạng thái", widget=ImportStatusWidget())
    standard = fields.Field(attribute="standard", column_name="Chuẩn nghèo", widget=FigureStandardWidget())
    breakdown = fields.Field(attribute="breakdown", column_name="Nhóm phân tổ", widget=CodeWidget())

    # Workbooks made before these columns still import: blank standard and breakdown.
    OPTIONAL_COLUMNS = ("Chuẩn nghèo", "Nhóm phân tổ")

    class Meta(WorkbookResource.Meta):
        model = Actual
        import_id_fields = ["indicator", "unit", "period_kind", "year", "period_number", "standard", "breakdown"]
        fields = [
            "indicator", "unit", "unit_map", "year", "period_kind", "period_number",
            "value", "numerator", "denominator", "status", "standard", "breakdown",
        ]

    def before_import(self, dataset, **kwargs):
        # Before django-import-export checks that every key column is in the file.
        for column in self.OPTIONAL_COLUMNS:
            if column not in (dataset.headers or []):
                dataset.append_col([""] * len(dataset), header=column)
        super().before_import(dataset, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("indicator", "unit")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        from indicators.services import validate_figure

        errors = dict(import_validation_errors or {})
        if "period_kind" not in errors and "period_number" not in errors:
            message = period_error(instance.period_kind, instance.period_number)
            if message:
                errors["period_number"] = [ValidationError(message)]
            elif not errors.keys() & {"unit", "year"} and instance.unit_id and instance.year is not None:
                # As on the entry page: no figure of a unit for a period it did not live to the end of.
                period = closures.Period(instance.year, instance.period_kind, instance.period_number)
                closure = closures.closure_for(instance.unit, period)
                if closure is not None:
                    errors["year"] = [ValidationError(closure.message)]
        if not errors.keys() & {"indicator", "breakdown"} and instance.breakdown:
            message = breakdown_error(indicator=instance.indicator, breakdown=instance.breakdown)
            if message:
                errors["breakdown"] = [ValidationError(message)]
        if not errors.keys() & {"indicator", "value", "numerator", "denominator"}:
            try:
                validate_figure(
                    indicator=instance.indicator, value=instance.value,
                    numerator=instance.numerator, denominator=instance.denominator, with_fraction=True,
                )
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        super().validate_instance(instance, errors, validate_unique)

    def before_save_instance(self, instance, row, **kwargs):
        original = Actual.objects.filter(pk=instance.pk).first() if instance.pk else None
        instance._audit_before = snapshot(original) if original else None
        user = kwargs.get("user")
        instance.source = ActualSource.IMPORTED
        instance.import_record = kwargs.get("import_record")
        if original is None:
            instance.created_by = user if user and user.is_authenticated else None
        elif original.source in DEMO_SOURCES:  # over a demo figure: a new figure, not a late correction
            instance.version, instance.is_late_correction, instance.correction_reason = 1, False, ""
            instance.created_by = user if user and user.is_authenticated else None
        else:
            instance.version = original.version + 1
            if original.status == ReviewStatus.APPROVED:
                instance.is_late_correction = True
                instance.correction_reason = "Nhập từ bảng tính"
        instance._replaces_demo = original is not None and original.source in DEMO_SOURCES

    def after_save_instance(self, instance, row, **kwargs):
        demo = getattr(instance, "_replaces_demo", False)
        record_audit(
            user=kwargs.get("user"), instance=instance, action=REPLACE_ACTION if demo else "import",
            before=instance._audit_before, after=snapshot(instance), reason=REPLACE_REASON if demo else "Nhập từ bảng tính",
        )
