"""Workbench pages: the signed-in staff member's home."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.org.decorators import staff_page
from yiwang.org.roles import may_use_admin_site

from .selectors import (
    calendar_unconfirmed_years,
    is_working_day,
    list_text,
    staff_summary,
    todo_groups,
)


@dataclass(frozen=True)
class QuickLink:
    label: str
    hint: str
    url: str


def _quick_links(request: HttpRequest) -> list[QuickLink]:
    candidates = [
        (_("本部门人员"), _("查看人员与角色"), "org:staff-list", False),
        (_("窗口"), _("大厅窗口与人员"), "org:window-list", False),
        (_("修改密码"), _("定期更换登录密码"), "org:password-change", False),
        (_("API 文档"), _("对接系统接口说明"), "api-docs", False),
        (_("主数据管理"), _("区划、部门、大厅"), "admin:index", True),
    ]
    return [
        QuickLink(label=label, hint=hint, url=reverse(name))
        for label, hint, name, admin_site in candidates
        if not admin_site or may_use_admin_site(request.user)
    ]


@staff_page(others_to="portal:home")
def home(request: HttpRequest) -> HttpResponse:
    """Staff home: who I am, what I may see, my to-do list and the calendar's state.

    Citizens and enterprises have no workbench: they are sent to the portal."""
    today = timezone.localdate()
    unconfirmed = calendar_unconfirmed_years(today)
    context = {
        "summary": staff_summary(request.user),  # type: ignore[arg-type]
        "today": today,
        "today_is_working_day": is_working_day(today),
        "unconfirmed_years": unconfirmed,
        "unconfirmed_years_text": list_text([str(year) for year in unconfirmed or []]),
        "quick_links": _quick_links(request),
        "todo_groups": todo_groups(request.user),  # type: ignore[arg-type]
    }
    return render(request, "workbench/home.html", context)
