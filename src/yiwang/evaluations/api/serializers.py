"""Shapes of the rating API (好差评): a rating as read, and the bodies the app and the window's
rating device send."""

from __future__ import annotations

from rest_framework import serializers

from yiwang.common.serializers import BodySerializer
from yiwang.evaluations.fields import COMMENT_MAX, Channel, DimensionSet, Level, Subject


class RatingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.ChoiceField(choices=Subject.choices)
    case = serializers.IntegerField(source="case_id", allow_null=True)
    case_number = serializers.CharField(source="case.number", allow_null=True, default=None)
    visit = serializers.IntegerField(source="visit_id", allow_null=True)
    window = serializers.IntegerField(source="window_id", allow_null=True)
    department = serializers.CharField(source="department.name")
    channel = serializers.ChoiceField(choices=Channel.choices)
    dimension_set = serializers.ChoiceField(choices=DimensionSet.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    level_label = serializers.CharField(source="get_level_display")
    scores = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=5))
    comment = serializers.CharField()
    anonymous = serializers.BooleanField()
    rated_at = serializers.DateTimeField()


class _RatingBody(BodySerializer):
    level = serializers.IntegerField(min_value=1, max_value=5, help_text="整体满意度 1–5")
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        required=False,
        help_text="其他维度的等级（维度编码 → 1–5），见 docs/evaluations.md",
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=COMMENT_MAX, default=""
    )
    anonymous = serializers.BooleanField(required=False, default=False)


class CaseRatingBody(_RatingBody):
    case = serializers.IntegerField(min_value=1, help_text="本人已办结办件的 id")


class DeviceRatingBody(_RatingBody):
    visit = serializers.IntegerField(
        min_value=1, required=False, help_text="本窗口办理完毕的排队号 id（窗口服务评价）"
    )
    case_number = serializers.CharField(
        required=False, max_length=32, help_text="本窗口受理的办件编号（办件评价）"
    )


class DeviceWindowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField()
    hall = serializers.CharField(source="hall.name")


class DeviceVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    finished_at = serializers.DateTimeField()


class DeviceStateSerializer(serializers.Serializer):
    window = DeviceWindowSerializer()
    pending = DeviceVisitSerializer(allow_null=True, help_text="待评价的最近一个排队号")
    pending_qr = serializers.CharField(allow_null=True, help_text="该排队号的评价链接（二维码）")
    window_qr = serializers.CharField(help_text="本窗口的评价链接（二维码）")
