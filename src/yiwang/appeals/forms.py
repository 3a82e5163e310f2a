"""Forms of the ticket pages (诉求工单): the clerk's entry form, the portal's 我的诉求 form and
rating, the action forms of the ticket page and the dispatch desk, and the hotline import upload.
They only shape input: every rule on a ticket (which states, which texts, which limits) is
checked by appeals.services, whose Chinese messages the views put back next to the fields here.
The choices come from appeals.fields (labels marked there, translated when shown)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yiwang.appeals.fields import (
    CLERK_SOURCES,
    CONTENT_MAX,
    MAX_EXTENSION_DAYS,
    TEXT_MAX,
    TITLE_MAX,
    Satisfaction,
    TicketKind,
    TicketSource,
)
from yiwang.org.models import Department

ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,application/pdf,image/jpeg,image/png"
MAX_ATTACHMENTS = 5
# The entry form's sources, in the order a clerk meets them (12345 first).
ENTRY_SOURCES = [s for s in TicketSource if s in CLERK_SOURCES]


def _choices(enum: Iterable[Any], *, blank: str = "") -> list[tuple[str, str]]:
    rows = [(str(e.value), gettext(str(e.label))) for e in enum]
    return [("", blank), *rows] if blank else rows


def _choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class ServiceErrorsMixin:
    """Puts a service's ValidationError next to the fields it names (else on the form)."""

    def add_service_errors(self, exc: ValidationError) -> None:
        form: forms.BaseForm = self  # type: ignore[assignment]
        if not hasattr(exc, "error_dict"):
            form.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            name = "attachments" if key == "file" else key
            form.add_error(name if name in form.fields else None, messages)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to MAX_ATTACHMENTS files in one input; their type and size are checked by the
    service (common.uploads, by content)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if not data:
            return []
        rows = data if isinstance(data, list | tuple) else [data]
        if len(rows) > MAX_ATTACHMENTS:
            raise ValidationError(
                gettext("附件最多 %(n)d 个。") % {"n": MAX_ATTACHMENTS}, code="too_many"
            )
        return [single(d, initial) for d in rows if d]


def attachment_pairs(files: Iterable[Any]) -> list[tuple[str, Any]]:
    """(file name, file) pairs as appeals.services.ticket_register takes them."""
    return [(f.name, f) for f in files]


