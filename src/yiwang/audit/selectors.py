"""Reads of the audit trail, scoped to the caller."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q, QuerySet

from yiwang.org.models import Staff
from yiwang.org.selectors import data_scope_for

from .models import AuditEvent

VIEW_PERMISSION = "audit.view_auditevent"
# Superusers and system administrators oversee the whole platform and see every event
# (audit.view_all_events); a bureau administrator oversees his region and sees the events
# caused by the staff of its departments and his own (audit.view_region_events); anyone else
# granted the view permission sees only their own. org.roles says which roles hold which.
ALL_EVENTS_PERMISSION = "audit.view_all_events"
REGION_EVENTS_PERMISSION = "audit.view_region_events"


def may_view_audit_events(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW_PERMISSION))


def sees_all_audit_events(user: Any) -> bool:
    return may_view_audit_events(user) and bool(user.has_perm(ALL_EVENTS_PERMISSION))


def sees_region_audit_events(user: Any) -> bool:
    """A bureau administrator (not also a system administrator): his region's events."""
    return (
        may_view_audit_events(user)
        and not sees_all_audit_events(user)
        and bool(user.has_perm(REGION_EVENTS_PERMISSION))
    )


def may_verify_audit_chain(user: Any) -> bool:
    """The chain check reports only whether the trail is intact (and the first bad sequence,
    shown as a link only when it is in the user's scope), so the overseers of a region may run
    it too."""
    return sees_all_audit_events(user) or sees_region_audit_events(user)


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

    Without the view permission the result is empty; superusers and system administrators see
    every event, a bureau administrator those caused by staff of the departments in his data
    scope (his region) and his own, other holders of the permission their own.
    """
    if not may_view_audit_events(user):
        return AuditEvent.objects.none()
    qs = AuditEvent.objects.all()
    if sees_region_audit_events(user):
        regional_staff = data_scope_for(user).filter(Staff.objects.all()).values("user_id")
        qs = qs.filter(Q(actor_id__in=regional_staff) | Q(actor_id=user.pk))
    elif not sees_all_audit_events(user):
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
