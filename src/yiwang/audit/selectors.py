"""Reads of the audit trail, scoped to the caller."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import QuerySet

from yiwang.org.roles import Role

from .models import AuditEvent

VIEW_PERMISSION = "audit.view_auditevent"
# Roles that oversee the whole platform see every event; anyone else granted the view
# permission sees only the events they caused themselves.
ALL_EVENTS_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.BUREAU_ADMIN})


def may_view_audit_events(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW_PERMISSION))


def sees_all_audit_events(user: Any) -> bool:
    if not may_view_audit_events(user):
        return False
    if user.is_superuser:
        return True
    has_role = getattr(user, "has_role", None)
    return bool(has_role and any(has_role(role) for role in ALL_EVENTS_ROLES))


def audit_event_list(
    *,
    user: Any,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    kind: str | None = None,
    actor: int | None = None,
) -> QuerySet[AuditEvent]:
    """Events `user` may see, newest first, narrowed by the given filters (None = any).

    Without the view permission the result is empty; bureau and system administrators see
    every event, other holders of the permission their own.
    """
    if not may_view_audit_events(user):
        return AuditEvent.objects.none()
    qs = AuditEvent.objects.all()
    if not sees_all_audit_events(user):
        qs = qs.filter(actor_id=user.pk)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    if kind:
        qs = qs.filter(kind=kind)
    if actor is not None:
        qs = qs.filter(actor_id=actor)
    return qs.order_by("-sequence")


def audit_events_for_object(obj: models.Model) -> QuerySet[AuditEvent]:
    """Every event about `obj` (changes and personal-data reads), oldest first. Unscoped:
    callers show it only to users who may see `obj`'s history."""
    opts = obj._meta
    return AuditEvent.objects.filter(
        object_type=f"{opts.app_label}.{opts.model_name}", object_id=str(obj.pk)
    ).order_by("sequence")
