"""Forms of the catalogue's workbench pages. They only shape input; every rule on the data
(limits, transitions, scope) is checked by the services, whose errors the views put back here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yiwang.catalog import fields as element_fields
from yiwang.catalog.fields import (
    FORM_FIELD_TYPE_CHOICES,
    FORM_FIELD_TYPES,
    LIMIT_DAYS,
    VISITS,
    DeliveryMethod,
    ServiceObject,
)
from yiwang.catalog.guides.bundles import APPLICANT_TYPES
from yiwang.catalog.models import (
    INTERMEDIARY_FIELDS,
    MATERIAL_FIELDS,
    BaseItem,
    Bundle,
    BusinessType,
    HandlingForm,
    IntermediaryService,
    ItemStatus,
    ItemType,
    Material,
    ProcessStep,
    ServiceItemVersion,
    SpecialProcedure,
)
from yiwang.catalog.presenters import ELEMENT_GROUPS
from yiwang.org.models import Department

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class ItemFilterForm(forms.Form):
    """Filters of the item list; the department filter exists only for region-wide scopes."""

    q = forms.CharField(label=_("名称或编码"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *ItemStatus.choices]
    )
    item_type = forms.ChoiceField(
        label=_("事项类型"), required=False, choices=[("", _("全部类型")), *ItemType.choices]
    )
    department = forms.ModelChoiceField(
        label=_("实施部门"),
        required=False,
        queryset=Department.objects.none(),
        empty_label=_("全部部门"),
    )

    def __init__(self, *args: Any, departments: QuerySet[Department] | None = None, **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if departments is None:
            del self.fields["department"]
        else:
            self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("事项名称或编码")})


class ClaimForm(forms.Form):
    """Claim a base item for a department (认领). The base item is picked from search results
    rendered by the page, so the field accepts any base item."""

    base = forms.ModelChoiceField(
        label=_("基本目录事项"),
        queryset=BaseItem.objects.all(),
        error_messages={"required": _("请选择要认领的基本目录事项。")},
    )
    department = forms.ModelChoiceField(
        label=_("实施部门"), queryset=Department.objects.none(), empty_label=None
    )
    business_type = forms.ChoiceField(
        label=_("业务办理项类型"), choices=BusinessType.choices, initial=BusinessType.NEW
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    """A reason, for suspending, resuming or withdrawing an item."""

    reason = forms.CharField(label=_("原因"), max_length=500, required=False)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("退回修改时必须填写；审核通过时可选。"),
    )


class BundleForm(forms.Form):
    """A bundle's 简介 and 生活场景 (一件事管理). The bounds come with the model's fields; the
    plain-text rule of `models.situations_field` is checked by bundle_update's full_clean and
    put back here by the view."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(
            Bundle,
            fields=["summary", "situations"],
            widgets={"summary": forms.Textarea(attrs={"rows": 5}), "situations": TEXTAREA},
        )
        for name, field in model_fields.items():
            assert field is not None
            self.fields[name] = field


# --- Editing a version ---------------------------------------------------------------------

# Elements of several choices, each a group of checkboxes.
_MULTIPLE_CHOICE_ELEMENTS: dict[str, tuple[Any, Any]] = {
    "handling_forms": (_("办理形式"), HandlingForm.choices),
    "service_objects": (_("服务对象"), ServiceObject.choices),
    "delivery_methods": (_("结果送达方式"), DeliveryMethod.choices),
}
# Elements edited by the element form (lists of choices and form fields have their own).
_SCALAR_ELEMENTS = [
    f
    for _group, fields in ELEMENT_GROUPS
    for f in fields
    if f not in ("form_fields", *_MULTIPLE_CHOICE_ELEMENTS)
]
# The value ranges of catalog.fields, checked here before the service sees the values.
_RANGES = {
    "legal_limit": (LIMIT_DAYS, "法定办结时限"),
    "promised_limit": (LIMIT_DAYS, "承诺办结时限"),
    "visits": (VISITS, "到办事现场次数"),
}
_TEXTAREAS = {
    "legal_basis",
    "conditions",
    "location",
    "fee_standard",
    "fee_basis",
    "faq",
    "situations",
}


