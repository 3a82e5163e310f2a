"""The bureau's responsibility list page (职责清单): every department of its scope with its
entries, a form to add an entry, an edit page per entry (switching one off keeps it on record but
out of routing), and a "try it" box that shows what dispatch help would suggest for a text.
Reads through appeals.dispatch.selectors, writes through appeals.dispatch.services."""

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

from yiwang.appeals.dispatch import selectors as dispatch_selectors
from yiwang.appeals.dispatch import services as dispatch_services
from yiwang.appeals.dispatch.services import EDIT_RESPONSIBILITY
from yiwang.appeals.models import Responsibility
from yiwang.org.decorators import staff_page
from yiwang.org.models import Department, User

TRY_MAX = 2000

editor_page = staff_page(
    not_staff=gettext_noop("职责清单仅供工作人员使用。"),
    may=lambda user: user.has_perm(EDIT_RESPONSIBILITY),
    not_allowed=gettext_noop("您的角色不能编辑职责清单。"),
)


class EntryForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("职责事项"), max_length=200)
    keywords = forms.CharField(
        label=gettext_lazy("关键词"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "诉求内容中出现这些词时建议派往该部门；用顿号、逗号或换行分隔，每个至少两个字。"
        ),
    )
    detail = forms.CharField(
        label=gettext_lazy("职责说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    active = forms.BooleanField(
        label=gettext_lazy("启用（参与派单建议）"), required=False, initial=True
    )


class NewEntryForm(EntryForm):
    department = forms.ModelChoiceField(
        label=gettext_lazy("部门"), queryset=Department.objects.none(), empty_label=None
    )
    field_order = ["department", "title", "keywords", "detail", "active"]

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@editor_page
def responsibility_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    departments = dispatch_selectors.responsibility_lists(user=user)
    chosen = request.GET.get("department", "")
    shown = departments.filter(pk=chosen) if chosen.isdigit() else departments
    form = NewEntryForm(
        request.POST if request.method == "POST" else None,
        departments=departments,
        initial={"department": chosen} if chosen.isdigit() else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = dispatch_services.responsibility_create(
                actor=user,
                department=data["department"],
                title=data["title"],
                keywords=data["keywords"],
                detail=data["detail"],
                active=data["active"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("已为%(department)s添加职责事项“%(title)s”。")
                % {"department": entry.department.name, "title": entry.title},
            )
            return redirect(
                f"{reverse('appeals:responsibilities')}?department={entry.department_id}"
            )
    text = request.GET.get("text", "").strip()[:TRY_MAX]
    suggestions = dispatch_selectors.suggestions_for_text(text, user=user) if text else []
    return render(
        request,
        "appeals/workbench/responsibilities.html",
        {
            "departments": departments,
            "shown": shown,
            "chosen": chosen,
            "form": form,
            "text": text,
            "suggestions": suggestions,
        },
        status=422 if request.method == "POST" else 200,
    )


@editor_page
def responsibility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    entry: Responsibility = dispatch_selectors.responsibility_get_for(user=user, pk=pk)
    form = EntryForm(
        request.POST if request.method == "POST" else None,
        initial={
            "title": entry.title,
            "keywords": entry.keywords,
            "detail": entry.detail,
            "active": entry.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dispatch_services.responsibility_update(
                actor=user,
                entry=entry,
                title=data["title"],
                keywords=data["keywords"],
                detail=data["detail"],
                active=data["active"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("职责事项“%(title)s”已保存。") % {"title": data["title"]})
            return redirect(
                f"{reverse('appeals:responsibilities')}?department={entry.department_id}"
            )
    return render(
        request,
        "appeals/workbench/responsibility_edit.html",
        {"entry": entry, "form": form},
        status=422 if request.method == "POST" else 200,
    )
