from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts import selectors


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Mã xác thực"), max_length=20, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class MembershipForm(ReasonForm):
    field_order = ["unit", "agency", "role", "reason"]

    unit = forms.ModelChoiceField(label=_("Địa bàn"), queryset=None)
    agency = forms.ModelChoiceField(label=_("Cơ quan"), queryset=None, required=False,
                                    help_text=_("Để trống nếu người dùng làm việc cho mọi cơ quan của địa bàn."))
    role = forms.ChoiceField(label=_("Vai trò"), choices=())

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.assignable_units(actor=actor)
        self.fields["agency"].queryset = selectors.assignable_agencies(actor=actor)
        self.fields["role"].choices = selectors.assignable_roles(actor=actor)


class InviteForm(MembershipForm):
    field_order = ["full_name", "email", "username", "unit", "agency", "role", "reason"]

    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    email = forms.EmailField(label=_("Thư điện tử"),
                             widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}))
    username = forms.RegexField(
        label=_("Tên đăng nhập"), max_length=150, regex=r"^[\w.@+-]+$",
        help_text=_("Chữ không dấu, số và . @ + - _"),
        error_messages={"invalid": _("Tên đăng nhập chỉ gồm chữ không dấu, số và . @ + - _")},
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("Tên đăng nhập này đã có."))
        return username

    def clean_email(self):
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Địa chỉ thư này đã có tài khoản."))
        return email
