"""The citizen search page (智能导办) at /search/?q=…: public, works without JavaScript; with
htmx the results refresh as the citizen types (the same view answers with the results part)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from yiwang.catalog.search.query import clean_query, guided_search

DEFAULT_RESULTS = 10
EXAMPLE_QUERIES = ("开饭店要办什么证", "身份证丢了怎么办", "生孩子", "买二手房过户", "shebaoka")


def search(request: HttpRequest) -> HttpResponse:
    """Ranked items and bundles for an everyday description of a need."""
    query = clean_query(request.GET.get("q", ""))
    limit = int(getattr(settings, "YIWANG_SEARCH_RESULTS", DEFAULT_RESULTS))
    outcome = guided_search(query, limit=limit) if query else None
    context = {"query": query, "outcome": outcome, "examples": EXAMPLE_QUERIES}
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )
    template = "catalog/search_results.html" if partial else "catalog/search.html"
    response = render(request, template, context)
    # The same URL answers with a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response
