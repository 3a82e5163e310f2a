"""Forms of the org pages. They collect input; the rules live in services and validators."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import ApplicantKind


class StaffSignInForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CitizenSignInForm(forms.Form):
    mobile = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "numeric", "autofocus": True}
        ),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("原密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("确认新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", gettext("两次输入的新密码不一致。"))
        return data


class CitizenRegisterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("申请人类型"), choices=ApplicantKind.choices, initial=ApplicantKind.PERSON
    )
    name = forms.CharField(label=_("姓名/企业名称"), max_length=200)
    id_number = forms.CharField(label=_("居民身份证号码"), max_length=18, required=False)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, required=False)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=64, required=False)
    legal_representative_id_number = forms.CharField(
        label=_("法定代表人身份证号码"), max_length=18, required=False
    )
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("字段"), choices=[("id_number", _("居民身份证号码")), ("phone", _("手机号码"))]
    )
    reason = forms.CharField(
        label=_("查看事由"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("例如：核对申请人身份")}),
    )
