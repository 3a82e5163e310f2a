"""Org API. Every list comes from a scoped selector; out-of-scope objects answer 404."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action, api_view, authentication_classes, permission_classes
from rest_framework.exceptions import (
    AuthenticationFailed,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from yiwang.audit.services import personal_data_reveal
from yiwang.common.api import ERROR_RESPONSES, StaffOnly
from yiwang.common.filters import IdFilter, StrictFilterSet
from yiwang.common.personal import normalise
from yiwang.common.validators import validate_mobile

from .. import ratelimit, selectors, services
from ..auth import STAFF_SIGN_IN_FAILED, ApiTokenAuthentication
from ..models import Region, Staff, UserKind, Window
from . import serializers as s

ID_NUMBER_NOT_IN_URL = (
    "身份证号码不能放在网址中，请用 POST /api/org/applicants/lookup/ 按身份证号码查找。"
)


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def root(request: Request, format: str | None = None) -> Response:
    names = ["me", "regions", "departments", "halls", "windows", "staff", "applicants"]
    return Response(
        {
            n: reverse(
                f"org-api:{n}-list" if n != "me" else "org-api:me", request=request, format=format
            )
            for n in names
        }
    )


@extend_schema(responses={200: s.MeSerializer, **ERROR_RESPONSES})
@api_view(["GET"])
def me(request: Request) -> Response:
    """The signed-in user, roles and data scope."""
    user = request.user
    staff = selectors.staff_for_user(user)  # type: ignore[arg-type]
    scope = selectors.data_scope_for(user)  # type: ignore[arg-type]
    return Response(
        s.MeSerializer(
            {
                "username": user.get_username(),
                "kind": getattr(user, "kind", UserKind.STAFF),
                "full_name": staff.full_name if staff else user.get_full_name(),  # type: ignore[union-attr]
                "department": staff.department.name if staff else None,
                "roles": sorted(user.role_codes),  # type: ignore[union-attr]
                "scope": {
                    "kind": scope.kind,
                    "label": scope.label,
                    "department_id": scope.department_id,
                    "region_prefix": scope.region_prefix,
                },
            }
        ).data
    )


class RegionFilter(StrictFilterSet):
    parent = IdFilter(field_name="parent_id")

    class Meta:
        model = Region
        fields = ["level"]


class WindowFilter(StrictFilterSet):
    hall = IdFilter(field_name="hall_id")

    class Meta:
        model = Window
        fields = ["kind"]


class StaffFilter(StrictFilterSet):
    department = IdFilter(field_name="department_id")

    class Meta:
        model = Staff
        fields: list[str] = []


def _schema(serializer):  # type: ignore[no-untyped-def]
    return extend_schema_view(
        list=extend_schema(responses={200: serializer(many=True), **ERROR_RESPONSES}),
        retrieve=extend_schema(responses={200: serializer, **ERROR_RESPONSES}),
    )


@_schema(s.RegionSerializer)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions (区划) with 12-digit codes; public master data."""

    serializer_class = s.RegionSerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = RegionFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.region_list()


@_schema(s.DepartmentSerializer)
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Departments; public master data (citizens see who provides a service)."""

    serializer_class = s.DepartmentSerializer
    permission_classes = [permissions.AllowAny]
    filterset_fields = ["kind", "is_bureau"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.department_list()


@_schema(s.ServiceHallSerializer)
class ServiceHallViewSet(viewsets.ReadOnlyModelViewSet):
    """Service halls; public."""

    serializer_class = s.ServiceHallSerializer
    permission_classes = [permissions.AllowAny]
    filterset_fields = ["level"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.service_hall_list()


@_schema(s.WindowSerializer)
class WindowViewSet(viewsets.ReadOnlyModelViewSet):
    """Windows within the caller's data scope."""

    serializer_class = s.WindowSerializer
    permission_classes = [StaffOnly]
    filterset_class = WindowFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.window_list_for(user=self.request.user)  # type: ignore[arg-type]


