"""Rating API (好差评, /api/evaluations/): a signed-in citizen's ratings from the app (channel
移动端), and the window rating device (评价器), authenticated per window by an org.ApiKey of scope
"rating-device" bound to that window (X-Api-Key) — it rates only its own window's visits and
cases. Rules are the services': a second rating is a 409, another rule broken a 422."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.cases import selectors as case_selectors
from yiwang.common.api import ERROR_RESPONSES, request_user
from yiwang.evaluations import selectors, services
from yiwang.evaluations.api import serializers as s
from yiwang.evaluations.fields import Channel
from yiwang.evaluations.tokens import rating_url, visit_token, window_token
from yiwang.org.auth import HasApiKey, RatingDeviceKeyAuthentication
from yiwang.org.models import ApiKey, UserKind, Window


def _body(serializer: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class ApplicantOnly(permissions.BasePermission):
    message = "只有个人或企业用户可以评价本人的办件。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated) and getattr(user, "kind", "") in (
            UserKind.CITIZEN,
            UserKind.ENTERPRISE,
        )


class MyRatings(APIView):
    """The caller's own real-name ratings; POST rates one of his concluded cases."""

    permission_classes = [ApplicantOnly]

    @extend_schema(responses={200: s.RatingSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request: Request) -> Response:
        rows = selectors.ratings_of_applicant(user=request_user(request))
        return Response(s.RatingSerializer(rows[:200], many=True).data)

    @extend_schema(request=s.CaseRatingBody, responses={201: s.RatingSerializer, **ERROR_RESPONSES})
    def post(self, request: Request) -> Response:
        data = _body(s.CaseRatingBody, request)
        user = request_user(request)
        case = case_selectors.case_get_for(user=user, pk=data["case"])
        rating = services.rating_for_case(
            case=case,
            channel=Channel.APP,
            level=data["level"],
            scores=data.get("scores"),
            comment=data["comment"],
            rater=services.RaterInput(anonymous=data["anonymous"]),
            actor=user,
        )
        return Response(s.RatingSerializer(rating).data, status=201)


def _device_window(request: Request) -> Window:
    key: ApiKey = request.auth  # type: ignore[assignment]
    # A rating-device key always names its window (org.ApiKey's check constraint).
    return Window.objects.select_related("hall", "department").get(pk=int(key.window_id or 0))


class Device(APIView):
    """The rating device of one window: what it may offer for rating now (GET) and a rating
    (POST): of a served queue number (`visit`), of a case accepted here (`case_number`), or
    of the window itself (neither)."""

    authentication_classes = [RatingDeviceKeyAuthentication]
    permission_classes = [HasApiKey]

    @extend_schema(responses={200: s.DeviceStateSerializer, **ERROR_RESPONSES})
    def get(self, request: Request) -> Response:
        window = _device_window(request)
        pending = selectors.device_pending_visit(window)
        return Response(
            s.DeviceStateSerializer(
                {
                    "window": window,
                    "pending": pending,
                    "pending_qr": rating_url(visit_token(pending.pk)) if pending else None,
                    "window_qr": rating_url(window_token(window.pk)),
                }
            ).data
        )

    @extend_schema(
        request=s.DeviceRatingBody, responses={201: s.RatingSerializer, **ERROR_RESPONSES}
    )
    def post(self, request: Request) -> Response:
        data = _body(s.DeviceRatingBody, request)
        window = _device_window(request)
        common: dict[str, Any] = {
            "channel": Channel.DEVICE,
            "level": data["level"],
            "scores": data.get("scores"),
            "comment": data["comment"],
            "rater": services.RaterInput(anonymous=data["anonymous"]),
        }
        if data.get("visit"):
            visit = selectors.device_visit(window, data["visit"])
            rating = services.rating_for_visit(visit=visit, window=window, **common)
        elif data.get("case_number"):
            case = selectors.device_case(window, data["case_number"])
            rating = services.rating_for_case(case=case, window=window, **common)
        else:
            rating = services.rating_for_window(window=window, **common)
        return Response(s.RatingSerializer(rating).data, status=201)
