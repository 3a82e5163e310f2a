"""The portal shell: site name and navigation for every citizen-facing page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from yiwang.org.models import UserKind

from ..selectors import applicant_display_name, county_name, is_applicant_user

register = template.Library()


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


@register.simple_tag(takes_context=True)
def portal_shell(context: template.Context) -> dict[str, Any]:
    request: HttpRequest | None = context.get("request")
    cached = getattr(request, "_portal_shell", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    applicant = is_applicant_user(user)
    path = request.path if request is not None else ""
    entries = [(_("首页"), "portal:home", True), (_("办事指南"), "portal:search", False)]
    entries.append((_("预约办事"), "hall-portal:book", False))
    if applicant:
        entries.append((_("我的办件"), "cases-portal:list", False))
        entries.append((_("我的证照"), "licenses-portal:list", False))
        entries.append((_("我的预约"), "hall-portal:mine", False))
        entries.append((_("我的诉求"), "appeals-portal:list", False))
    nav = []
    for label, name, exact in entries:
        url = reverse(name)
        nav.append(NavItem(label, url, path == url if exact else path.startswith(url)))
    shell = {
        "county_name": county_name(),
        "nav": nav,
        "is_applicant": applicant,
        "is_staff_user": bool(getattr(user, "is_authenticated", False))
        and getattr(user, "kind", None) == UserKind.STAFF,
        "display_name": applicant_display_name(user) if applicant else "",
        "sign_in_url": reverse("org:citizen-sign-in"),
        "register_url": reverse("org:citizen-register"),
        "staff_sign_in_url": reverse("org:sign-in"),
        "sign_out_url": reverse("org:sign-out"),
        "workbench_url": reverse("workbench:home"),
    }
    if request is not None:
        request._portal_shell = shell  # type: ignore[attr-defined]
    return shell
