"""Audit API serializers. Everything is read-only; `changes` is stored masked already."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from yiwang.common.pagination import MAX_BIGINT

from ..models import AuditEvent, EventKind

FILTERS = ("object_type", "object_id", "action", "kind", "actor")


class StrictIntegerField(serializers.IntegerField):
    """Only plain ASCII digits: DRF's IntegerField would take "5.0" or " 5" for 5."""

    def to_internal_value(self, data: Any) -> int:
        if not (isinstance(data, str) and data.isascii() and data.isdigit()):
            self.fail("invalid")
        return super().to_internal_value(data)


class FieldChangeSerializer(serializers.Serializer):
    """One changed field: its value before and after (personal data masked)."""

    before = serializers.JSONField(allow_null=True, help_text="变更前的值（个人信息已脱敏）")
    after = serializers.JSONField(allow_null=True, help_text="变更后的值（个人信息已脱敏）")


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(
        source="actor_id", allow_null=True, read_only=True, help_text="操作人账号 ID；系统操作为空"
    )
    kind = serializers.ChoiceField(choices=EventKind.choices, read_only=True)
    changes = serializers.SerializerMethodField(
        help_text="变更事件：按字段给出变更前后的值；访问事件为空对象"
    )
    affected_fields = serializers.SerializerMethodField(
        help_text="变更事件为被修改的字段，访问事件为被查看的字段"
    )

    class Meta:
        model = AuditEvent
        fields = [
            "sequence",
            "occurred_at",
            "kind",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_label",
            "changes",
            "affected_fields",
            "reason",
            "client_address",
            "previous_hash",
            "hash",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=FieldChangeSerializer()))
    def get_changes(self, event: AuditEvent) -> dict[str, Any]:
        if event.kind == EventKind.ACCESS or not isinstance(event.changes, dict):
            return {}
        return event.changes

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_affected_fields(self, event: AuditEvent) -> list[str]:
        changes = event.changes if isinstance(event.changes, dict) else {}
        if event.kind == EventKind.ACCESS:
            return [str(name) for name in changes.get("fields", [])]
        return list(changes)


class AuditEventQuerySerializer(serializers.Serializer):
    """Filters of the event list; an empty value means "any"."""

    object_type = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="对象类型，如 org.applicant",
    )
    object_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="对象标识（主键）",
    )
    action = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="动作，如 org.staff_create",
    )
    kind = serializers.ChoiceField(
        choices=EventKind.choices, required=False, help_text="change 数据变更；access 个人信息访问"
    )
    actor = StrictIntegerField(
        required=False, min_value=1, max_value=MAX_BIGINT, help_text="操作人账号 ID"
    )
