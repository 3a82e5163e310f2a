"""Request hygiene shared by pages and API."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_ENCODED_NUL = re.compile(r"%00", re.IGNORECASE)


class StripNullCharactersMiddleware:
    """Drop NUL characters from the query string: they are never meaningful in a search or
    filter value, and PostgreSQL refuses them in text (which would be a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query:
            request.META["QUERY_STRING"] = _ENCODED_NUL.sub("", query)
        return self.get_response(request)
