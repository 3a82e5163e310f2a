"""Citizen portal pages: home, guide search (until the catalogue lands) and my cases."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from .selectors import (
    HOT_QUERIES,
    LEGAL_PERSON_THEMES,
    PERSON_THEMES,
    hall_list,
    is_applicant_user,
)

MAX_QUERY_LENGTH = 100


def home(request: HttpRequest) -> HttpResponse:
    """Search box, popular themes and the service halls. Public: no sign-in needed."""
    context = {
        "halls": list(hall_list()),
        "person_themes": PERSON_THEMES,
        "legal_person_themes": LEGAL_PERSON_THEMES,
        "hot_queries": HOT_QUERIES,
    }
    return render(request, "portal/home.html", context)


def search(request: HttpRequest) -> HttpResponse:
    """The portal's search box. Forwards to the catalogue's guided search (URL name
    ``guide:search``) once it exists; until then the page says the catalogue is being built."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    try:
        guided_search = reverse("guide:search")
    except NoReverseMatch:
        return render(request, "portal/search.html", {"query": query})
    return redirect(f"{guided_search}?{urlencode({'q': query})}" if query else guided_search)


@login_required(login_url="org:citizen-sign-in")
def my_cases(request: HttpRequest) -> HttpResponse:
    """A signed-in citizen's or enterprise's cases (none can exist before the cases app)."""
    if not is_applicant_user(request.user):
        return redirect("workbench:home")
    return render(request, "portal/my_cases.html")
