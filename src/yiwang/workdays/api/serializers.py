"""Serializers of the working-day API. Query parameters are parsed strictly (YYYY-MM-DD, plain
integers) so that what the schema rejects, the API rejects too."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rest_framework import serializers

from ..models import CalendarDay, CalendarYear, StartRule

MAX_DAYS = 3650
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"-?\d{1,9}")

# The shape of every 400 answer: field name → list of Chinese sentences.
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "字段名 → 错误说明列表",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"start": ["日期格式应为 YYYY-MM-DD。"]},
}
NOT_FOUND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


class StrictDateField(serializers.DateField):
    """Only YYYY-MM-DD (the OpenAPI `date` format); no other spellings are accepted."""

    def to_internal_value(self, value: Any) -> dt.date:
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise serializers.ValidationError("日期格式应为 YYYY-MM-DD。")
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise serializers.ValidationError(f"{value} 不是有效的日期。") from exc


class StrictIntegerField(serializers.IntegerField):
    """Only plain decimal integers ("5", not "5.0" or " 5")."""

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str | int) or isinstance(data, bool):
            raise serializers.ValidationError("请输入整数。")
        if isinstance(data, str) and not _INTEGER.fullmatch(data):
            raise serializers.ValidationError("请输入整数。")
        return int(super().to_internal_value(data))


class StrictChoiceField(serializers.ChoiceField):
    """A parameter given but empty is an invalid choice, not a missing one (DRF's form-data
    default), as the schema says (minLength 1)."""

    def get_value(self, dictionary: Any) -> Any:
        if self.field_name in dictionary and dictionary[self.field_name] == "":
            return ""
        return super().get_value(dictionary)


class AddQuerySerializer(serializers.Serializer):
    start = StrictDateField(help_text="起算事件日期（受理日等），YYYY-MM-DD")
    days = StrictIntegerField(
        min_value=0,
        max_value=MAX_DAYS,
        help_text="时限（工作日）；0 表示即办，返回起算日本身",
        error_messages={
            "min_value": "工作日天数不能为负数。",
            "max_value": f"工作日天数不能超过 {MAX_DAYS}。",
        },
    )
    rule = StrictChoiceField(
        choices=StartRule.choices,
        required=False,
        help_text="起算规则：next 次日起算，same 当日起算；缺省取系统设置",
        error_messages={"invalid_choice": "起算规则只能是 same 或 next。"},
    )


class BetweenQuerySerializer(serializers.Serializer):
    first = StrictDateField(help_text="起始日期（不计入），YYYY-MM-DD")
    second = StrictDateField(help_text="结束日期（计入），YYYY-MM-DD")


class DeadlineSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="截止日期")
    start = serializers.DateField(help_text="起算事件日期")
    days = serializers.IntegerField(min_value=0, help_text="时限（工作日）")
    start_rule = serializers.ChoiceField(choices=StartRule.choices, help_text="起算规则")
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="提示（如某年节假日安排尚未确认）"
    )


class WorkdayCountSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=0, help_text="工作日数")
    warnings = serializers.ListField(child=serializers.CharField(), help_text="提示")


class CalendarYearSerializer(serializers.ModelSerializer):
    holiday_count = serializers.IntegerField(min_value=0, read_only=True, help_text="节假日天数")
    makeup_workday_count = serializers.IntegerField(
        min_value=0, read_only=True, help_text="调休上班天数"
    )

    class Meta:
        model = CalendarYear
        fields = ["year", "confirmed", "source", "note", "holiday_count", "makeup_workday_count"]
        read_only_fields = fields


class CalendarDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]
        read_only_fields = fields


class CalendarYearDetailSerializer(CalendarYearSerializer):
    days = CalendarDaySerializer(many=True, read_only=True, help_text="节假日与调休上班日")

    class Meta(CalendarYearSerializer.Meta):
        fields = [*CalendarYearSerializer.Meta.fields, "days"]
        read_only_fields = fields
