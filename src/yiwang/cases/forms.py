"""Forms of the citizen portal's case pages (申请, 补正, 撤回). They only shape input: every rule
on an application (which fields, which values, which materials, which delivery) is checked by
cases.services, whose errors the views put back next to the fields here. A value is checked
for its type with the one rule of cases.fields as soon as it is typed, so every wrong field is
named at once.

ID numbers and phones already known (the applicant's profile, or the saved draft) are never
written back into the page: the input stays empty, the masked value is shown beside it, and an
empty input keeps the known value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from yiwang.cases.fields import (
    DELIVERY_FROM_CATALOG,
    MAX_FORM_TEXT,
    MAX_FORM_TEXTAREA,
    MAX_REASON,
    PERSONAL_FORM_TYPES,
    Delivery,
    clean_form_value,
)
from yiwang.cases.presenters import display_form_value

INPUT_TYPES = {"date": "date", "email": "email", "phone": "tel", "number": "text"}
INPUT_MODES = {"number": "decimal", "phone": "tel", "id_number": "text"}
ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,application/pdf,image/jpeg,image/png"
# Service error keys → the form's field names.
DELIVERY_KEYS = {"recipient": "ems_recipient", "phone": "ems_phone", "address": "ems_address"}


def form_field_name(key: str) -> str:
    return f"form_{key}"


def material_field_name(order: int) -> str:
    return f"material_{order}"


def offered_deliveries(version: Any) -> list[str]:
    """The item's delivery methods as the case's choices (window pick-up when none is set)."""
    offered = [
        DELIVERY_FROM_CATALOG[m]
        for m in version.delivery_methods or []
        if m in DELIVERY_FROM_CATALOG
    ]
    return list(dict.fromkeys(offered)) or [Delivery.PICKUP]


class ServiceErrorsMixin:
    """Puts a service's ValidationError next to the fields it names."""

    def service_key(self, key: str) -> str | None:
        if key.startswith("form."):
            return form_field_name(key[len("form.") :])
        if key.startswith("delivery."):
            return DELIVERY_KEYS.get(key[len("delivery.") :])
        return key

    def add_service_errors(self, exc: ValidationError, *, field: str | None = None) -> None:
        """`field` takes errors on the file itself (an upload's "file" and "material")."""
        form: forms.BaseForm = self  # type: ignore[assignment]
        if not hasattr(exc, "error_dict"):
            form.add_error(field, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            name = field if field and key in ("file", "material") else self.service_key(key)
            form.add_error(name if name in form.fields else None, messages)


class ApplicationForm(ServiceErrorsMixin, forms.Form):
    """The application: the version's form fields, a file per material that is to be handed
    in (免提交 ones are not asked), 告知承诺 where the item allows it, and the delivery."""

    action = forms.ChoiceField(
        choices=[("save", _("保存草稿")), ("submit", _("提交申请"))], required=False
    )

    def __init__(
        self,
        *args: Any,
        version: Any,
        known: Mapping[str, str] | None = None,
        known_address: Mapping[str, str] | None = None,
        materials: Iterable[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        self.known = dict(known or {})
        self.known_address = dict(known_address or {})
        self.specs = list(version.form_fields or [])
        self.hints: dict[str, str] = {}
        for spec in self.specs:
            key, kind = str(spec["key"]), str(spec.get("type", "text"))
            name = form_field_name(key)
            attrs: dict[str, str] = {"autocomplete": "off"}
            if kind in INPUT_MODES:
                attrs["inputmode"] = INPUT_MODES[kind]
            limit = MAX_FORM_TEXTAREA if kind == "textarea" else MAX_FORM_TEXT
            widget: forms.Widget
            if kind == "textarea":
                widget = forms.Textarea(attrs={**attrs, "rows": 3})
            else:
                widget = forms.TextInput(attrs=attrs)
                widget.input_type = INPUT_TYPES.get(kind, "text")
            self.fields[name] = forms.CharField(
                label=str(spec.get("label", key)),
                required=False,
                max_length=limit,
                strip=True,
                widget=widget,
            )
            known_value = self.known.get(key, "")
            if kind in PERSONAL_FORM_TYPES:
                if known_value:
                    self.hints[name] = display_form_value(kind, known_value)
            elif known_value and not self.is_bound:
                self.initial[name] = known_value
        self.deliveries = offered_deliveries(version)
        self.fields["delivery"] = forms.ChoiceField(
            label=_("结果送达方式"),
            choices=[(d, Delivery(d).label) for d in self.deliveries],
            widget=forms.RadioSelect,
            initial=self.deliveries[0],
        )
        if Delivery.EMS in self.deliveries:
            self.fields["ems_recipient"] = forms.CharField(
                label=_("收件人"), required=False, max_length=MAX_FORM_TEXT
            )
            self.fields["ems_phone"] = forms.CharField(
                label=_("收件人电话"),
                required=False,
                max_length=20,
                widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
            )
            self.fields["ems_address"] = forms.CharField(
                label=_("邮寄地址"), required=False, max_length=MAX_FORM_TEXT
            )
            if not self.is_bound:
                self.initial["ems_recipient"] = self.known_address.get("recipient", "")
                self.initial["ems_address"] = self.known_address.get("address", "")
            if self.known_address.get("phone"):
                self.hints["ems_phone"] = display_form_value("phone", self.known_address["phone"])
        if version.commitment_based:
            self.fields["commitment"] = forms.BooleanField(
                label=_("我选择告知承诺方式办理，并签署以下承诺"), required=False
            )
        self.material_orders = []
        for material in materials:
            if material.exempt:
                continue
            self.material_orders.append(material.order)
            self.fields[material_field_name(material.order)] = forms.FileField(
                label=material.name,
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for spec in self.specs:
            key, kind = str(spec["key"]), str(spec.get("type", "text"))
            name = form_field_name(key)
            value = data.get(name) or ""
            if value:
                try:
                    data[name] = clean_form_value(kind, value, str(spec.get("label", key)))
                except ValidationError as exc:
                    self.add_error(name, exc.messages)
        phone = data.get("ems_phone") or ""
        if phone:
            try:
                data["ems_phone"] = clean_form_value("phone", phone, str(_("收件人电话")))
            except ValidationError as exc:
                self.add_error("ems_phone", exc.messages)
        return data

    @property
    def wants_submit(self) -> bool:
        return self.cleaned_data.get("action") == "submit"

    def form_values(self) -> dict[str, str]:
        """Every form field's value: what was typed, or the known ID number / phone kept."""
        values = {}
        for spec in self.specs:
            key, kind = str(spec["key"]), str(spec.get("type", "text"))
            value = self.cleaned_data.get(form_field_name(key)) or ""
            if not value and kind in PERSONAL_FORM_TYPES:
                value = self.known.get(key, "")
            values[key] = value
        return values

    def chosen_delivery(self) -> str:
        return str(self.cleaned_data.get("delivery") or self.deliveries[0])

    def chosen_address(self) -> dict[str, str] | None:
        if self.chosen_delivery() != Delivery.EMS:
            return None
        return {
            "recipient": self.cleaned_data.get("ems_recipient") or "",
            "phone": self.cleaned_data.get("ems_phone") or self.known_address.get("phone", ""),
            "address": self.cleaned_data.get("ems_address") or "",
        }

    def chosen_commitment(self) -> bool:
        return bool(self.cleaned_data.get("commitment"))

    def uploads(self) -> list[tuple[int, str, Any]]:
        """(material order, field name, file) of the files chosen."""
        chosen = []
        for order in self.material_orders:
            name = material_field_name(order)
            file = self.cleaned_data.get(name)
            if file:
                chosen.append((order, name, file))
        return chosen

    def form_field_rows(self) -> list[tuple[Any, str]]:
        """(bound field, masked known value) for the template."""
        return [
            (
                self[form_field_name(str(s["key"]))],
                self.hints.get(form_field_name(str(s["key"])), ""),
            )
            for s in self.specs
        ]


class CorrectionForm(ServiceErrorsMixin, forms.Form):
    """补正: a new file for each material the correction notice lists."""

    def __init__(self, *args: Any, entries: Iterable[Mapping[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orders = []
        for entry in entries:
            order = entry.get("order")
            if order is None:
                continue
            self.orders.append(int(order))
            self.fields[material_field_name(int(order))] = forms.FileField(
                label=str(entry.get("name", "")),
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
            )

    def uploads(self) -> list[tuple[int, str, Any]]:
        chosen = []
        for order in self.orders:
            name = material_field_name(order)
            file = self.cleaned_data.get(name)
            if file:
                chosen.append((order, name, file))
        return chosen


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回原因（选填）"), required=False, max_length=MAX_REASON, strip=True
    )
