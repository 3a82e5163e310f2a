"""Request hygiene shared by pages and API."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

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


class ChineseByDefaultLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the user chose another language (the language cookie set by the
    switcher). The browser's Accept-Language is not followed: the content is Chinese, and many
    counter and kiosk terminals run English-locale browsers."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = (
            chosen if chosen in {code for code, _ in settings.LANGUAGES} else settings.LANGUAGE_CODE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
