"""Forms of the register pages: they read what the officer typed; the rules live in the services.

There is no field for a household's class: it is computed from the standard of the year.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from households.models import Area, Cause, LivingClass, Movement
from indicators.forms import VietnameseNumberField

# HouseholdReview.income is a PositiveIntegerField.
MAX_INCOME = 2_147_483_647


def _digits(label, lengths):
    def check(value):
        if value and (not (value.isascii() and value.isdigit()) or len(value) not in lengths):
            raise ValidationError(_("%(label)s gồm %(lengths)s chữ số.")
                                  % {"label": label, "lengths": _(" hoặc ").join(map(str, lengths))})
    return check


class HouseholdForm(forms.Form):
    head_name = forms.CharField(label=_("Chủ hộ"), max_length=200)
    head_id_number = forms.CharField(label=_("Số định danh chủ hộ"), max_length=20, required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=20, required=False)
    village = forms.CharField(label=_("Thôn, ấp, tổ dân phố"), max_length=100)
    address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    area = forms.ChoiceField(label=_("Khu vực"), choices=Area.choices)
    members = forms.IntegerField(label=_("Số nhân khẩu"), min_value=1, max_value=99)
    legacy_commune = forms.TypedChoiceField(label=_("Xã, phường trước 1/7/2025"), coerce=int, required=False, empty_value=None)
    ethnic_minority = forms.BooleanField(label=_("Dân tộc thiểu số"), required=False)
    merit = forms.BooleanField(label=_("Gia đình người có công"), required=False)
    social_protection = forms.BooleanField(label=_("Hộ bảo trợ xã hội"), required=False)

    def __init__(self, *args, legacy_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legacy_commune"].choices = [("", "—")] + list(legacy_choices)

    def clean_head_id_number(self):
        value = re.sub(r"\s", "", self.cleaned_data["head_id_number"])
        _digits(_("Số định danh"), (9, 12))(value)
        return value

    def clean_phone(self):
        value = re.sub(r"[\s.]", "", self.cleaned_data["phone"])
        _digits(_("Số điện thoại"), (10, 11))(value)
        return value


class ReviewForm(forms.Form):
    income = VietnameseNumberField(label=_("Thu nhập bình quân (đồng/người/tháng)"), required=False,
                                   help_text=_("Ví dụ 1.450.000. Để trống nếu chỉ có điểm A."))
    score_a = forms.IntegerField(label=_("Điểm A"), min_value=0, max_value=1000, required=False)
    deprivations = forms.MultipleChoiceField(label=_("Các chỉ số thiếu hụt"), required=False, widget=forms.CheckboxSelectMultiple)
    cause = forms.ChoiceField(label=_("Nguyên nhân nghèo"), choices=[("", "—"), *Cause.choices], required=False)
    exit_plan = forms.CharField(label=_("Phương án thoát nghèo"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    support = forms.CharField(label=_("Hỗ trợ đã nhận"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    decision = forms.CharField(label=_("Quyết định công nhận"), max_length=200, required=False)

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deprivations"].choices = [(i.code, f"{i.dimension}: {i.name}") for i in indicators]

    def clean_income(self):
        income = self.cleaned_data["income"]
        if income is not None and (income < 0 or income != income.to_integral_value()):
            raise ValidationError(_("Thu nhập là số đồng, nguyên và không âm."))
        if income is not None and income > MAX_INCOME:
            raise ValidationError(_("Thu nhập bình quân quá lớn; nhập số đồng mỗi người mỗi tháng."))
        return int(income) if income is not None else None

    def clean(self):
        data = super().clean()
        if data.get("income") is None and data.get("score_a") is None and not self.errors:
            raise ValidationError(_("Nhập thu nhập bình quân hoặc điểm A."))
        return data


class ListFilterForm(forms.Form):
    nam = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100, required=False)
    hang = forms.ChoiceField(label=_("Phân loại"), choices=[("", _("Mọi phân loại")), *LivingClass.choices, ("none", _("Chưa rà soát"))], required=False)
    thon = forms.CharField(label=_("Thôn, tổ dân phố"), required=False)
    nguyen_nhan = forms.ChoiceField(label=_("Nguyên nhân"), choices=[("", _("Mọi nguyên nhân")), *Cause.choices], required=False)
    thieu_hut = forms.CharField(label=_("Thiếu hụt"), required=False)
    bien_dong = forms.ChoiceField(label=_("Biến động"), choices=[("", _("Mọi biến động")), *[(v, l) for v, l in Movement.choices if v]], required=False)
    q = forms.CharField(label=_("Tìm"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp danh sách rà soát (.xlsx hoặc .csv)"))
    dry_run = forms.BooleanField(label=_("Chỉ kiểm tra, chưa ghi"), required=False)


class FullExportForm(forms.Form):
    """The full export (IDs and phones unmasked) asks why; the reason is kept in the access log."""

    nam = forms.IntegerField(label=_("Năm rà soát"), min_value=2000, max_value=2100)
    reason = forms.CharField(
        label=_("Lý do cần số định danh và điện thoại đầy đủ"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Hãy nêu lý do cần xuất danh sách đầy đủ.")},
        help_text=_("Ví dụ: gửi Ngân hàng Chính sách xã hội danh sách hộ vay vốn theo Quyết định số …"),
    )
