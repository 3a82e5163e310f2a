"""Citizen portal pages: home and my cases (the guide search is the catalogue's,
yiwang.catalog.views.search, mounted as portal:search)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .selectors import (
    HOT_QUERIES,
    LEGAL_PERSON_THEMES,
    PERSON_THEMES,
    hall_list,
    is_applicant_user,
)


def home(request: HttpRequest) -> HttpResponse:
    """Search box, popular themes and the service halls. Public: no sign-in needed."""
    context = {
        "halls": list(hall_list()),
        "person_themes": PERSON_THEMES,
        "legal_person_themes": LEGAL_PERSON_THEMES,
        "hot_queries": HOT_QUERIES,
    }
    return render(request, "portal/home.html", context)


@login_required(login_url="org:citizen-sign-in")
def my_cases(request: HttpRequest) -> HttpResponse:
    """A signed-in citizen's or enterprise's cases (none can exist before the cases app)."""
    if not is_applicant_user(request.user):
        return redirect("workbench:home")
    return render(request, "portal/my_cases.html")
