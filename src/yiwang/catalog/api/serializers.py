"""API representations of the catalogue."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from rest_framework import serializers

from yiwang.catalog import fields as element_fields
from yiwang.catalog.fields import (
    LIMIT_DAYS,
    MATERIAL_COUNT,
    STEP_LIMIT_DAYS,
    VISITS,
    BodyNature,
    DeliveryMethod,
    ExerciseLevel,
    OnlineDepth,
    PowerSource,
    ResultType,
    ServiceObject,
    ServiceScope,
)
from yiwang.catalog.guides.bundles import APPLICANT_TYPES
from yiwang.catalog.models import (
    ELEMENT_FIELDS,
    INTERMEDIARY_FIELDS,
    MATERIAL_FIELDS,
    PROCEDURE_FIELDS,
    STEP_FIELDS,
    BusinessType,
    HandlingForm,
    HandlingKind,
    IntermediaryService,
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
from yiwang.common.api import ServiceRuleViolation
from yiwang.common.serializers import BodySerializer


def _text(model: type[models.Model], name: str, **kwargs: Any) -> serializers.CharField:
    """A write field with the model field's bound (maxLength in the schema) and validators
    (e.g. no bidirectional control characters), so the model stays their one home."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.CharField | models.TextField)
    validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    return serializers.CharField(max_length=field.max_length, validators=validators, **kwargs)


def _ranged(bound: element_fields.Range, label: str, **kwargs: Any) -> serializers.IntegerField:
    """An integer field held to a catalog.fields range, with its sentence."""
    message = bound.message(label)
    return serializers.IntegerField(
        min_value=bound.low,
        max_value=bound.high,
        error_messages={"min_value": message, "max_value": message},
        **kwargs,
    )


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


class IntermediarySerializer(serializers.ModelSerializer):
    class Meta:
        model = IntermediaryService
        fields = INTERMEDIARY_FIELDS


class FormFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    type = serializers.CharField()
    # Who fills the field in (bundles.APPLICANT_TYPES); absent or empty = every applicant.
    applicant_types = serializers.ListField(
        child=serializers.ChoiceField(choices=list(APPLICANT_TYPES)), required=False
    )


VERSION_FIELDS = ELEMENT_FIELDS
# The former 跨省通办 / 省内通办 flags, derived from service_scope, read-only for old clients.
DERIVED_FLAGS = ["cross_province", "in_province"]


class VersionSerializer(serializers.ModelSerializer):
    materials = MaterialSerializer(many=True, read_only=True)
    steps = ProcessStepSerializer(many=True, read_only=True)
    special_procedures = SpecialProcedureSerializer(many=True, read_only=True)
    intermediaries = IntermediarySerializer(many=True, read_only=True)
    handling_forms = serializers.ListField(
        child=serializers.ChoiceField(choices=HandlingForm.choices)
    )
    form_fields = FormFieldSerializer(many=True)
    service_objects = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceObject.choices)
    )
    delivery_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=DeliveryMethod.choices)
    )
    result_sample_url = serializers.SerializerMethodField()
    cross_province = serializers.BooleanField(read_only=True)
    in_province = serializers.BooleanField(read_only=True)
    # Read-only here: edited in the workbench and by import (the 生活场景 column), not by PATCH.
    situations = serializers.CharField(read_only=True)

    def get_result_sample_url(self, obj: ServiceItemVersion) -> str | None:
        if not obj.result_sample:
            return None
        return reverse("guide:result-sample", args=[obj.pk])

    class Meta:
        model = ServiceItemVersion
        fields = [
            "id",
            "number",
            "status",
            *VERSION_FIELDS,
            *DERIVED_FLAGS,
            "result_sample_url",
            "change_reason",
            "review_comment",
            "submitted_at",
            "reviewed_at",
            "published_at",
            "materials",
            "steps",
            "special_procedures",
            "intermediaries",
        ]


class PublicVersionSerializer(VersionSerializer):
    class Meta(VersionSerializer.Meta):
        fields = [
            "number",
            *VERSION_FIELDS,
            *DERIVED_FLAGS,
            "result_sample_url",
            "published_at",
            "materials",
            "steps",
            "special_procedures",
            "intermediaries",
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
    cross_province = serializers.BooleanField(
        source="published_version.cross_province", read_only=True
    )
    service_scope = serializers.ChoiceField(
        source="published_version.service_scope", choices=ServiceScope.choices
    )
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
            "service_scope",
            "guide_url",
        ]

    def get_guide_url(self, obj: ServiceItem) -> str:
        return reverse("guide:item", args=[obj.code])


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
    # 生活场景, space-separated (the guided search's phrases); set by import.
    situations = serializers.CharField(read_only=True)
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
    count = _ranged(MATERIAL_COUNT, "份数", default=1)
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
    limit_days = _ranged(STEP_LIMIT_DAYS, "环节时限", default=0)


