"""Sends staff who must change their password (first sign-in, reset) to the change page."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


def exempt_prefixes() -> tuple[str, ...]:
    """Paths a must-change-password session still reaches: assets, the language switch, the
    health check and the API (token clients have no page to be sent to)."""
    prefixes = [reverse("set_language"), reverse("healthz"), reverse("api-root")]
    prefixes += [url for url in (settings.STATIC_URL, settings.MEDIA_URL) if url]
    return tuple(prefixes)


class ForcePasswordChangeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
        ):
            allowed = (reverse("org:password-change"), reverse("org:sign-out"))
            if request.path not in allowed and not request.path.startswith(exempt_prefixes()):
                return redirect("org:password-change")
        return self.get_response(request)
