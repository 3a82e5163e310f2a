"""Citizen portal pages: the home page (the guide search is the catalogue's,
yiwang.catalog.views.search, mounted as portal:search; 我的办件 and applying are the cases
app's, yiwang.cases.views.portal, mounted as cases-portal)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import (
    HOT_QUERIES,
    LEGAL_PERSON_THEMES,
    PERSON_THEMES,
    hall_list,
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
