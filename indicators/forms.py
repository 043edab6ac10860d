"""Forms of the reporting pages: they read what the user typed; the rules live in the services.

Numbers are typed the Vietnamese way ("1.500.000", "1,84") and read with plans.text.parse_number;
dates as dd/mm/yyyy. Files are checked by the upload guard (common.uploads, through
services.validate_evidence) before anything is saved.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from indicators import breakdowns, selectors, services
from plans.text import parse_number
from review.models import ProgressState

DATE_FORMAT = "%d/%m/%Y"
DATE_ERROR = _("Nhập ngày dạng dd/mm/yyyy, ví dụ 09/02/2022.")


class VietnameseNumberField(forms.CharField):
    """A number typed as Vietnamese users write it; the parse error is shown on the field.

    With `max_digits` and `decimal_places` (those of the model field), a number the database
    cannot hold exactly is refused rather than overflowing or being rounded.
    """

    def __init__(self, *, max_digits: int | None = None, decimal_places: int | None = None, **kwargs):
        self.max_digits, self.decimal_places = max_digits, decimal_places
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            number = parse_number(text)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None
        if self.decimal_places is not None and number.as_tuple().exponent < -self.decimal_places:
            raise ValidationError(
                _("Tối đa %(places)s chữ số sau dấu phẩy."), code="max_decimal_places",
                params={"places": self.decimal_places},
            )
        if self.max_digits is not None:
            whole_digits = self.max_digits - (self.decimal_places or 0)
            if abs(number) >= 10**whole_digits:
                raise ValidationError(
                    _("Số quá lớn: phần nguyên có tối đa %(digits)s chữ số."), code="max_whole_digits",
                    params={"digits": whole_digits},
                )
        return number


class VietnameseDateField(forms.DateField):
    input_formats = [DATE_FORMAT]
    default_error_messages = {"invalid": DATE_ERROR}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy"}))
        super().__init__(**kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Zero or more evidence files, each checked by the upload guard (size, type by content, zip, XML)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, (list, tuple)) else [data]
        cleaned = [super(EvidenceField, self).clean(upload, initial) for upload in uploads if upload]
        for upload in cleaned:
            try:
                services.validate_evidence(upload)
            except ValidationError as error:
                raise ValidationError(error.message_dict.get("evidence", error.messages)) from None
        return cleaned


class ReportForm(forms.Form):
    """What the figure and task report forms share: the year and period, the version, the late-correction reason."""

    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    period = forms.ChoiceField(label=_("Kỳ báo cáo"), choices=selectors.PERIOD_CHOICES, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    correction_reason = forms.CharField(
        label=_("Lý do sửa"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Số liệu đã được duyệt: ghi rõ vì sao sửa; bản sửa sẽ được gửi duyệt lại."),
    )
    evidence = EvidenceField(
        label=_("Tệp minh chứng"), help_text=_("PDF, Word, Excel, JPEG hoặc PNG; tối đa 10 MB mỗi tệp.")
    )

    def clean_period(self) -> "selectors.Period":
        """The chosen period; a form posted without one keeps the period of the page (?ky=)."""
        return selectors.PERIODS.get(self.cleaned_data.get("period")) or self.page_period

    def __init__(self, *args, page_period: "selectors.Period" = selectors.YEARLY, **kwargs):
        self.page_period = page_period
        super().__init__(*args, **kwargs)

    def expected_version(self, loaded_year: int, loaded_period: "selectors.Period" = selectors.YEARLY) -> int:
        """The version the user started from; 0 when they started from an empty form.

        Passing 0 rather than None makes the service refuse (as a conflict) a save over a record
        that someone created after this user opened the empty form.
        """
        if self.cleaned_data["year"] != loaded_year or self.cleaned_data["period"] != loaded_period:
            return 0
        return self.cleaned_data.get("version") or 0


class ActualForm(ReportForm):
    # numeric(16, 4), as Actual stores them
    value = VietnameseNumberField(label=_("Giá trị"), required=False, help_text=_("Ví dụ 1.500.000 hoặc 1,84."),
                                  max_digits=16, decimal_places=4)
    numerator = VietnameseNumberField(label=_("Tử số"), required=False, max_digits=16, decimal_places=4)
    denominator = VietnameseNumberField(label=_("Mẫu số"), required=False, max_digits=16, decimal_places=4)

    # Only for an indicator with dimensions (indicators.breakdowns): "" is the whole.
    breakdown = forms.CharField(label=_("Nhóm phân tổ"), required=False, widget=forms.Select,
                                help_text=_("Để “Tổng số” cho số liệu chung; chọn một nhóm để nhập số liệu riêng của nhóm đó."))

    # Only where the year takes two standards (poverty_standards.Standards.applicable); "" = the page's.
    standard = forms.CharField(label=_("Chuẩn nghèo"), required=False, widget=forms.Select,
                               help_text=_("Số liệu rà soát cuối năm cuối của một chuẩn nghèo có thể tính theo chuẩn "
                                           "đó hoặc theo chuẩn mới (làm gốc cho giai đoạn sau): mỗi chuẩn là một số liệu riêng."))

    field_order = ["year", "period", "standard", "breakdown", "value", "numerator", "denominator", "evidence",
                   "correction_reason", "version"]

    def __init__(self, *args, indicator=None, options=None, standard_choices=None, **kwargs):
        """`options`: the indicator's (breakdowns.indicator_options), when the caller has them already;
        `standard_choices`: [(code, label)] of the standards the page's year takes."""
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.options = breakdowns.indicator_options(indicator) if options is None else options
        choices = breakdowns.option_choices(indicator, self.options) if indicator is not None else []
        if len(choices) > 1:
            self.fields["breakdown"].widget.choices = choices
        else:
            del self.fields["breakdown"]
        if standard_choices and len(standard_choices) > 1:
            self.fields["standard"].widget.choices = standard_choices
        else:
            del self.fields["standard"]

    def clean_breakdown(self) -> str:
        code = (self.cleaned_data.get("breakdown") or "").strip()
        if not code or code in {option.code for option in self.options}:
            return code
        message = breakdowns.breakdown_error(indicator=self.indicator, breakdown=code)  # names the option's dimension
        if message:
            raise ValidationError(message, code="invalid_breakdown")
        return code

    def clean(self):
        data = super().clean()
        data.setdefault("breakdown", "")
        data["standard"] = (data.get("standard") or "").strip()  # the service refuses one the year does not take
        if data.get("value") is not None and (data.get("numerator") is not None or data.get("denominator") is not None):
            self.add_error("value", _("Nhập giá trị, hoặc tử số và mẫu số — không nhập cả hai."))
        return data

    def expected_version(self, loaded_year: int, loaded_period: "selectors.Period" = selectors.YEARLY,
                         loaded_breakdown: str = "", loaded_standard: str | None = None) -> int:
        """`loaded_standard`: the standard of the figure the page showed; another standard is another figure."""
        if self.cleaned_data.get("breakdown", "") != loaded_breakdown:
            return 0
        if loaded_standard is not None and self.cleaned_data.get("standard", "") != loaded_standard:
            return 0
        return super().expected_version(loaded_year, loaded_period)


class TaskReportForm(ReportForm):
    progress = forms.ChoiceField(label=_("Tiến độ"), choices=ProgressState.choices)
    percent_done = forms.IntegerField(label=_("Phần trăm hoàn thành"), error_messages={"invalid": _("Nhập một số nguyên từ 0 đến 100.")})
    completed_on = VietnameseDateField(label=_("Ngày hoàn thành"), required=False)
    narrative = forms.CharField(label=_("Kết quả thực hiện"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    field_order = ["year", "period", "progress", "percent_done", "completed_on", "narrative", "evidence", "correction_reason", "version"]


class ReturnForm(forms.Form):
    review_comment = forms.CharField(
        label=_("Lý do trả lại"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bắt buộc: người nhập cần biết phải sửa gì."),
    )


class ExplanationRequestForm(forms.Form):
    question = forms.CharField(label=_("Nội dung cần giải trình"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    due_on = VietnameseDateField(label=_("Hạn trả lời"), required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Nội dung giải trình"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: dict keys on their fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
