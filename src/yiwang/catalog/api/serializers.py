"""API representations of the catalogue."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxLengthValidator
from django.db import models
from rest_framework import serializers

from yiwang.catalog.guides.bundles import APPLICANT_TYPES
from yiwang.catalog.models import (
    ELEMENT_FIELDS,
    MATERIAL_FIELDS,
    PROCEDURE_FIELDS,
    STEP_FIELDS,
    BusinessType,
    HandlingForm,
    HandlingKind,
    ItemType,
    Material,
    MaterialSource,
    Medium,
    OriginalOrCopy,
    ProcessStep,
    ServiceItem,
    ServiceItemVersion,
    SpecialProcedure,
)
from yiwang.common.serializers import BodySerializer


def _text(model: type[models.Model], name: str, **kwargs: Any) -> serializers.CharField:
    """A write field with the model field's bound (maxLength in the schema) and validators
    (e.g. no bidirectional control characters), so the model stays their one home."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.CharField | models.TextField)
    validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    return serializers.CharField(max_length=field.max_length, validators=validators, **kwargs)


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = Material
        fields = MATERIAL_FIELDS


class ProcessStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessStep
        fields = STEP_FIELDS


class SpecialProcedureSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecialProcedure
        fields = PROCEDURE_FIELDS


class FormFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    type = serializers.CharField()
    # Who fills the field in (bundles.APPLICANT_TYPES); absent or empty = every applicant.
    applicant_types = serializers.ListField(
        child=serializers.ChoiceField(choices=list(APPLICANT_TYPES)), required=False
    )


VERSION_FIELDS = ELEMENT_FIELDS


class VersionSerializer(serializers.ModelSerializer):
    materials = MaterialSerializer(many=True, read_only=True)
    steps = ProcessStepSerializer(many=True, read_only=True)
    special_procedures = SpecialProcedureSerializer(many=True, read_only=True)
    handling_forms = serializers.ListField(
        child=serializers.ChoiceField(choices=HandlingForm.choices)
    )
    form_fields = FormFieldSerializer(many=True)

    class Meta:
        model = ServiceItemVersion
        fields = [
            "id",
            "number",
            "status",
            *VERSION_FIELDS,
            "change_reason",
            "review_comment",
            "submitted_at",
            "reviewed_at",
            "published_at",
            "materials",
            "steps",
            "special_procedures",
        ]


class PublicVersionSerializer(VersionSerializer):
    class Meta(VersionSerializer.Meta):
        fields = [
            "number",
            *VERSION_FIELDS,
            "published_at",
            "materials",
            "steps",
            "special_procedures",
        ]


class ItemSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="published_version.name")
    department = serializers.CharField(source="department.name")
    item_type = serializers.ChoiceField(
        source="published_version.item_type", choices=ItemType.choices
    )
    legal_limit = serializers.IntegerField(source="published_version.legal_limit")
    promised_limit = serializers.IntegerField(source="published_version.promised_limit")
    handling_kind = serializers.ChoiceField(
        source="published_version.handling_kind", choices=HandlingKind.choices
    )
    visits = serializers.IntegerField(source="published_version.visits")
    fully_online = serializers.BooleanField(source="published_version.fully_online")
    cross_province = serializers.BooleanField(source="published_version.cross_province")
    guide_url = serializers.SerializerMethodField()

    class Meta:
        model = ServiceItem
        fields = [
            "code",
            "name",
            "department",
            "business_type",
            "item_type",
            "legal_limit",
            "promised_limit",
            "handling_kind",
            "visits",
            "fully_online",
            "cross_province",
            "guide_url",
        ]

    def get_guide_url(self, obj: ServiceItem) -> str:
        return f"/guide/item/{obj.code}/"


class ItemDetailSerializer(ItemSummarySerializer):
    version = PublicVersionSerializer(source="published_version")

    class Meta(ItemSummarySerializer.Meta):
        fields = [*ItemSummarySerializer.Meta.fields, "version"]


class BundleItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField()


class BundleStageSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    items = BundleItemSerializer(many=True)


class BundleSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    summary = serializers.CharField()
    lead_department = serializers.CharField()
    stages = BundleStageSerializer(many=True)
    guide_url = serializers.CharField()


class SearchResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["item", "bundle"])
    code = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField()
    visits = serializers.IntegerField(allow_null=True)
    fully_online = serializers.BooleanField(allow_null=True)
    url = serializers.CharField()
    apply_url = serializers.CharField()


# --- Staff (lifecycle) ------------------------------------------------------------------------