class _TicketFields(ServiceErrorsMixin, forms.Form):
    # Required texts are checked by the service (its sentence names the field).
    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX, required=False)
    content = forms.CharField(
        label=_("诉求内容"),
        max_length=CONTENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    address = forms.CharField(label=_("地点"), max_length=200, required=False)
    attachments = AttachmentsField(label=_("附件"))


class EntryForm(_TicketFields):
    """The clerk's entry (12345 热线, 涉企服务窗口, 办不成事反映窗口 …): the caller, the
    appeal, its kind when known (else the bureau classifies it), urgency and the source's own
    number."""

    field_order = [
        "source",
        "external_number",
        "kind",
        "urgent",
        "applicant_name",
        "applicant_phone",
        "anonymous",
        "title",
        "content",
        "address",
        "attachments",
    ]

    source = forms.ChoiceField(label=_("来源"))
    external_number = forms.CharField(
        label=_("来源编号"),
        max_length=64,
        required=False,
        help_text=_("热线或窗口自己的工单号（有则填写，同一来源不会重复登记）。"),
    )
    kind = forms.ChoiceField(label=_("诉求类别"), required=False)
    urgent = forms.BooleanField(label=_("紧急"), required=False)
    applicant_name = forms.CharField(label=_("诉求人姓名"), max_length=64, required=False)
    applicant_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    anonymous = forms.BooleanField(label=_("匿名"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "source").choices = _choices(ENTRY_SOURCES)
        _choice_field(self, "kind").choices = _choices(
            TicketKind, blank=gettext("暂不确定（由派单员分类）")
        )
        self.fields["applicant_phone"].widget.input_type = "tel"


class PortalTicketForm(_TicketFields):
    """我的诉求: a signed-in citizen's appeal (his name and phone come from his account)."""

    field_order = ["kind", "title", "content", "address", "attachments"]

    kind = forms.ChoiceField(label=_("诉求类别"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "kind").choices = _choices(
            TicketKind, blank=gettext("请选择（可不选）")
        )


class RateForm(ServiceErrorsMixin, forms.Form):
    """The citizen rates the reply (回访满意度); 不满意 sends the ticket back for redo."""

    satisfaction = forms.ChoiceField(
        label=_("对答复是否满意"), widget=forms.RadioSelect, required=False
    )
    note = forms.CharField(
        label=_("意见"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A citizen rating online was reached: 无法联系 is the bureau's word, not his.
        _choice_field(self, "satisfaction").choices = _choices(
            s for s in Satisfaction if s != Satisfaction.UNREACHABLE
        )


# --- The ticket page's actions ---------------------------------------------------------------


def _reason(label: Any, *, rows: int = 3) -> forms.CharField:
    """A typed text. Never required here: the service says which are, in its own words, next
    to the field."""
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class EmptyForm(ServiceErrorsMixin, forms.Form):
    pass


class ReasonForm(ServiceErrorsMixin, forms.Form):
    reason = _reason(_("理由"))


class SendBackForm(ServiceErrorsMixin, forms.Form):
    reason = _reason(_("退单理由"))


class ReplyForm(ServiceErrorsMixin, forms.Form):
    reply = _reason(_("答复内容"), rows=5)


class NoteForm(ServiceErrorsMixin, forms.Form):
    note = _reason(_("说明"))


class HandleForm(ServiceErrorsMixin, forms.Form):
    note = _reason(_("办理情况"))
    feedback = forms.BooleanField(label=_("同时告知诉求人（作为阶段性反馈）"), required=False)


class ExtensionForm(ServiceErrorsMixin, forms.Form):
    # The bounds are the service's (MAX_EXTENSION_DAYS); the input only hints them.
    days = forms.IntegerField(
        label=_("延期工作日"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_EXTENSION_DAYS}),
    )
    reason = _reason(_("延期理由"))


class ExtensionDecideForm(ServiceErrorsMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[("approve", _("批准延期")), ("refuse", _("不予批准"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择是否批准延期。")},
    )
    note = _reason(_("审核意见"))


class ClassifyForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("诉求类别"), required=False)
    urgent = forms.BooleanField(label=_("紧急"), required=False)
    note = forms.CharField(label=_("说明"), max_length=TEXT_MAX, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "kind").choices = _choices(TicketKind, blank=gettext("请选择"))


class DispatchForm(ServiceErrorsMixin, forms.Form):
    """派单 / 重派: the lead department, assisting departments, the instruction. `departments`
    are those of the dispatcher's scope (a selector's queryset)."""

    lead = forms.ModelChoiceField(
        label=_("主办部门"), queryset=Department.objects.none(), empty_label=_("请选择")
    )
    assisting = forms.ModelMultipleChoiceField(
        label=_("协办部门"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    instruction = _reason(_("交办意见"))

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["lead"]).queryset = departments
        cast(forms.ModelMultipleChoiceField, self.fields["assisting"]).queryset = departments
        self.fields["lead"].error_messages["required"] = gettext("请选择主办部门。")


class FollowUpForm(ServiceErrorsMixin, forms.Form):
    """The bureau's follow-up call (回访)."""

    satisfaction = forms.ChoiceField(
        label=_("回访满意度"), widget=forms.RadioSelect, required=False
    )
    note = _reason(_("回访情况"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "satisfaction").choices = _choices(Satisfaction)


class MergeForm(ServiceErrorsMixin, forms.Form):
    into = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明"), max_length=TEXT_MAX, required=False)


class AttachForm(ServiceErrorsMixin, forms.Form):
    attachments = AttachmentsField(label=_("附件"))

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data["attachments"]
        if not files:
            raise ValidationError(gettext("请选择要上传的文件。"))
        return files


# --- The hotline import ------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("12345 工单导出文件（xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": _("请选择要导入的文件。")},
    )
