"""API representations of org records. Personal data is always the masked form."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from yiwang.common.api import ServiceRuleViolation
from yiwang.common.serializers import BodySerializer
from yiwang.common.validators import validate_id_number

from ..models import Applicant, Department, Region, ServiceHall, Staff, Window


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent"]


class DepartmentSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "short_name", "uscc", "kind", "region", "region_code", "is_bureau"]


class ServiceHallSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceHall
        fields = ["id", "name", "level", "region", "address", "opening_hours", "phone"]


class WindowSerializer(serializers.ModelSerializer):
    hall_name = serializers.CharField(source="hall.name", read_only=True)
    department_name = serializers.CharField(
        source="department.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Window
        fields = [
            "id",
            "hall",
            "hall_name",
            "number",
            "name",
            "kind",
            "department",
            "department_name",
            "active",
        ]


class StaffSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    phone = serializers.CharField(read_only=True, help_text="手机号码（脱敏）")

    class Meta:
        model = Staff
        fields = [
            "id",
            "username",
            "full_name",
            "title",
            "department",
            "department_name",
            "roles",
            "window",
            "phone",
        ]


class ApplicantSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(read_only=True, help_text="居民身份证号码（脱敏）")
    legal_representative_id_number = serializers.CharField(
        read_only=True, help_text="法定代表人身份证号码（脱敏）"
    )
    phone = serializers.CharField(read_only=True, help_text="手机号码（脱敏）")

    class Meta:
        model = Applicant
        fields = [
            "id",
            "kind",
            "name",
            "id_number",
            "uscc",
            "legal_representative",
            "legal_representative_id_number",
            "phone",
            "created_at",
        ]


class ApplicantLookupSerializer(BodySerializer):
    # The shape is the schema's (400 when it does not match); a number of that shape that
    # cannot exist (birth date, check digit) breaks a rule the schema cannot state: 422.
    id_number = serializers.RegexField(
        r"^[0-9]{17}[0-9Xx]$",
        write_only=True,
        help_text="居民身份证号码（18 位：17 位数字，末位为数字或 X）",
        error_messages={"invalid": "居民身份证号码应为 18 位：前 17 位为数字，末位为数字或 X。"},
    )

    def validate_id_number(self, value: str) -> str:
        try:
            return validate_id_number(value)
        except DjangoValidationError as exc:
            raise ServiceRuleViolation({"id_number": exc.messages}) from exc


class RevealRequestSerializer(BodySerializer):
    field = serializers.ChoiceField(
        choices=["id_number", "phone", "legal_representative_id_number"]
    )
    reason = serializers.CharField(max_length=500, min_length=2, trim_whitespace=True)


class RevealResponseSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class ScopeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["none", "department", "region"])
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    department_id = serializers.IntegerField(allow_null=True)
    region_prefix = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    kind = serializers.CharField()
    full_name = serializers.CharField()
    department = serializers.CharField(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())
    scope = ScopeSerializer()


class TokenRequestSerializer(BodySerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
