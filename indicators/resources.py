"""Plan-workbook sheets for the indicator catalogue and targets."""

from django.core.exceptions import ValidationError
from import_export import fields
from import_export.widgets import ForeignKeyWidget, Widget

from indicators import closures
from indicators.models import (
    Actual,
    ActualSource,
    Aggregation,
    ChangeDirection,
    Direction,
    Indicator,
    MeasureUnit,
    PeriodKind,
    Target,
    TargetKind,
)
from plans.workflow import record_audit, snapshot
from plans.models import ReviewStatus
from plans.resources import DOCUMENT_COLUMN, ISSUER_COLUMN, MAP_COLUMN, WholeNumberWidget, WorkbookResource
from plans.widgets import (
    REF_SEPARATOR,
    ChoiceLabelWidget,
    DocumentWidget,
    UnitListWidget,
    UnitWidget,
    VietnameseDateWidget,
    VietnameseDecimalWidget,
    find_document,
    split_reference,
)


class IndicatorWidget(ForeignKeyWidget):
    def __init__(self, **kwargs):
        super().__init__(Indicator, "code", **kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(str(value or "").strip(), row, **kwargs)
        except Indicator.DoesNotExist:
            raise ValueError(f"Không có chỉ số mã “{value}” (xem sheet chỉ số).") from None


class TargetReferenceWidget(Widget):
    """A target of a base document: `số hiệu|mã cơ quan|mã chỉ tiêu`."""

    def clean(self, value, row=None, **kwargs):
        ref = str(value or "").strip()
        if not ref:
            return None
        number, issuer_code, code = split_reference(ref, "chỉ tiêu")
        document = find_document(number, issuer_code)
        try:
            return Target.objects.get(document=document, code=code)
        except Target.DoesNotExist:
            raise ValueError(f"Văn bản {number} không có chỉ tiêu mã “{code}”.") from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return REF_SEPARATOR.join((value.document.number, value.document.issuer.code, value.code))


class IndicatorResource(WorkbookResource):
    code = fields.Field(attribute="code", column_name="Mã chỉ số")
    name = fields.Field(attribute="name", column_name="Tên chỉ số")
    measure_unit = fields.Field(attribute="measure_unit", column_name="Đơn vị tính", widget=ChoiceLabelWidget(MeasureUnit))
    direction = fields.Field(attribute="direction", column_name="Chiều tốt", widget=ChoiceLabelWidget(Direction))
    aggregation = fields.Field(attribute="aggregation", column_name="Cách tổng hợp", widget=ChoiceLabelWidget(Aggregation))
    description = fields.Field(attribute="description", column_name="Mô tả")

    class Meta(WorkbookResource.Meta):
        model = Indicator
        import_id_fields = ["code"]
        fields = ["code", "name", "measure_unit", "direction", "aggregation", "description"]


class TargetResource(WorkbookResource):
    document = fields.Field(attribute="document", column_name=DOCUMENT_COLUMN, widget=DocumentWidget(ISSUER_COLUMN))
    document_issuer = fields.Field(attribute="document__issuer__code", column_name=ISSUER_COLUMN, readonly=True)
    code = fields.Field(attribute="code", column_name="Mã chỉ tiêu")
    indicator = fields.Field(attribute="indicator", column_name="Mã chỉ số", widget=IndicatorWidget())
    territory = fields.Field(attribute="territory", column_name="Mã địa bàn", widget=UnitWidget(MAP_COLUMN))
    territory_map = fields.Field(attribute="territory__admin_map", column_name=MAP_COLUMN, readonly=True)
    kind = fields.Field(attribute="kind", column_name="Loại chỉ tiêu", widget=ChoiceLabelWidget(TargetKind))
    change_direction = fields.Field(
        attribute="change_direction",
        column_name="Chiều thay đổi",
        widget=ChoiceLabelWidget(ChangeDirection, allow_blank=True),
    )
    min_value = fields.Field(attribute="min_value", column_name="Giá trị tối thiểu", widget=VietnameseDecimalWidget())
    max_value = fields.Field(attribute="max_value", column_name="Giá trị tối đa", widget=VietnameseDecimalWidget())
    unit = fields.Field(attribute="unit", column_name="Đơn vị", widget=ChoiceLabelWidget(MeasureUnit))
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
        ]

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
            .select_related("document__issuer", "indicator", "territory", "restates__document__issuer")
            .prefetch_related("compare_units")
        )


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
            raise ValueError(f"Số liệu nhập từ tệp chỉ có trạng thái {allowed}.")
        return status


class PeriodNumberWidget(WholeNumberWidget):
    """0 (or blank) for a whole year, 1–2 for a half, 1–4 for a quarter."""

    def clean(self, value, row=None, **kwargs):
        number = super().clean(value, row, **kwargs)
        return 0 if number is None else number


PERIOD_NUMBERS = {PeriodKind.YEAR: (0,), PeriodKind.HALF: (1, 2), PeriodKind.QUARTER: (1, 2, 3, 4)}


def period_error(kind: str, number: int) -> str | None:
    """The Vietnamese message when the period number does not fit the period kind."""
    if number in PERIOD_NUMBERS.get(kind, ()):
        return None
    allowed = {PeriodKind.YEAR: "0 (hoặc để trống)", PeriodKind.HALF: "1 hoặc 2", PeriodKind.QUARTER: "1, 2, 3 hoặc 4"}
    return f"Số kỳ {number} không hợp với kỳ “{PeriodKind(kind).label}”: dùng {allowed[kind]}."


class ActualResource(WorkbookResource):
    """Reported figures keyed by indicator code, unit code and map, and period.

    This is the row-by-row path (the admin, small sheets); large sheets go through
    indicators.bulk_actuals, which reads the same columns.
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

    class Meta(WorkbookResource.Meta):
        model = Actual
        import_id_fields = ["indicator", "unit", "period_kind", "year", "period_number"]
        fields = [
            "indicator", "unit", "unit_map", "year", "period_kind", "period_number",
            "value", "numerator", "denominator", "status",
        ]

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
        if not errors.keys() & {"indicator", "value", "numerator", "denominator"}:
            try:
                validate_figure(
                    indicator=instance.indicator, value=instance.value,
                    numerator=instance.numerator, denominator=instance.denominator,
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
        else:
            instance.version = original.version + 1
            if original.status == ReviewStatus.APPROVED:
                instance.is_late_correction = True
                instance.correction_reason = "Nhập từ bảng tính"

    def after_save_instance(self, instance, row, **kwargs):
        record_audit(
            user=kwargs.get("user"), instance=instance, action="import",
            before=instance._audit_before, after=snapshot(instance), reason="Nhập từ bảng tính",
        )