class ManagedItemSerializer(serializers.ModelSerializer):
    base_code = serializers.CharField(source="base.code")
    name = serializers.SerializerMethodField()
    department = serializers.CharField(source="department.name")
    published_version = serializers.IntegerField(
        source="published_version.number", allow_null=True, default=None
    )
    open_version = serializers.SerializerMethodField()

    class Meta:
        model = ServiceItem
        fields = [
            "id",
            "code",
            "base_code",
            "name",
            "department",
            "business_type",
            "status",
            "published_version",
            "open_version",
        ]

    def get_name(self, obj: ServiceItem) -> str:
        return str(obj)

    def get_open_version(self, obj: ServiceItem) -> int | None:
        # Annotated by selectors.managed_items_for (one query for the whole page); a single
        # item read elsewhere falls back to the selector.
        if hasattr(obj, "open_version_pk"):
            return obj.open_version_pk  # type: ignore[no-any-return]
        from yiwang.catalog.selectors import open_version

        version = open_version(obj)
        return version.pk if version else None


class ClaimSerializer(BodySerializer):
    base_code = serializers.CharField(max_length=40)
    department = serializers.IntegerField(min_value=1)
    business_type = serializers.ChoiceField(choices=BusinessType.choices, default="new")


class ReasonSerializer(BodySerializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, default="")


class RequiredReasonSerializer(BodySerializer):
    reason = serializers.CharField(max_length=500, min_length=1)


class RequiredCommentSerializer(BodySerializer):
    comment = serializers.CharField(max_length=2000, min_length=1)


class CommentSerializer(BodySerializer):
    comment = serializers.CharField(max_length=2000, allow_blank=True, default="")


class MaterialInputSerializer(BodySerializer):
    name = _text(Material, "name")
    original_or_copy = serializers.ChoiceField(choices=OriginalOrCopy.choices, default="original")
    count = serializers.IntegerField(min_value=1, max_value=99, default=1)
    medium = serializers.ChoiceField(choices=Medium.choices, default="both")
    source = serializers.ChoiceField(  # type: ignore[assignment]  # the material's source
        choices=MaterialSource.choices, default="applicant"
    )
    issuing_body = _text(Material, "issuing_body", allow_blank=True, default="")
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]
    deferrable = serializers.BooleanField(default=False)
    exempt = serializers.BooleanField(default=False)
    notes = _text(Material, "notes", allow_blank=True, default="")


class StepInputSerializer(BodySerializer):
    name = _text(ProcessStep, "name")
    role = _text(ProcessStep, "role", allow_blank=True, default="")
    limit_days = serializers.IntegerField(min_value=0, max_value=3650, default=0)


class ProcedureInputSerializer(BodySerializer):
    name = _text(SpecialProcedure, "name")
    limit_days = serializers.IntegerField(min_value=0, max_value=3650, default=0)
    legal_basis = _text(SpecialProcedure, "legal_basis", allow_blank=True, default="")
    counted_in_limit = serializers.BooleanField(default=False)


class VersionUpdateSerializer(BodySerializer):
    """Elements to change on a draft or returned version; lists replace the version's lists."""

    name = _text(ServiceItemVersion, "name", required=False)
    conditions = _text(ServiceItemVersion, "conditions", allow_blank=True, required=False)
    location = _text(ServiceItemVersion, "location", allow_blank=True, required=False)
    hours = _text(ServiceItemVersion, "hours", allow_blank=True, required=False)
    legal_limit = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    promised_limit = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    handling_kind = serializers.ChoiceField(choices=HandlingKind.choices, required=False)
    visits = serializers.IntegerField(min_value=0, max_value=20, required=False)
    handling_forms = serializers.ListField(
        child=serializers.ChoiceField(choices=HandlingForm.choices), required=False
    )
    has_fee = serializers.BooleanField(required=False)
    fee_standard = _text(ServiceItemVersion, "fee_standard", allow_blank=True, required=False)
    fee_basis = _text(ServiceItemVersion, "fee_basis", allow_blank=True, required=False)
    fully_online = serializers.BooleanField(required=False)
    cross_province = serializers.BooleanField(required=False)
    in_province = serializers.BooleanField(required=False)
    commitment_based = serializers.BooleanField(required=False)
    self_service_24h = serializers.BooleanField(required=False)
    faq = _text(ServiceItemVersion, "faq", allow_blank=True, required=False)
    consult_phone = _text(ServiceItemVersion, "consult_phone", allow_blank=True, required=False)
    complaint_channel = _text(
        ServiceItemVersion, "complaint_channel", allow_blank=True, required=False
    )
    materials = MaterialInputSerializer(many=True, required=False)
    steps = StepInputSerializer(many=True, required=False)
    special_procedures = ProcedureInputSerializer(many=True, required=False)
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")
