"""The bureau's limits page (诉求办理时限): the limits table per source and kind (blank = any)
with the row that applies to each pair explained, and a form to set a row. Reads through
appeals.selectors and appeals.sla, writes through services.sla_limit_set."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from yiwang.appeals import selectors, services
from yiwang.appeals.fields import TicketKind, TicketSource
from yiwang.appeals.workflow import MANAGE_SLA
from yiwang.org.decorators import staff_page

limits_page = staff_page(
    not_staff=gettext_noop("诉求办理时限仅供工作人员使用。"),
    may=lambda user: user.has_perm(MANAGE_SLA),
    not_allowed=gettext_noop("您的角色不能设置诉求办理时限。"),
)

ANY = [("", gettext_lazy("全部"))]


class LimitForm(forms.Form):
    source = forms.ChoiceField(label=gettext_lazy("来源"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("类别"), required=False)
    sign_for_days = forms.IntegerField(
        label=gettext_lazy("签收时限（工作日）"), min_value=0, max_value=365
    )
    handling_days = forms.IntegerField(
        label=gettext_lazy("办理时限（工作日）"), min_value=0, max_value=365
    )
    feedback_days = forms.IntegerField(
        label=gettext_lazy("首次反馈时限（工作日）"),
        min_value=0,
        max_value=365,
        required=False,
        help_text=gettext_lazy("涉企诉求等须先向诉求人反馈的填写；留空表示不要求。"),
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [*ANY, *TicketSource.choices]  # type: ignore[attr-defined]
        self.fields["kind"].choices = [*ANY, *TicketKind.choices]  # type: ignore[attr-defined]


@limits_page
def limits(request: HttpRequest) -> HttpResponse:
    form = LimitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sla_limit_set(
                actor=request.user,  # type: ignore[arg-type]
                source=data["source"],
                kind=data["kind"],
                sign_for_days=data["sign_for_days"],
                handling_days=data["handling_days"],
                feedback_days=data["feedback_days"],
                note=data["note"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("办理时限已保存，此后派单的工单按新时限计算。"))
            return redirect(reverse("appeals:limits"))
    return render(
        request,
        "appeals/workbench/limits.html",
        {"rows": selectors.sla_limit_list(), "form": form},
        status=422 if request.method == "POST" else 200,
    )
