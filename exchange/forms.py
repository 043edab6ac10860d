from django import forms
from django.utils.translation import gettext_lazy as _

from exchange.services.mapping import FIELD_LABELS
from plans.models import Document


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Tệp phụ lục (.xlsx hoặc .docx)"))
    document = forms.ModelChoiceField(
        queryset=Document.objects.none(), label=_("Văn bản có các nhiệm vụ này"),
        error_messages={"required": _("Hãy chọn văn bản mà các nhiệm vụ thuộc về."),
                        "invalid_choice": _("Văn bản đã chọn không có hoặc bạn không được xem.")},
    )

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents


class TableForm(forms.Form):
    table = forms.TypedChoiceField(label=_("Bảng chứa phụ lục nhiệm vụ"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, tables, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["table"].choices = [(i, t.label) for i, t in enumerate(tables)]


class MappingForm(forms.Form):
    """One field per column of the header row; the header row itself and a prefix for the numbers."""

    header_row = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    number_prefix = forms.CharField(
        label=_("Tiền tố số thứ tự"), max_length=20, required=False,
        help_text=_("Để trống, hoặc ví dụ “PL.” khi văn bản đã có nhiệm vụ mang cùng số thứ tự."),
    )

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("(cột %(number)s không có tiêu đề)") % {"number": index + 1},
                choices=list(FIELD_LABELS.items()),
            )

    def column_fields(self) -> list[str]:
        return [self.cleaned_data[f"col_{i}"] for i in range(len(self.headers))]

    def columns(self):
        return [self[f"col_{i}"] for i in range(len(self.headers))]
