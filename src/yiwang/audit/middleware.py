"""Makes the acting user and client address of the current request known to audit services."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from .context import audit_context, client_address_from_request


class AuditContextMiddleware:
    """Runs after AuthenticationMiddleware. The user is looked up when the first event is
    written, not now: DRF authenticates API tokens inside the view and only then sets
    `request.user`, so reading it here would record token callers as anonymous."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_context(
            user=SimpleLazyObject(lambda: getattr(request, "user", None)),
            client_address=client_address_from_request(request),
        ):
            return self.get_response(request)
