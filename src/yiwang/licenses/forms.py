"""Forms of 证照库 on the workbench: the list's filters, the status change with its reason and
a new licence type. They only read what was typed; the rules are licenses.services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from yiwang.licenses.fields import FIELD_KINDS
from yiwang.licenses.models import LicenseOrigin, LicenseStatus, LicenseType
from yiwang.org.models import Department

ENDED_STATUSES = [(s.value, s.label) for s in LicenseStatus if s != LicenseStatus.VALID]


class LicenseFilterForm(forms.Form):
    q = forms.CharField(label=_("持证主体"), required=False, max_length=100)
    license_type = forms.ModelChoiceField(
        label=_("证照类型"),
        required=False,
        queryset=LicenseType.objects.order_by("code"),
        empty_label=_("全部类型"),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *LicenseStatus.choices]
    )
    origin = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部来源")), *LicenseOrigin.choices]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("持证主体名称")})


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("变更为"), choices=ENDED_STATUSES)
    # The service checks presence and length and names the field; the form keeps it bounded.
    reason = forms.CharField(label=_("原因"), required=False, max_length=500)


class LicenseTypeForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("颁发部门"), queryset=Department.objects.none(), empty_label=None
    )
    code = forms.CharField(label=_("证照类型代码"), max_length=21)
    name = forms.CharField(label=_("名称"), max_length=100)
    national = forms.BooleanField(label=_("国家目录"), required=False)
    fields_text = forms.CharField(
        label=_("证照字段"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "每行一个字段：名称,类型,必填,来源（类型可为 text、integer、date、boolean；来源可为"
            " form:申请表栏目键、case:number、case:concluded_on、applicant:name、"
            "applicant:legal_representative，不填则取申请表中同名的栏目）"
        ),
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]

    def clean_fields_text(self) -> list[dict[str, Any]]:
        spec: list[dict[str, Any]] = []
        lines = [line.strip() for line in self.cleaned_data["fields_text"].splitlines()]
        for n, line in enumerate((line for line in lines if line), start=1):
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            if len(parts) > 4:
                raise ValidationError(
                    _("第 %(n)s 行应为“名称,类型,必填,来源”。"), params={"n": n}, code="format"
                )
            kind = parts[1] if len(parts) > 1 and parts[1] else "text"
            if kind not in FIELD_KINDS:
                raise ValidationError(
                    _("第 %(n)s 行的字段类型“%(kind)s”不存在。"),
                    params={"n": n, "kind": kind},
                    code="kind",
                )
            required = len(parts) > 2 and parts[2] in ("必填", "是", "required", "1", "true")
            field = {"name": parts[0], "kind": kind, "required": required}
            if len(parts) > 3 and parts[3]:
                field["source"] = parts[3]  # checked by the service (fields.clean_source)
            spec.append(field)
        return spec
