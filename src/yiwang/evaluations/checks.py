"""System check: every path of YIWANG_LOW_RATING_HOOKS imports (found at start-up, not at the
first bad rating)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def low_rating_hooks_import(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from yiwang.evaluations.hooks import configured_hooks

    try:
        configured_hooks()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="evaluations.E001")]
    return []
