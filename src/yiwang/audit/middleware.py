"""Makes the acting user and client address of the current request known to audit services."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .context import audit_context, client_address_from_request


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_context(
            user=request.user if getattr(request, "user", None) else None,
            client_address=client_address_from_request(request),
        ):
            return self.get_response(request)