class ProcedureInputSerializer(BodySerializer):
    name = _text(SpecialProcedure, "name")
    limit_days = _ranged(STEP_LIMIT_DAYS, "特别程序时限", default=0)
    legal_basis = _text(SpecialProcedure, "legal_basis", allow_blank=True, default="")
    counted_in_limit = serializers.BooleanField(default=False)


class IntermediaryInputSerializer(BodySerializer):
    name = _text(IntermediaryService, "name")
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]
    charged = serializers.BooleanField(default=False)
    fee_basis = _text(IntermediaryService, "fee_basis", allow_blank=True, default="")


def _choice(choices: Any, **kwargs: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, required=False, **kwargs)


class VersionUpdateSerializer(BodySerializer):
    """Elements to change on a draft or returned version; lists replace the version's lists."""

    name = _text(ServiceItemVersion, "name", required=False)
    conditions = _text(ServiceItemVersion, "conditions", allow_blank=True, required=False)
    location = _text(ServiceItemVersion, "location", allow_blank=True, required=False)
    hours = _text(ServiceItemVersion, "hours", allow_blank=True, required=False)
    legal_limit = _ranged(LIMIT_DAYS, "法定办结时限", required=False)
    promised_limit = _ranged(LIMIT_DAYS, "承诺办结时限", required=False)
    handling_kind = serializers.ChoiceField(choices=HandlingKind.choices, required=False)
    visits = _ranged(VISITS, "到办事现场次数", required=False)
    handling_forms = serializers.ListField(
        child=serializers.ChoiceField(choices=HandlingForm.choices), required=False
    )
    has_fee = serializers.BooleanField(required=False)
    fee_standard = _text(ServiceItemVersion, "fee_standard", allow_blank=True, required=False)
    fee_basis = _text(ServiceItemVersion, "fee_basis", allow_blank=True, required=False)
    fully_online = serializers.BooleanField(required=False)
    commitment_based = serializers.BooleanField(required=False)
    self_service_24h = serializers.BooleanField(required=False)
    faq = _text(ServiceItemVersion, "faq", allow_blank=True, required=False)
    consult_phone = _text(ServiceItemVersion, "consult_phone", allow_blank=True, required=False)
    complaint_channel = _text(
        ServiceItemVersion, "complaint_channel", allow_blank=True, required=False
    )
    service_objects = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceObject.choices), required=False
    )
    exercise_level = _choice(ExerciseLevel.choices, allow_blank=True)
    body_nature = _choice(BodyNature.choices, allow_blank=True)
    entrusting_department = _text(
        ServiceItemVersion, "entrusting_department", allow_blank=True, required=False
    )
    joint_bodies = _text(ServiceItemVersion, "joint_bodies", allow_blank=True, required=False)
    power_source = _choice(PowerSource.choices, allow_blank=True)
    quantity_limit = _text(ServiceItemVersion, "quantity_limit", allow_blank=True, required=False)
    result_type = _choice(ResultType.choices, allow_blank=True)
    result_name = _text(ServiceItemVersion, "result_name", allow_blank=True, required=False)
    delivery_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=DeliveryMethod.choices), required=False
    )
    online_depth = _choice(OnlineDepth.choices, allow_null=True)
    online_payment = serializers.BooleanField(required=False)
    express_delivery = serializers.BooleanField(required=False)
    appointment = serializers.BooleanField(required=False)
    in_hall = serializers.BooleanField(required=False)
    service_scope = _choice(ServiceScope.choices)
    materials = MaterialInputSerializer(many=True, required=False)
    steps = StepInputSerializer(many=True, required=False)
    special_procedures = ProcedureInputSerializer(many=True, required=False)
    intermediaries = IntermediaryInputSerializer(many=True, required=False)
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The rules between the elements given (catalog.fields, the model's clean() too): a
        # contradiction within the request is a broken business rule, 422 like the service's.
        errors = element_fields.version_rule_errors(attrs)
        if errors:
            raise ServiceRuleViolation({k: [v] for k, v in errors.items()})
        return attrs
