"""Forms of the case workbench (窗口收件, the case page's actions, bulk actions). They only
collect what the staff member typed; every rule is checked by cases.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.cases.fields import MAX_REASON, Channel, Decision, Delivery, SpecialProcedureKind
from yiwang.org.models import ApplicantKind

REASON_MAX = MAX_REASON * 4  # what services._reason accepts
EXTRA_POINTS = 3  # free points (not a material) a correction notice may list


def _text(label: Any, *, required: bool = True, max_length: int = REASON_MAX) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length)


def _area(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- 窗口收件 -----------------------------------------------------------------------------


class ApplicantFindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("申请人类型"), choices=ApplicantKind.choices, initial=ApplicantKind.PERSON
    )
    id_number = forms.CharField(
        label=_("居民身份证号码"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    uscc = forms.CharField(label=_("统一社会信用代码"), required=False, max_length=32)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == ApplicantKind.PERSON and not data.get("id_number", "").strip():
            self.add_error("id_number", _("请填写申请人的居民身份证号码。"))
        if data.get("kind") == ApplicantKind.LEGAL_PERSON and not data.get("uscc", "").strip():
            self.add_error("uscc", _("请填写统一社会信用代码。"))
        return data


class ApplicantRegisterForm(forms.Form):
    """A walk-in applicant not yet registered (no account: he may register one himself)."""

    kind = forms.ChoiceField(label=_("申请人类型"), choices=ApplicantKind.choices)
    name = forms.CharField(label=_("姓名/名称"), max_length=200)
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    id_number = forms.CharField(
        label=_("居民身份证号码"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    uscc = forms.CharField(label=_("统一社会信用代码"), required=False, max_length=32)
    legal_representative = forms.CharField(label=_("法定代表人"), required=False, max_length=64)
    legal_representative_id_number = forms.CharField(
        label=_("法定代表人身份证号码"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class IntakeStartForm(forms.Form):
    """The item and the channel of a walk-in application."""

    item = forms.TypedChoiceField(label=_("申请事项"), coerce=int)
    channel = forms.ChoiceField(
        label=_("收件方式"),
        choices=[(Channel.WINDOW, _("窗口收件")), (Channel.ASSISTED, _("帮办代办"))],
        initial=Channel.WINDOW,
    )
    consent = _text(_("申请人授权说明（帮办代办）"), required=False, max_length=MAX_REASON)

    def __init__(self, *args: Any, items: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[int, str]]] = {}
        for item in items:
            groups.setdefault(item.department.name, []).append((item.pk, f"{item}（{item.code}）"))
        field = self.fields["item"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("请选择事项"))] + [(dept, rows) for dept, rows in groups.items()]


class IntakeApplicationForm(forms.Form):
    """The application form of the draft: the version's fields, the delivery, the 告知承诺
    choice, and per material the paper original received or a scan. Personal fields already
    on file are shown masked and kept when left empty."""

    delivery = forms.ChoiceField(label=_("结果送达方式"), choices=Delivery.choices)
    recipient = forms.CharField(
        label=_("收件人"), required=False, max_length=64, help_text=_("免费邮寄时填写")
    )
    recipient_phone = forms.CharField(label=_("收件人电话"), required=False, max_length=20)
    address = forms.CharField(label=_("邮寄地址"), required=False, max_length=200)
    commitment = forms.BooleanField(label=_("申请人选择告知承诺"), required=False)

    def __init__(
        self,
        *args: Any,
        form_fields: list[dict[str, Any]],
        stored: dict[str, str],
        materials: list[Any],
        delivery_choices: list[tuple[str, str]],
        commitment_allowed: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        from yiwang.cases.presenters import display_form_value

        self.personal_keys: set[str] = set()
        self.form_keys: list[str] = []
        for spec in form_fields:
            key, kind = str(spec["key"]), str(spec.get("type", "text"))
            name = f"form_{key}"
            self.form_keys.append(key)
            personal = kind in ("id_number", "phone")
            widget: forms.Widget = (
                forms.Textarea(attrs={"rows": 3}) if kind == "textarea" else forms.TextInput()
            )
            help_text = ""
            initial = stored.get(key, "")
            if personal:
                self.personal_keys.add(key)
                widget.attrs["autocomplete"] = "off"
                if initial:
                    help_text = _("已登记：%(value)s（不改请留空）") % {
                        "value": display_form_value(kind, initial)
                    }
                initial = ""
            self.fields[name] = forms.CharField(
                label=str(spec.get("label", key)),
                required=False,
                max_length=5000,
                initial=initial,
                help_text=help_text,
                widget=widget,
            )
        delivery = self.fields["delivery"]
        assert isinstance(delivery, forms.ChoiceField)
        delivery.choices = delivery_choices
        if not commitment_allowed:
            del self.fields["commitment"]
        self.material_orders: list[int] = []
        for row in materials:
            if not row.asked:  # shared (共享获取) or stood in for by a valid licence (免提交)
                continue
            self.material_orders.append(row.order)
            self.fields[f"paper_{row.order}"] = forms.BooleanField(
                label=_("纸质原件已收"), required=False, initial=row.paper
            )
            self.fields[f"scan_{row.order}"] = forms.FileField(label=_("扫描件"), required=False)

    def form_values(self) -> dict[str, str]:
        """What to store: the values typed; a personal field left empty keeps its value."""
        values = {}
        for key in self.form_keys:
            value = (self.cleaned_data.get(f"form_{key}") or "").strip()
            if value or key not in self.personal_keys:
                values[key] = value
        return values

    def address_values(self) -> dict[str, str]:
        return {
            "recipient": self.cleaned_data.get("recipient", ""),
            "phone": self.cleaned_data.get("recipient_phone", ""),
            "address": self.cleaned_data.get("address", ""),
        }


# --- The case page's actions ---------------------------------------------------------------


class AcceptForm(forms.Form):
    deferred = forms.TypedMultipleChoiceField(
        label=_("容缺受理的材料"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("缺少的非关键材料可容缺受理，申请人须在期限内补交。"),
    )
    note = _text(_("备注"), required=False)

    def __init__(self, *args: Any, deferrable: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        field = self.fields["deferred"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(m.order, m.name) for m in deferrable]
        if not deferrable:
            del self.fields["deferred"]


class NotAcceptForm(forms.Form):
    reason = _area(_("不予受理的理由"))


class CorrectionForm(forms.Form):
    """补正告知 (一次性告知): every material with a tick and what is wrong, and free points."""

    note = _area(_("说明"), required=False)

    def __init__(self, *args: Any, materials: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.material_orders = []
        for row in materials:
            if row.exempt:
                continue
            self.material_orders.append(row.order)
            self.fields[f"m_{row.order}"] = forms.BooleanField(label=row.name, required=False)
            self.fields[f"n_{row.order}"] = _text(_("补正要求"), required=False)
        for index in range(1, EXTRA_POINTS + 1):
            self.fields[f"x_name_{index}"] = _text(
                _("其他补正事项"), required=False, max_length=200
            )
            self.fields[f"x_note_{index}"] = _text(_("补正要求"), required=False)

    def material_fields(self) -> list[tuple[Any, Any]]:
        return [(self[f"m_{o}"], self[f"n_{o}"]) for o in self.material_orders]

    def extra_fields(self) -> list[tuple[Any, Any]]:
        return [(self[f"x_name_{i}"], self[f"x_note_{i}"]) for i in range(1, EXTRA_POINTS + 1)]

    def entries(self) -> list[dict[str, Any]]:
        """The entries for services.case_request_correction: a ticked material (a note
        left empty is passed on as empty, for the service to name), a free point named."""
        rows: list[dict[str, Any]] = []
        for order in self.material_orders:
            note = self.cleaned_data.get(f"n_{order}", "").strip()
            if self.cleaned_data.get(f"m_{order}"):
                rows.append({"order": order, "note": note})
        for index in range(1, EXTRA_POINTS + 1):
            name = self.cleaned_data.get(f"x_name_{index}", "").strip()
            note = self.cleaned_data.get(f"x_note_{index}", "").strip()
            if name or note:
                rows.append({"order": None, "name": name, "note": note})
        return rows


class ResubmitForm(forms.Form):
    """补正 at the window: per material the correction notice asked for, the corrected paper
    original received or a scan."""

    def __init__(self, *args: Any, materials: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.material_orders = []
        for row in materials:
            self.material_orders.append(row.order)
            self.fields[f"paper_{row.order}"] = forms.BooleanField(
                label=_("%(name)s：纸质原件已收") % {"name": row.name}, required=False
            )
            self.fields[f"scan_{row.order}"] = forms.FileField(
                label=_("%(name)s：扫描件") % {"name": row.name}, required=False
            )


class NoteForm(forms.Form):
    note = _text(_("意见"), required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("决定"), choices=Decision.choices, widget=forms.RadioSelect
    )
    reason = _area(_("理由（不予许可时必填）"), required=False)
    basis = _area(_("法律依据（不予许可时必填）"), required=False)
    fee = forms.CharField(label=_("应缴金额（元）"), required=False, max_length=16)

    def __init__(self, *args: Any, charges: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not charges:
            del self.fields["fee"]


class PauseForm(forms.Form):
    kind = forms.ChoiceField(label=_("特别程序"), choices=SpecialProcedureKind.choices)
    reason = _text(_("事由"), max_length=MAX_REASON)
    limit_days = forms.IntegerField(label=_("时限（工作日）"), min_value=1, max_value=365)


class ReasonForm(forms.Form):
    reason = _area(_("理由"))


class DeliverForm(forms.Form):
    tracking_number = forms.CharField(label=_("邮件号"), required=False, max_length=40)


class HandOutForm(forms.Form):
    collected_by = forms.CharField(label=_("领取人"), max_length=64)
    # 出件记录 (windows.HandOut): the collector's ID, required under 综合窗口出件.
    collector_id_number = forms.CharField(
        label=_("领取人身份证号码"), required=False, max_length=20
    )
    id_checked = forms.BooleanField(label=_("已核验领取人身份证件"), required=False)


class EmptyForm(forms.Form):
    pass


class VerifyForm(forms.Form):
    confirmed = forms.TypedChoiceField(
        label=_("核查结论"),
        choices=[("1", _("核查属实")), ("0", _("承诺不实"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = _area(_("核查情况"))


# --- Bulk actions ------------------------------------------------------------------------


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("archive", _("归档")),
            ("deliver", _("电子送达")),
            ("hand_out", _("窗口出件")),
            ("pay", _("确认缴费")),
        ]
    )
    cases = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=True)
    collected_by = forms.CharField(label=_("领取人"), required=False, max_length=64)
    queue = forms.CharField(required=False, max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any integers: which cases exist in the caller's scope is the selectors' business.
        field = self.fields["cases"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = (
            [(v, v) for v in self.data.getlist("cases") if str(v).isdigit()]
            if hasattr(self.data, "getlist")
            else []
        )
        field.error_messages["required"] = _("请先勾选办件。")
