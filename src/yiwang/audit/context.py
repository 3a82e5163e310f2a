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


_current: ContextVar[AuditContext] = ContextVar("yiwang_audit_context", default=AuditContext())


def current_audit_context() -> AuditContext:
    return _current.get()


@contextlib.contextmanager
def audit_context(*, user: Any = None, client_address: str = "") -> Iterator[AuditContext]:
    token = _current.set(AuditContext(user=user, client_address=client_address))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def client_address_from_request(request: HttpRequest) -> str:
    # Only trust X-Forwarded-For behind the documented reverse proxy (YIWANG_HTTPS / proxy set).
    if getattr(settings, "YIWANG_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or ""