@_schema(s.StaffSerializer)
class StaffViewSet(viewsets.ReadOnlyModelViewSet):
    """Staff within the caller's data scope; phone numbers masked."""

    serializer_class = s.StaffSerializer
    permission_classes = [StaffOnly]
    filterset_class = StaffFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.staff_list_for(user=self.request.user)  # type: ignore[arg-type]


@extend_schema_view(
    list=extend_schema(responses={200: s.ApplicantSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: s.ApplicantSerializer, **ERROR_RESPONSES}),
)
class ApplicantViewSet(viewsets.ReadOnlyModelViewSet):
    """Applicants, masked. Revealing a field needs a permission and a reason, and is audited."""

    serializer_class = s.ApplicantSerializer
    permission_classes = [StaffOnly]
    filterset_fields = ["kind"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.applicant_list_for(user=self.request.user)  # type: ignore[arg-type]

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        # An ID number in a URL ends up in access logs, browser history and `next=`: refuse it
        # and point to the POST lookup.
        if "id_number" in request.query_params:
            raise ValidationError({"id_number": [ID_NUMBER_NOT_IN_URL]})
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=s.ApplicantLookupSerializer,
        responses={200: s.ApplicantSerializer, **ERROR_RESPONSES},
    )
    @action(detail=False, methods=["post"])
    def lookup(self, request: Request) -> Response:
        """Find the applicant with this resident-ID number (in the body, never in the URL);
        404 when there is none in the caller's scope."""
        body = s.ApplicantLookupSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        applicant = selectors.applicant_lookup_for(
            user=request.user,  # type: ignore[arg-type]
            id_number=body.validated_data["id_number"],
        )
        return Response(self.get_serializer(applicant).data)

    @extend_schema(
        request=s.RevealRequestSerializer,
        responses={200: s.RevealResponseSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """Show one personal-data field in clear, recording who, when and why."""
        applicant = self.get_object()
        body = s.RevealRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            value = personal_data_reveal(
                actor=request.user,
                obj=applicant,
                field=body.validated_data["field"],
                reason=body.validated_data["reason"],
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied("您没有查看个人信息明文的权限。") from exc
        return Response(
            {"field": body.validated_data["field"], "value": value}, status=status.HTTP_200_OK
        )


@extend_schema(
    request=s.TokenRequestSerializer,
    responses={
        200: s.TokenResponseSerializer,
        **ERROR_RESPONSES,
        429: OpenApiResponse(ERROR_RESPONSES[401].response, description="尝试次数过多，请稍后再试"),
    },
    auth=[],
)
@api_view(["POST"])
@authentication_classes([ApiTokenAuthentication])  # only for the 401 challenge header
@permission_classes([permissions.AllowAny])
def obtain_token(request: Request) -> Response:
    """Exchange a staff or system account's user name and password — or a citizen's or
    enterprise's mobile number (as `username`) and password, for the 掌上 channel — for a new
    API token, shown this once; it expires after YIWANG_API_TOKEN_HOURS. The sign-in lockout
    and rate limits apply (a mobile number counts with the citizen sign-in page's), and every
    failure gives the same answer."""
    body = s.TokenRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    username, password = body.validated_data["username"], body.validated_data["password"]
    # A name that is a mainland mobile number is a citizen's or enterprise's sign-in.
    mobile = _as_mobile(username)
    scope, account = (
        (ratelimit.SIGN_IN, username)
        if mobile is None
        else (ratelimit.CITIZEN_SIGN_IN, normalise("phone", mobile))
    )
    try:
        ratelimit.hit(request._request, scope, account=account)
    except ratelimit.RateLimited as exc:
        throttled = Throttled(detail=exc.message)
        # Set afterwards: passed in, DRF appends an English "Expected available in …".
        throttled.wait = exc.retry_after  # type: ignore[attr-defined]
        raise throttled from exc
    if mobile is None:
        user = authenticate(request._request, username=username, password=password)
    else:
        user = authenticate(request._request, mobile=mobile, password=password)
    if user is None:
        raise AuthenticationFailed(STAFF_SIGN_IN_FAILED)
    return Response({"token": services.api_token_issue(user=user)})


def _as_mobile(username: str) -> str | None:
    try:
        return validate_mobile(username)
    except DjangoValidationError:
        return None
