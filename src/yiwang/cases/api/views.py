"""Case API (办件): apply (the 掌上 channel for citizens and enterprises, window registration for
staff), upload materials, and every transition of the case machine. Reads go through the
scoped selectors (out of scope is 404, checked first); who may fire a transition is the
machine's permission (403); a state that does not allow it is the services' conflict (409).
A department's own approval system pushes status with a 对接系统 account of that department
(docs/api.md, "Cases")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.cases import bundles, selectors, services
from yiwang.cases.api import bundles as bundle_api
from yiwang.cases.api import presenting, snapshots
from yiwang.cases.api import serializers as s
from yiwang.cases.fields import CaseStatus, Channel, Delivery
from yiwang.cases.models import Case
from yiwang.cases.workflow import CASE, VERIFY
from yiwang.catalog import selectors as catalog_selectors
from yiwang.common.api import ERROR_RESPONSES, json_data, request_user
from yiwang.common.filters import IdFilter, StrictFilterSet
from yiwang.common.parsers import JSONParser, MultiPartParser
from yiwang.common.workflow import may
from yiwang.org import selectors as org_selectors
from yiwang.org.models import User, UserKind

STAFF_KINDS = (UserKind.STAFF, UserKind.SYSTEM)
# The gateway refuses a body over YIWANG_UPLOAD_MAX_BYTES before it is read.
UPLOAD_RESPONSES = {
    **ERROR_RESPONSES,
    413: OpenApiResponse(ERROR_RESPONSES[401].response, description="提交的内容超过上限"),
}


class CaseAccess(permissions.BasePermission):
    """Signed in; staff and system accounts also have set their own password. Which cases
    each caller reaches is the selectors' data scope (staff: their departments; citizens and
    enterprises: their own)."""

    message = "请先登录。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if getattr(user, "kind", "") in STAFF_KINDS and getattr(
            user, "must_change_password", False
        ):
            self.message = "请先修改初始密码。"
            return False
        return True


class CaseFilter(StrictFilterSet):
    status = filters.ChoiceFilter(field_name="status", choices=CaseStatus.choices)
    department = IdFilter(field_name="department_id")
    overdue = filters.BooleanFilter(field_name="ever_overdue")
    channel = filters.ChoiceFilter(field_name="channel", choices=Channel.choices)
    item = filters.CharFilter(field_name="item__code", max_length=80)

    class Meta:
        model = Case
        fields: list[str] = []


def _body(serializer: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


def _delivery(data: dict[str, Any] | None) -> tuple[str | None, dict[str, Any] | None]:
    if not data:
        return None, None
    method = data["method"]
    address = (
        {k: data.get(k, "") for k in ("recipient", "phone", "address")}
        if method == Delivery.EMS
        else None
    )
    return method, address


def _detail(case: Case, user: User, *, status: int = 200) -> Response:
    # The shape is s.CaseDetailSerializer's (the schema); json_data gives its output at a
    # fraction of the cost (tests/cases/test_api_detail.py holds the two together).
    data = presenting.detail(selectors.case_record(case), user)
    return Response(json_data(data), status=status)


def _transition_schema(body: type[serializers.Serializer] | None, summary: str) -> Any:
    return extend_schema(
        request=body,
        responses={200: s.CaseDetailSerializer, **ERROR_RESPONSES},
        summary=summary,
    )


class CaseViewSet(viewsets.GenericViewSet):
    """Cases in the caller's scope: staff (and a department's system account) those of the
    departments in their data scope, a citizen or enterprise his own."""

    permission_classes = [CaseAccess]
    queryset = Case.objects.none()  # for the schema only; reads use the selectors
    serializer_class = s.CaseSummarySerializer
    filterset_class = CaseFilter
    lookup_value_regex = "[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Bodies that nest (the form, the delivery address, lists) are JSON only; flat ones may
    # also come as a form.
    JSON_ONLY = (JSONParser,)

    def get_parsers(self) -> list[Any]:
        # Called before DRF sets self.action on a request: find it from the method.
        action = getattr(self, "action", None)
        if action is None and getattr(self, "request", None) is not None:
            action = getattr(self, "action_map", {}).get((self.request.method or "").lower())
        if action in ("create", "partial_update"):
            return [parser() for parser in self.JSON_ONLY]
        return super().get_parsers()

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.cases_for(user=request_user(self.request)).order_by("-created_at", "-id")

    def _case(self) -> Case:
        return selectors.case_get_for(user=request_user(self.request), pk=self.kwargs["pk"])

    @extend_schema(responses={200: s.CaseSummarySerializer(many=True), **ERROR_RESPONSES})
    def list(self, request: Request) -> Response:
        """Cases in scope, newest first; filters: status, department, overdue (ever overdue),
        channel, item (implementation code)."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = [presenting.summary(case) for case in page or []]
        return self.get_paginated_response(s.CaseSummarySerializer(rows, many=True).data)

    @extend_schema(responses={200: s.CaseDetailSerializer, **ERROR_RESPONSES})
    def retrieve(self, request: Request, pk: str | None = None) -> HttpResponse:
        """One case: status, clocks, applicant (masked), materials, notices, history and the
        transitions the caller may fire now."""
        user = request_user(request)
        case, snapshot = selectors.case_status_for(user=user, pk=self.kwargs["pk"])
        if request.accepted_renderer.format == "json" and snapshots.is_current(snapshot, case):
            assert snapshot is not None
            body = snapshots.answer(snapshot, presenting.live(case, user))
            if body is not None:
                return HttpResponse(body, content_type="application/json")
        return _detail(self._case(), user)

    @extend_schema(
        request=s.CaseCreateSerializer,
        responses={201: s.CaseDetailSerializer, **ERROR_RESPONSES},
        description="With `bundle` instead of `item`: a 一件事 application, answered with "
        "the bundle case's detail (BundleCaseDetail, /api/cases/bundles/{id}/).",
    )
    def create(self, request: Request) -> Response:
        """Start an application (a draft). A citizen or enterprise applies for himself (channel
        掌上, mobile); staff register one for `applicant` (channel window, kiosk or assisted)."""
        user = request_user(request)
        data = _body(s.CaseCreateSerializer, request)
        if user.kind == UserKind.SYSTEM:
            raise DjangoPermissionDenied("对接系统账号不能创建申请。")
        if user.kind == UserKind.STAFF:
            if data.get("applicant") is None:
                raise DjangoValidationError(
                    {"applicant": "工作人员代录申请须指定申请人（applicant）。"}
                )
            applicant = (
                org_selectors.applicant_list_for(user=user).filter(pk=data["applicant"]).first()
            )
            if applicant is None:
                raise DjangoValidationError({"applicant": "未找到该申请人。"})
            channel = data.get("channel") or Channel.WINDOW
        else:
            applicant = selectors.applicant_for(user)
            if applicant is None:
                raise DjangoPermissionDenied("您的账号没有申请人信息，不能申请。")
            if data.get("applicant") not in (None, applicant.pk):
                raise DjangoValidationError({"applicant": "只能为本人（本单位）申请。"})
            if data.get("channel") not in (None, Channel.MOBILE):
                raise DjangoValidationError({"channel": "通过接口自行申请的渠道为掌上（mobile）。"})
            channel = Channel.MOBILE
        if bool(data.get("item")) == bool(data.get("bundle")):
            raise DjangoValidationError(
                {"item": "请填写事项编码（item）或一件事编码（bundle）之一。"}
            )
        if data.get("bundle"):
            return self._create_bundle(user, applicant, channel, data)
        item = catalog_selectors.published_item_by_code(data["item"])
        if item is None:
            raise DjangoValidationError({"item": "没有该编码的可申请事项（未发布或已暂停）。"})
        method, address = _delivery(data.get("delivery"))
        case = services.case_create(
            item=item,
            applicant=applicant,
            actor=user,
            form=data.get("form") or {},
            delivery=method or Delivery.PICKUP,
            delivery_address=address,
            commitment=data.get("commitment", False),
            channel=channel,
            consent=data.get("consent", ""),
        )
        # The case as written, not re-read through the scope: a 综合窗口 clerk registers
        # other departments' items too.
        return _detail(case, user, status=201)

    def _create_bundle(
        self, user: User, applicant: Any, channel: str, data: dict[str, Any]
    ) -> Response:
        """一件事: one parent case with the merged form; answered with its detail
        (/api/cases/bundles/{id}/)."""
        bundle = catalog_selectors.published_bundle_by_code(data["bundle"])
        if bundle is None:
            raise DjangoValidationError({"bundle": "没有该编码的可申请一件事（未发布或已撤销）。"})
        if data.get("commitment"):
            raise DjangoValidationError({"commitment": "一件事申请不适用告知承诺。"})
        method, address = _delivery(data.get("delivery"))
        bundle_case = bundles.bundle_case_create(
            bundle=bundle,
            applicant=applicant,
            actor=user,
            form=data.get("form") or {},
            delivery=method or Delivery.PICKUP,
            delivery_address=address,
            channel=channel,
        )
        return bundle_api.answer(bundle_case, status=201)

    @extend_schema(
        request=s.CaseUpdateSerializer, responses={200: s.CaseDetailSerializer, **ERROR_RESPONSES}
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change a draft, or the form while a correction is requested (given fields only)."""
        case = self._case()
        user = request_user(request)
        data = _body(s.CaseUpdateSerializer, request)
        method, address = _delivery(data.get("delivery"))
        services.case_update(
            case=case,
            actor=user,
            form=data.get("form"),
            delivery=method,
            delivery_address=address,
            commitment=data.get("commitment"),
        )
        return _detail(self._case(), user)

    @extend_schema(
        request={"multipart/form-data": s.CaseMaterialUploadSerializer},
        responses={201: s.CaseMaterialSerializer, **UPLOAD_RESPONSES},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def materials(self, request: Request, pk: str | None = None) -> Response:
        """Hand in the file of one material (by its order in the item version). The type is
        judged by content; a refused file leaves nothing stored."""
        case = self._case()
        user = request_user(request)
        data = _body(s.CaseMaterialUploadSerializer, request)
        upload = data.get("file")
        if upload is None:
            raise DjangoValidationError({"file": "请选择要上传的文件。"})
        row = services.case_material_upload(
            case=case, actor=user, order=data["material"], file=upload, file_name=upload.name
        )
        return Response(s.CaseMaterialSerializer(presenting.material(case, row)).data, status=201)

    @extend_schema(
        request=s.CasePaperSerializer,
        responses={200: s.CaseMaterialSerializer, **ERROR_RESPONSES},
        summary="登记纸质原件（窗口）",
    )
    @action(detail=True, methods=["post"], url_path="materials/paper", url_name="paper")
    def paper(self, request: Request, pk: str | None = None) -> Response:
        """Record at the window that the paper original of one material was received."""
        case = self._case()
        user = request_user(request)
        data = _body(s.CasePaperSerializer, request)
        row = services.case_material_paper(
            case=case, actor=user, order=data["material"], received=data["received"]
        )
        return Response(s.CaseMaterialSerializer(presenting.material(case, row)).data)

    @extend_schema(
        request=s.CaseVerifySerializer,
        responses={200: s.CaseDetailSerializer, **ERROR_RESPONSES},
        summary="告知承诺核查",
    )
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        """告知承诺: record whether the commitment a case was decided on is true (409 when the
        case has no open verification)."""
        case = self._case()
        user = request_user(request)
        if not user.has_perm(VERIFY):
            raise DjangoPermissionDenied("您的角色不能核查承诺。")
        data = _body(s.CaseVerifySerializer, request)
        services.case_verify(case=case, actor=user, confirmed=data["confirmed"], note=data["note"])
        return _detail(self._case(), user)

    # --- transitions ---------------------------------------------------------------------

    def _fire(
        self,
        request: Request,
        name: str,
        body: type[serializers.Serializer] | None,
        call: Callable[[Case, User, dict[str, Any]], object],
    ) -> Response:
        """Scope first (404), then the role (403), then the body (400) and the service (409
        for a state that does not allow it, 422 for a broken rule)."""
        user = request_user(request)
        case = self._case()
        transition = CASE.transitions[name]
        if not may(user, transition.permission):
            raise DjangoPermissionDenied(f"您的角色不能{transition.label}。")
        data = _body(body, request) if body is not None else {}
        call(case, user, data)
        return _detail(self._case(), user)

    @_transition_schema(None, "提交申请")
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request, "submit", None, lambda c, u, d: services.case_submit(case=c, actor=u)
        )

    @_transition_schema(s.CaseAcceptSerializer, "受理（可容缺受理）")
    @action(detail=True, methods=["post"], parser_classes=JSON_ONLY)
    def accept(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request,
            "accept",
            s.CaseAcceptSerializer,
            lambda c, u, d: services.case_accept(
                case=c, actor=u, deferred=d["deferred"], note=d["note"]
            ),
        )

    @_transition_schema(s.CaseReasonSerializer, "不予受理")
    @action(detail=True, methods=["post"], url_path="not-accept", url_name="not-accept")
    def not_accept(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request,
            "not_accept",
            s.CaseReasonSerializer,
            lambda c, u, d: services.case_not_accept(case=c, actor=u, reason=d["reason"]),
        )

    @_transition_schema(s.CaseCorrectionSerializer, "一次性告知补正")
    @action(
        detail=True,
        methods=["post"],
        url_path="request-correction",
        url_name="request-correction",
        parser_classes=JSON_ONLY,
    )
    def request_correction(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request,
            "request_correction",
            s.CaseCorrectionSerializer,
            lambda c, u, d: services.case_request_correction(
                case=c, actor=u, entries=[dict(e) for e in d["entries"]], note=d["note"]
            ),
        )

    @_transition_schema(None, "提交补正材料")
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request, "resubmit", None, lambda c, u, d: services.case_resubmit(case=c, actor=u)
        )

    @_transition_schema(s.CaseOptionalReasonSerializer, "撤回申请")
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request,
            "withdraw",
            s.CaseOptionalReasonSerializer,
            lambda c, u, d: services.case_withdraw(case=c, actor=u, reason=d["reason"]),
        )

    @_transition_schema(s.CaseNoteSerializer, "完成本审查环节")
    @action(detail=True, methods=["post"])
    def advance(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request,
            "advance",
            s.CaseNoteSerializer,
            lambda c, u, d: services.case_advance(case=c, actor=u, note=d["note"]),
        )

    @_transition_schema(s.CaseDecideSerializer, "作出决定（准予或不予）")
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request,
            "decide",
            s.CaseDecideSerializer,
            lambda c, u, d: services.case_decide(
                case=c,
                actor=u,
                decision=d["decision"],
                reason=d["reason"],
                basis=d["basis"],
                fee=d.get("fee"),
            ),
        )

    @_transition_schema(s.CasePauseSerializer, "启动特别程序（计时暂停）")
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request,
            "pause",
            s.CasePauseSerializer,
            lambda c, u, d: services.case_pause(
                case=c, actor=u, kind=d["kind"], reason=d["reason"], limit_days=d["limit_days"]
            ),
        )

    @_transition_schema(None, "结束特别程序（计时恢复）")
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request, "resume", None, lambda c, u, d: services.case_resume(case=c, actor=u)
        )

    @_transition_schema(s.CaseReasonSerializer, "延长审批期限（一次，负责人批准）")
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request,
            "extend",
            s.CaseReasonSerializer,
            lambda c, u, d: services.case_extend(case=c, actor=u, reason=d["reason"]),
        )

    @_transition_schema(None, "确认缴费")
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(request, "pay", None, lambda c, u, d: services.case_pay(case=c, actor=u))

    @_transition_schema(s.CaseDeliverSerializer, "送达（EMS 或电子送达）")
    @action(detail=True, methods=["post"])
    def deliver(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request,
            "deliver",
            s.CaseDeliverSerializer,
            lambda c, u, d: services.case_deliver(
                case=c, actor=u, tracking_number=d["tracking_number"]
            ),
        )

    @_transition_schema(s.CaseHandOutSerializer, "窗口出件")
    @action(detail=True, methods=["post"], url_path="hand-out", url_name="hand-out")
    def hand_out(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request,
            "hand_out",
            s.CaseHandOutSerializer,
            lambda c, u, d: services.case_hand_out(
                case=c,
                actor=u,
                collected_by=d["collected_by"],
                collector_id_number=d["collector_id_number"],
                id_checked=d["id_checked"],
            ),
        )

    @_transition_schema(None, "归档")
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        return self._fire(
            request, "archive", None, lambda c, u, d: services.case_archive(case=c, actor=u)
        )
