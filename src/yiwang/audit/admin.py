"""Read-only admin for the audit trail: no one may add, change or delete events here."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from . import selectors
from .models import AuditEvent

_FIELDS = (
    "sequence",
    "occurred_at",
    "kind",
    "actor_id",
    "actor_label",
    "client_address",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes_display",
    "reason",
    "previous_hash",
    "hash",
)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "sequence",
        "occurred_at",
        "kind",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_label",
    ]
    list_filter = ["kind", "object_type"]
    search_fields = ["=object_id", "actor_label", "action", "object_label"]
    date_hierarchy = "occurred_at"
    ordering = ["-sequence"]
    show_full_result_count = False  # a count over millions of rows on every page is slow
    fields = _FIELDS
    readonly_fields = _FIELDS

    @admin.display(description="变更内容")
    def changes_display(self, event: AuditEvent) -> str:
        text = json.dumps(event.changes, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        # The same scope as the workbench's trail (audit.selectors).
        return selectors.audit_event_list(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
