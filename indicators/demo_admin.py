"""The admin action on the figures list: remove the demo's figures of the selected figures' units
(indicators.demo_data), after a confirmation page. Administrators only."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext, gettext_lazy as _

from indicators.demo_data import remove_demo_data
from plans.access import has_role
from plans.models import AdministrativeUnit, Role


class RemovalForm(forms.Form):
    illustrative = forms.BooleanField(label=_("Số liệu minh họa"), required=False, initial=True)
    synthetic = forms.BooleanField(label=_("Sổ hộ giả lập và số liệu tính từ nó"), required=False)
    years = forms.CharField(
        label=_("Năm"), required=False, help_text=_("Cách nhau bởi dấu phẩy, ví dụ 2023, 2024; để trống: mọi năm."),
    )

    def clean_years(self):
        text = self.cleaned_data["years"].replace(";", ",")
        try:
            years = sorted({int(part) for part in text.split(",") if part.strip()})
        except ValueError:
            raise forms.ValidationError(_("Ghi các năm bằng số, cách nhau bởi dấu phẩy.")) from None
        if any(not 1990 <= year <= 2100 for year in years):
            raise forms.ValidationError(_("Năm phải trong khoảng 1990–2100."))
        return years

    def clean(self):
        data = super().clean()
        if not data.get("illustrative") and not data.get("synthetic"):
            raise forms.ValidationError(_("Chọn số liệu minh họa, sổ hộ giả lập hoặc cả hai."))
        return data


def may_remove(user) -> bool:
    return user.is_active and (user.is_superuser or has_role(user, Role.ADMIN))


@admin.action(description=_("Xóa số liệu minh họa/giả lập của các địa bàn đã chọn"))
def remove_demo_data_action(modeladmin, request, queryset):
    if not may_remove(request.user):
        raise PermissionDenied
    units = list(AdministrativeUnit.objects.filter(pk__in=queryset.values("unit_id")).order_by("admin_map", "level", "code"))
    form = RemovalForm(request.POST if "confirm" in request.POST else None)
    if "confirm" in request.POST and form.is_valid():
        result = remove_demo_data(
            units=units, years=form.cleaned_data["years"] or None, illustrative=form.cleaned_data["illustrative"],
            synthetic=form.cleaned_data["synthetic"], user=request.user,
        )
        modeladmin.message_user(request, gettext(
            "Đã xóa %(illustrative)s số liệu minh họa, %(synthetic)s số liệu giả lập và %(households)s hộ giả lập "
            "của %(units)s địa bàn; bảng số liệu năm đã được tính lại."
        ) % {"illustrative": result.illustrative, "synthetic": result.synthetic, "households": result.households,
             "units": len(units)}, messages.SUCCESS)
        return None
    preview = remove_demo_data(units=units, illustrative=True, synthetic=True, dry_run=True)
    return TemplateResponse(request, "admin/indicators/remove_demo_data.html", {
        **modeladmin.admin_site.each_context(request),
        "title": gettext("Xóa số liệu minh họa/giả lập"),
        "opts": modeladmin.model._meta,
        "units": units,
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "form": form,
        "preview": preview,
    })
