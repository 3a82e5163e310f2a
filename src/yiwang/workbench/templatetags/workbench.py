"""The workbench shell: top-bar identity and side navigation, for every signed-in staff page
(this app's and the other apps' pages that extend workbench/base.html)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django import template
from django.apps import apps
from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yiwang.org.roles import may_use_admin_site
from yiwang.org.selectors import is_staff_user

from ..selectors import StaffSummary, staff_summary

register = template.Library()


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    icon: str
    current: bool


@dataclass(frozen=True)
class NavSection:
    key: str
    label: str
    items: list[NavItem]


# (label, URL name, icon, exact match, permission or None, admin site)
_WORK = ((_("工作台首页"), "workbench:home", "home", True, None, False),)
_ORG = (
    (_("本部门人员"), "org:staff-list", "people", False, None, False),
    (_("窗口"), "org:window-list", "window", False, None, False),
)
_SYSTEM = (
    (_("审计日志"), "audit:event-list", "log", False, "audit.view_auditevent", False),
    (_("API 文档"), "api-docs", "api", False, None, False),
    (_("主数据管理"), "admin:index", "database", False, None, True),
)
_ACCOUNT = ((_("修改密码"), "org:password-change", "lock", False, None, False),)


def _items(request: HttpRequest, entries: tuple, scope_kind: str) -> list[NavItem]:
    user = request.user
    items = []
    for label, name, icon, exact, perm, admin_site in entries:
        if perm and not user.has_perm(perm):
            continue
        if admin_site and not may_use_admin_site(user):
            continue
        url = reverse(name)
        if name == "org:staff-list" and scope_kind == "region":
            label = _("工作人员")
        current = request.path == url if exact else request.path.startswith(url)
        items.append(NavItem(label=str(label), url=url, icon=icon, current=current))
    return items


NAV_PARTIAL = "{label}/workbench_nav.html"


@lru_cache(maxsize=1)
def app_nav_partials() -> tuple[str, ...]:
    """Side-navigation partials contributed by other apps, in INSTALLED_APPS order.

    An app adds its own section to the workbench navigation by providing the template
    ``<app_label>/workbench_nav.html``: one ``<div>`` holding an ``<h2>`` and a ``<ul>`` of
    links (the markup of the sections below)."""
    found = []
    for config in apps.get_app_configs():
        if config.label == "workbench":
            continue
        name = NAV_PARTIAL.format(label=config.label)
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        found.append(name)
    return tuple(found)


@register.simple_tag(takes_context=True)
def workbench_shell(context: template.Context) -> dict[str, Any]:
    """Everything the shell shows about the signed-in staff member, computed once per request."""
    request: HttpRequest | None = context.get("request")
    if request is None or not is_staff_user(request.user):
        return {
            "summary": None,
            "first_sections": [],
            "app_nav_partials": (),
            "other_sections": [],
            "sign_out_url": None,
        }
    cached = getattr(request, "_workbench_shell", None)
    if cached is not None:
        return cached
    summary: StaffSummary = staff_summary(request.user)  # type: ignore[arg-type]
    sections = [
        NavSection("main", str(_("工作")), _items(request, _WORK, summary.scope_kind)),
        NavSection("org", str(_("组织")), _items(request, _ORG, summary.scope_kind)),
        NavSection("system", str(_("系统")), _items(request, _SYSTEM, summary.scope_kind)),
        NavSection("account", str(_("账号")), _items(request, _ACCOUNT, summary.scope_kind)),
    ]
    sections = [section for section in sections if section.items]
    shell = {
        "summary": summary,
        # The home section, then the apps' own sections, then organisation, system, account.
        "first_sections": sections[:1],
        "app_nav_partials": app_nav_partials(),
        "other_sections": sections[1:],
        "sign_out_url": reverse("org:sign-out"),
    }
    request._workbench_shell = shell  # type: ignore[attr-defined]
    return shell


_ICONS = {
    "home": "M3 10.5 12 3l9 7.5V21h-6v-6H9v6H3z",
    "people": "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm-7 10c0-3.9 3.1-7 7-7s7 3.1 7 7zm15-10a3 3 0 1 0"
    " 0-6m1.5 9.5c2.1.8 3.5 2.9 3.5 5.5h-3",
    "window": "M3 4h18v12H3zM8 20h8M12 16v4",
    "log": "M6 3h9l4 4v14H6zM9 10h7M9 14h7M9 18h4",
    "api": "M8 7l-5 5 5 5M16 7l5 5-5 5M14 4l-4 16",
    "database": "M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zm0 0v12c0 1.7 3.6 3 8 3s8-1.3"
    " 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3",
    "lock": "M5 11h14v10H5zM8 11V7a4 4 0 0 1 8 0v4M12 15v2",
}


@register.inclusion_tag("workbench/includes/icon.html")
def workbench_icon(name: str) -> dict[str, str]:
    return {"path": _ICONS.get(name, "")}