class VersionElementsForm(forms.Form):
    """Every element of a version, plus the reason for the change (调整原因). The value ranges
    and the rules between elements (promised ≤ legal, 四级 = 全程网办 …) are catalog.fields',
    checked here for the page and again by the model when the service saves."""

    reason = forms.CharField(
        label=_("调整原因"),
        max_length=500,
        help_text=_("说明本次修改的原因，记入动态调整记录。"),
        error_messages={"required": _("请填写调整原因。")},
        widget=forms.TextInput(attrs={"placeholder": _("说明本次修改的原因，记入动态调整记录")}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(
            ServiceItemVersion,
            fields=_SCALAR_ELEMENTS,
            widgets={name: TEXTAREA for name in _TEXTAREAS},
        )
        for name, field in model_fields.items():
            assert field is not None
            self.fields[name] = field
        for name, (label, choices) in _MULTIPLE_CHOICE_ELEMENTS.items():
            self.fields[name] = forms.MultipleChoiceField(
                label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
            )
        for name, (bound, label) in _RANGES.items():
            field = self.fields[name]
            field.validators.extend(bound.validators(label))
            field.widget.attrs.update({"min": bound.low, "max": bound.high, "inputmode": "numeric"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for violation in element_fields.version_rule_violations(data):
            if violation.field in self.fields and violation.field not in self.errors:
                self.add_error(violation.field, violation.message)
        return data

    @property
    def multiple_choice_names(self) -> tuple[str, ...]:
        return tuple(_MULTIPLE_CHOICE_ELEMENTS)

    def groups(self) -> list[tuple[str | Promise, list[forms.BoundField]]]:
        """Bound fields in the guide's groups, for the template."""
        return [
            (label, [self[f] for f in fields if f in self.fields])
            for label, fields in ELEMENT_GROUPS
            if any(f in self.fields for f in fields)
        ]

    def elements(self) -> dict[str, Any]:
        """The elements to save (the result sample is passed apart: result_sample())."""
        data = dict(self.cleaned_data)
        data.pop("reason")
        data.pop("result_sample", None)
        return data

    def result_sample(self) -> Any:
        """A new upload, False to remove the file, None to keep it (services.version_update)."""
        value = self.cleaned_data.get("result_sample")
        if value is False or (hasattr(value, "read") and not hasattr(value, "url")):
            return value
        return None


class MaterialRowForm(forms.ModelForm):
    """One application material. `id` names the row it was loaded from, so its blank form and
    sample file are kept when no new file is uploaded."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    blank_form = forms.FileField(label=_("空白表格"), required=False)
    sample_file = forms.FileField(label=_("示例样表"), required=False)

    class Meta:
        model = Material
        fields = [f for f in MATERIAL_FIELDS if f != "order"]


class StepRowForm(forms.ModelForm):
    class Meta:
        model = ProcessStep
        fields = ["name", "role", "limit_days"]


class ProcedureRowForm(forms.ModelForm):
    class Meta:
        model = SpecialProcedure
        fields = ["name", "limit_days", "legal_basis", "counted_in_limit"]
        widgets = {"legal_basis": forms.TextInput}


class IntermediaryRowForm(forms.ModelForm):
    class Meta:
        model = IntermediaryService
        fields = [f for f in INTERMEDIARY_FIELDS if f != "order"]


class FormFieldRowForm(forms.Form):
    """One field of the item's application form; `key` is how bundles merge shared fields."""

    key = forms.SlugField(
        label=_("字段标识"),
        max_length=50,
        error_messages={"invalid": _("字段标识只能由字母、数字、下划线或连字符组成。")},
    )
    label = forms.CharField(label=_("字段名称"), max_length=100)
    type = forms.ChoiceField(label=_("类型"), choices=FORM_FIELD_TYPE_CHOICES, initial="text")
    # Who fills it in; none ticked = every applicant (a 统一社会信用代码 is for registered ones).
    applicant_types = forms.MultipleChoiceField(
        label=_("适用申请人"),
        choices=list(APPLICANT_TYPES.items()),  # lazy labels: the reader's language
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Keep a type this page does not know (loaded from elsewhere) selectable.
        current = (self.initial or {}).get("type")
        if current and current not in dict(FORM_FIELD_TYPES):
            self.fields["type"].choices = [*FORM_FIELD_TYPE_CHOICES, (current, current)]  # type: ignore[attr-defined]


def _formset(form: type[forms.BaseForm]) -> type[forms.BaseFormSet]:
    return forms.formset_factory(form, extra=1, can_delete=True, max_num=200, validate_max=True)


MaterialFormSet = _formset(MaterialRowForm)
StepFormSet = _formset(StepRowForm)
ProcedureFormSet = _formset(ProcedureRowForm)
IntermediaryFormSet = _formset(IntermediaryRowForm)
FormFieldFormSet = _formset(FormFieldRowForm)

# prefix → (formset class, section title, element name in the service's errors)
ROW_FORMSETS: dict[str, tuple[type[forms.BaseFormSet], Any, str]] = {
    "materials": (MaterialFormSet, _("申请材料"), "申请材料"),
    "steps": (StepFormSet, _("办理流程"), "办理流程"),
    "procedures": (ProcedureFormSet, _("特别程序"), "特别程序"),
    "intermediaries": (IntermediaryFormSet, _("中介服务"), "中介服务"),
    "form_fields": (FormFieldFormSet, _("申请表字段"), "申请表"),
}


def kept_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """Cleaned rows to save, in page order: loaded or filled-in rows not marked for deletion
    (the empty extra row is ignored)."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("DELETE") or not (form.initial or form.has_changed()):
            continue
        rows.append({k: v for k, v in data.items() if k != "DELETE"})
    return rows
