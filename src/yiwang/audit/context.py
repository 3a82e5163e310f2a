"""Request-scoped audit context (who acts, from which address), held in a context variable."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class AuditContext:
    user: Any = None
    client_address: str = ""


_EMPTY = AuditContext()
_current: ContextVar[AuditContext | None] = ContextVar("yiwang_audit_context", default=None)


def current_audit_context() -> AuditContext:
    """The acting user and client address of the current request (empty outside requests)."""
    return _current.get() or _EMPTY


def in_request() -> bool:
    """True while a request runs through AuditContextMiddleware (or an explicit context)."""
    return _current.get() is not None


@contextlib.contextmanager
def audit_context(*, user: Any = None, client_address: str = "") -> Iterator[AuditContext]:
    context = AuditContext(user=user, client_address=client_address)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def client_address_from_request(request: HttpRequest) -> str:
    # Only trust X-Forwarded-For behind the documented reverse proxy (YIWANG_HTTPS / proxy set).
    if getattr(settings, "YIWANG_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or ""
