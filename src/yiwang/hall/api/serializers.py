"""Shapes of the hall API (预约与排队): groups, slots, bookings, tickets and the hall screen."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from yiwang.common.serializers import BodySerializer
from yiwang.hall.fields import BookingStatus, TicketKind, TicketStatus
from yiwang.hall.models import Slot
from yiwang.org.models import WindowKind


class GroupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    window_kind = serializers.ChoiceField(choices=WindowKind.choices)
    weekend = serializers.BooleanField(help_text="周末预约办：可在非工作日预约")


class SlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    hall = serializers.IntegerField(source="hall_id")
    hall_name = serializers.CharField(source="hall.name")
    group = serializers.CharField(source="group.code")
    group_name = serializers.CharField(source="group.name")
    day = serializers.DateField()
    # Local clock time "HH:MM" (JSON Schema's "time" format wants an offset a slot has not).
    starts_at = serializers.SerializerMethodField(help_text="开始时间（当地时间 HH:MM）")
    ends_at = serializers.SerializerMethodField(help_text="结束时间（当地时间 HH:MM）")
    capacity = serializers.IntegerField()
    remaining = serializers.IntegerField()
    non_working_day = serializers.BooleanField()

    @extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"})
    def get_starts_at(self, slot: Slot) -> str:
        return f"{slot.starts_at:%H:%M}"

    @extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"})
    def get_ends_at(self, slot: Slot) -> str:
        return f"{slot.ends_at:%H:%M}"


class BookingSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="预约号，到大厅签到取号时出示")
    status = serializers.ChoiceField(choices=BookingStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    channel = serializers.CharField()
    slot = SlotSerializer()
    created_at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    checked_in_at = serializers.DateTimeField(allow_null=True)


class BookingCreateSerializer(BodySerializer):
    slot = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="预约时段 id")


class TicketTakeSerializer(BodySerializer):
    group = serializers.CharField(max_length=32, help_text="事项分组编码（现场取号）")


class CheckInSerializer(BodySerializer):
    code = serializers.CharField(max_length=16, help_text="预约号")


class FinishSerializer(BodySerializer):
    missed = serializers.BooleanField(default=False, help_text="true：过号（叫号未到）")


class TicketSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="排队号")
    kind = serializers.ChoiceField(choices=TicketKind.choices)
    window_kind = serializers.ChoiceField(choices=WindowKind.choices)
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    issued_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    called_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    window = serializers.CharField(source="window.number", allow_null=True, default=None)
    wait_seconds = serializers.IntegerField(allow_null=True)
    handle_seconds = serializers.IntegerField(allow_null=True)


class CallSerializer(serializers.Serializer):
    code = serializers.CharField()
    window = serializers.CharField(source="window.number")
    called_at = serializers.DateTimeField()


class ScreenSerializer(serializers.Serializer):
    hall = serializers.CharField(source="hall.name")
    calls = CallSerializer(many=True)
    waiting = serializers.DictField(
        child=serializers.IntegerField(), help_text="按窗口类型的等候人数"
    )


class CallNextSerializer(serializers.Serializer):
    ticket = TicketSerializer(allow_null=True, help_text="叫到的号；无人等候时为 null")
