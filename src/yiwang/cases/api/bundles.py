"""一件事 API (/api/cases/bundles/…): the parent case of a bundle application — made by
`POST /api/cases/` with {"bundle": CODE} —, its merged materials, submission, the lead
department's extension of the joint limit, and its detail: every child case's status, the one
timeline and the result notice. Reads through cases.bundle_selectors (out of scope is 404);
writes through cases.bundles. Personal form values are masked in every answer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from yiwang.cases import bundle_selectors as selectors
from yiwang.cases import bundles
from yiwang.cases.api.presenting import _masked, applicant_data
from yiwang.cases.fields import PERSONAL_FORM_TYPES, BundleCaseStatus, CaseStatus, Channel
from yiwang.cases.models import BundleCase
from yiwang.common.api import ERROR_RESPONSES, json_data, request_user
from yiwang.common.parsers import JSONParser, MultiPartParser
from yiwang.common.serializers import BodySerializer

# --- Answers --------------------------------------------------------------------------------


def detail(bundle_case: BundleCase) -> dict[str, Any]:
    """The bundle case as the API answers it (BundleCaseDetailSerializer)."""
    notice = selectors.bundle_notice_for(bundle_case)
    kinds = {f.key: f.type for f in notice.form}
    have = {m.key: m for m in selectors.bundle_materials(bundle_case)}
    children = selectors.bundle_children(bundle_case)
    return {
        "id": bundle_case.pk,
        "number": bundle_case.number,
        "bundle": bundle_case.bundle.code,
        "bundle_name": bundle_case.bundle.name,
        "lead_department": bundle_case.department.name,
        "status": bundle_case.status,
        "status_label": str(BundleCaseStatus(bundle_case.status).label),
        "channel": bundle_case.channel,
        "channel_label": str(Channel(bundle_case.channel).label),
        "applicant": applicant_data(bundle_case.applicant),
        "form": {
            key: _masked(value, PERSONAL_FORM_TYPES[kinds[key]])
            if kinds.get(key) in PERSONAL_FORM_TYPES
            else str(value)
            for key, value in (bundle_case.form_data or {}).items()
        },
        "delivery": bundle_case.delivery,
        "stage": bundle_case.stage,
        "stages": [
            {
                "order": stage.order,
                "items": [
                    {"item": i.ref.code, "name": i.ref.name, "department": i.ref.department}
                    for i in stage.items
                ],
            }
            for stage in notice.stages
        ],
        "materials": [
            {
                "key": m.key,
                "name": m.name,
                "required": m.required,
                "exempt": m.exempt,
                "deferrable": m.deferrable,
                "items": [ref.name for ref in m.items],
                "file_name": have[m.key].file_name if m.key in have else "",
            }
            for m in notice.materials
        ],
        "children": [
            {
                "id": child.pk,
                "number": child.number,
                "stage": child.stage,
                "item": child.item.code,
                "item_name": child.version.name,
                "department": child.department.name,
                "status": child.status,
                "status_label": str(CaseStatus(child.status).label),
                "decision": child.decision,
                "promised_deadline": child.promised_deadline,
            }
            for child in children
        ],
        "submitted_at": bundle_case.submitted_at,
        "started_on": bundle_case.started_on,
        "deadline": bundle_case.deadline,
        "joint_limit_days": bundle_case.joint_clock.limit_days if bundle_case.joint_clock else None,
        "extended": bundle_case.extended,
        "concluded_on": bundle_case.concluded_on,
        "handling_days": bundle_case.handling_days,
        "stop_reason": bundle_case.stop_reason,
        "result_notice": bundle_case.result_notice or None,
        "timeline": [
            {
                "at": e.at,
                "label": e.label,
                "note": e.note,
                "item": e.item,
                "department": e.department,
                "case_number": e.case_number,
            }
            for e in selectors.bundle_timeline(bundle_case)
        ],
    }


def answer(bundle_case: BundleCase, *, status: int = 200) -> Response:
    return Response(json_data(detail(bundle_case)), status=status)


class _StageItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField()


class _StageSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    items = _StageItemSerializer(many=True)


class _MaterialSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="合并材料键（上传时用）")
    name = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    exempt = serializers.BooleanField(help_text="免提交")
    deferrable = serializers.BooleanField(help_text="可容缺")
    items = serializers.ListField(child=serializers.CharField(), help_text="要求该材料的事项")
    file_name = serializers.CharField(allow_blank=True, help_text="已提交的文件名（空为未提交）")


class _ChildSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    stage = serializers.IntegerField()
    item = serializers.CharField()
    item_name = serializers.CharField()
    department = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_label = serializers.CharField()
    decision = serializers.CharField(allow_blank=True)
    promised_deadline = serializers.DateField(allow_null=True)


class _TimelineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    label = serializers.CharField()  # type: ignore[assignment]
    note = serializers.CharField(allow_blank=True)
    item = serializers.CharField(allow_blank=True, help_text="子办件的事项（一件事本身的记录为空）")
    department = serializers.CharField(allow_blank=True)
    case_number = serializers.CharField(allow_blank=True)


class BundleCaseDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    bundle = serializers.CharField(help_text="一件事编码")
    bundle_name = serializers.CharField()
    lead_department = serializers.CharField(help_text="牵头部门")
    status = serializers.ChoiceField(choices=BundleCaseStatus.choices)
    status_label = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    channel_label = serializers.CharField()
    applicant = serializers.DictField(help_text="申请人（证件号码、电话脱敏）")
    form = serializers.DictField(
        child=serializers.CharField(allow_blank=True), help_text="合并申请表（一表申请，脱敏）"
    )
    delivery = serializers.CharField()
    stage = serializers.IntegerField(help_text="当前阶段（0：尚未提交）")
    stages = _StageSerializer(many=True)
    materials = _MaterialSerializer(many=True, help_text="合并材料清单（一套材料）")
    children = _ChildSerializer(many=True, help_text="各事项的子办件")
    submitted_at = serializers.DateTimeField(allow_null=True)
    started_on = serializers.DateField(allow_null=True, help_text="联合办理起算日（首个受理日）")
    deadline = serializers.DateField(allow_null=True, help_text="联合办理期限")
    joint_limit_days = serializers.IntegerField(allow_null=True)
    extended = serializers.BooleanField()
    concluded_on = serializers.DateField(allow_null=True)
    handling_days = serializers.IntegerField(allow_null=True)
    stop_reason = serializers.CharField(allow_blank=True)
    result_notice = serializers.DictField(allow_null=True, help_text="办理结果告知（办结或终止时）")
    timeline = _TimelineSerializer(many=True, help_text="一条时间线：一件事及其子办件的记录")


# --- Bodies -----------------------------------------------------------------------------------


class BundleMaterialUploadSerializer(BodySerializer):
    material = serializers.CharField(max_length=200, help_text="合并材料键（materials[].key）")
    file = serializers.FileField(required=False, help_text="材料文件")


class BundleExtendSerializer(BodySerializer):
    reason = serializers.CharField(max_length=2000, help_text="延期理由")


def _body(serializer: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class BundleCaseViewSet(viewsets.GenericViewSet):
    """一件事办件 in the caller's scope: the applicant's own; staff of the lead department."""

    queryset = BundleCase.objects.none()  # for the schema only; reads use the selectors
    serializer_class = BundleCaseDetailSerializer
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "head", "options"]

    def get_permissions(self) -> list[Any]:
        from yiwang.cases.api.views import CaseAccess

        return [CaseAccess()]

    def _bundle_case(self) -> BundleCase:
        return selectors.bundle_case_get_for(user=request_user(self.request), pk=self.kwargs["pk"])

    @extend_schema(responses={200: BundleCaseDetailSerializer, **ERROR_RESPONSES})
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        """One bundle case: the children's statuses, the joint deadline, the one timeline."""
        return answer(self._bundle_case())

    @extend_schema(
        request={"multipart/form-data": BundleMaterialUploadSerializer},
        responses={200: BundleCaseDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def materials(self, request: Request, pk: str | None = None) -> Response:
        """Hand in one material of the merged list, once for every item asking for it."""
        bundle_case = self._bundle_case()
        data = _body(BundleMaterialUploadSerializer, request)
        upload = data.get("file")
        if upload is None:
            raise DjangoValidationError({"file": "请选择要上传的文件。"})
        bundles.bundle_material_upload(
            bundle_case=bundle_case,
            actor=request_user(request),
            key=data["material"],
            file=upload,
            file_name=upload.name,
        )
        return answer(self._bundle_case())

    @extend_schema(request=None, responses={200: BundleCaseDetailSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit: the first stage's child cases go to their departments."""
        bundles.bundle_case_submit(bundle_case=self._bundle_case(), actor=request_user(request))
        return answer(self._bundle_case())

    @extend_schema(request=None, responses={200: BundleCaseDetailSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw a draft (a submitted bundle's child cases are withdrawn one by one)."""
        bundles.bundle_case_withdraw(bundle_case=self._bundle_case(), actor=request_user(request))
        return answer(self._bundle_case())

    @extend_schema(
        request=BundleExtendSerializer,
        responses={200: BundleCaseDetailSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def extend(self, request: Request, pk: str | None = None) -> Response:
        """The lead department's head extends the joint limit once (第四十二条)."""
        data = _body(BundleExtendSerializer, request)
        bundles.bundle_case_extend(
            bundle_case=self._bundle_case(), actor=request_user(request), reason=data["reason"]
        )
        return answer(self._bundle_case())
