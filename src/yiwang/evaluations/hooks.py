"""The low-rating hooks: callables named by dotted path in YIWANG_LOW_RATING_HOOKS, each called
with the rating (`hook(rating)`) once a rating at or below YIWANG_LOW_RATING_MAX has committed.

They run after the commit, one after the other; a hook that fails is logged and skipped, so a
broken hook never loses a rating nor stops the next hook. Something that must happen together
with the rating connects to evaluations.signals.rating_received instead."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("yiwang.evaluations")

Hook = Callable[[Any], object]


def configured_hooks() -> list[Hook]:
    """The hooks of the setting, imported; a path that does not import is a configuration error
    naming it (the system check reports it at start-up, each low rating in the log)."""
    hooks = []
    for path in settings.YIWANG_LOW_RATING_HOOKS:
        try:
            hooks.append(import_string(path))
        except Exception as exc:  # ImportError, or the module's own error while importing
            raise ImproperlyConfigured(
                f"YIWANG_LOW_RATING_HOOKS 中的 {path!r} 无法导入：{exc}"
            ) from exc
    return hooks


def run_low_rating_hooks(rating_id: int) -> None:
    """Call every hook with the (committed) rating, reading it afresh."""
    from yiwang.evaluations.models import Rating

    rating = Rating.objects.select_related("department", "case", "window").filter(pk=rating_id)
    found = rating.first()
    if found is None:
        return
    try:
        hooks = configured_hooks()
    except ImproperlyConfigured:  # reported by the system check (evaluations.checks) too
        logger.exception("low-rating hooks not run for rating %s", rating_id)
        return
    for hook in hooks:
        try:
            hook(found)
        except Exception:  # a hook's failure is its own; the rating stands
            logger.exception("low-rating hook %s failed for rating %s", hook, rating_id)
