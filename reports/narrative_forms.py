"""The forms of a monitoring report's narrative page: the four sections, and a reviewer's return."""

from django import forms
from django.utils.translation import gettext_lazy as _

TEXTAREA = forms.Textarea(attrs={"rows": 8})


class NarrativeForm(forms.Form):
    general_situation = forms.CharField(label=_("I. Tình hình chung"), required=False, widget=TEXTAREA, max_length=50000)
    results_commentary = forms.CharField(label=_("II. Đánh giá kết quả thực hiện các mục tiêu, chỉ tiêu"), required=False,
                                         widget=TEXTAREA, max_length=50000)
    difficulties = forms.CharField(label=_("V. Khó khăn, vướng mắc"), required=False, widget=TEXTAREA, max_length=50000)
    proposals = forms.CharField(label=_("VI. Đề xuất, kiến nghị"), required=False, widget=TEXTAREA, max_length=50000)
    correction_reason = forms.CharField(label=_("Lý do sửa (báo cáo đã duyệt)"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class ReturnForm(forms.Form):
    review_comment = forms.CharField(label=_("Ý kiến trả lại"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
