"""Hall API (预约与排队, /api/hall/): the open item groups and slots and the hall screen for
anyone; booking and cancelling for a signed-in citizen or enterprise (channel 掌上); walk-in
tickets, check-in and calling for staff at the hall (window clerks). Rules are the services';
a full slot or a state that does not allow the step is a 409, another rule broken a 422."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yiwang.common.api import ERROR_RESPONSES, StaffOnly, request_user
from yiwang.common.filters import IdFilter, StrictFilterSet
from yiwang.hall import selectors, services
from yiwang.hall.api import serializers as s
from yiwang.hall.fields import BookingChannel
from yiwang.hall.models import Booking, ItemGroup, Slot
from yiwang.org.models import UserKind, Window

CALL = "cases.accept_case"  # the counter's permission: window clerks take, check in and call


def _body(serializer: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    body = serializer(data=request.data)
    body.is_valid(raise_exception=True)
    return dict(body.validated_data)


class ApplicantOnly(permissions.BasePermission):
    """Signed-in citizens and enterprises (bookings are their own)."""

    message = "只有个人或企业用户可以预约。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return getattr(user, "kind", "") in (UserKind.CITIZEN, UserKind.ENTERPRISE)


class CounterStaff(StaffOnly):
    """Staff who serve the counter (cases.accept_case)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        if not request.user.has_perm(CALL):
            self.message = "您的角色不能取号或叫号。"
            return False
        return True


class GroupViewSet(viewsets.GenericViewSet):
    """Item groups that take appointments (事项分组)."""

    permission_classes = [permissions.AllowAny]
    queryset = ItemGroup.objects.none()
    serializer_class = s.GroupSerializer

    @extend_schema(responses={200: s.GroupSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.groups_open())
        return self.get_paginated_response(s.GroupSerializer(page, many=True).data)


class SlotFilter(StrictFilterSet):
    group = filters.CharFilter(field_name="group__code", max_length=32)
    hall = IdFilter(field_name="hall_id")

    class Meta:
        model = Slot
        fields: list[str] = []


class SlotViewSet(viewsets.GenericViewSet):
    """Slots that may still be booked (from now to YIWANG_HALL_BOOKING_DAYS_AHEAD days ahead),
    full ones included (remaining 0)."""

    permission_classes = [permissions.AllowAny]
    queryset = Slot.objects.none()
    serializer_class = s.SlotSerializer
    filterset_class = SlotFilter

    def get_queryset(self) -> Any:
        return selectors.slots_open()

    @extend_schema(responses={200: s.SlotSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.SlotSerializer(page, many=True).data)


class BookingViewSet(viewsets.GenericViewSet):
    """The caller's own bookings (a citizen or enterprise)."""

    permission_classes = [ApplicantOnly]
    queryset = Booking.objects.none()
    serializer_class = s.BookingSerializer
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Za-z]{1,16}"

    def get_queryset(self) -> Any:
        return selectors.bookings_of(request_user(self.request))

    @extend_schema(responses={200: s.BookingSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.BookingSerializer(page, many=True).data)

    @extend_schema(responses={200: s.BookingSerializer, **ERROR_RESPONSES})
    def retrieve(self, request: Request, code: str = "") -> Response:
        booking = selectors.booking_of(request_user(request), code)
        return Response(s.BookingSerializer(booking).data)

    @extend_schema(
        request=s.BookingCreateSerializer,
        responses={201: s.BookingSerializer, **ERROR_RESPONSES},
    )
    def create(self, request: Request) -> Response:
        """Book a place in a slot; the confirmation goes by SMS (and a site message)."""
        data = _body(s.BookingCreateSerializer, request)
        slot = selectors.slot_get(data["slot"])
        booking = services.booking_create(
            slot=slot, user=request_user(request), channel=BookingChannel.API
        )
        return Response(s.BookingSerializer(booking).data, status=201)

    @extend_schema(request=None, responses={200: s.BookingSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, code: str = "") -> Response:
        """Cancel before the slot starts; the place is given back and the citizen told."""
        booking = selectors.booking_of(request_user(request), code)
        booking = services.booking_cancel(booking=booking, actor=request_user(request))
        return Response(s.BookingSerializer(booking).data)


class HallViewSet(viewsets.GenericViewSet):
    """A hall's screen (public) and its counter: walk-in tickets and appointment check-in."""

    queryset = Slot.objects.none()
    serializer_class = s.TicketSerializer
    lookup_value_regex = "[0-9]+"

    def get_permissions(self) -> list[Any]:
        if getattr(self, "action", None) == "screen":
            return [permissions.AllowAny()]
        return [CounterStaff()]

    def _hall(self) -> Any:
        pk = int(self.kwargs["pk"])
        if getattr(self, "action", None) == "screen":
            return selectors.hall_get(pk)
        hall = selectors.halls_for(request_user(self.request)).filter(pk=pk).first()
        if hall is None:
            raise Http404("没有找到该大厅。")
        return hall

    @extend_schema(responses={200: s.ScreenSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["get"])
    def screen(self, request: Request, pk: str = "") -> Response:
        """The hall screen (叫号屏): the latest calls and how many wait per window kind."""
        return Response(s.ScreenSerializer(selectors.screen(self._hall())).data)

    @extend_schema(
        request=s.TicketTakeSerializer, responses={201: s.TicketSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def tickets(self, request: Request, pk: str = "") -> Response:
        """A walk-in's number (现场取号) for an item group."""
        hall = self._hall()
        data = _body(s.TicketTakeSerializer, request)
        group = selectors.group_get(data["group"])
        ticket = services.ticket_take(hall=hall, group=group, actor=request_user(request))
        return Response(s.TicketSerializer(ticket).data, status=201)

    @extend_schema(
        request=s.CheckInSerializer, responses={201: s.TicketSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: str = "") -> Response:
        """Check an appointment in by its 预约号: its ticket is issued."""
        hall = self._hall()
        data = _body(s.CheckInSerializer, request)
        ticket = services.booking_check_in(
            hall=hall, code=data["code"], actor=request_user(request)
        )
        return Response(s.TicketSerializer(ticket).data, status=201)


class WindowViewSet(viewsets.GenericViewSet):
    """Calling at a window: the clerk's own window (Staff.window)."""

    permission_classes = [CounterStaff]
    queryset = Slot.objects.none()
    serializer_class = s.CallNextSerializer
    lookup_value_regex = "[0-9]+"

    def _window(self) -> Window:
        """A window of a hall in the caller's scope (else 404); the services refuse a window
        that is not the caller's own."""
        halls = selectors.halls_for(request_user(self.request))
        window = (
            Window.objects.select_related("hall", "department")
            .filter(pk=int(self.kwargs["pk"]), hall__in=halls)
            .first()
        )
        if window is None:
            raise Http404("没有找到该窗口。")
        return window

    @extend_schema(request=None, responses={200: s.CallNextSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"], url_path="call-next")
    def call_next(self, request: Request, pk: str = "") -> Response:
        """Finish the current ticket and call the next (an appointment at its time first)."""
        ticket = services.ticket_call_next(window=self._window(), actor=request_user(request))
        return Response({"ticket": s.TicketSerializer(ticket).data if ticket else None})

    @extend_schema(
        request=s.FinishSerializer, responses={200: s.TicketSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def finish(self, request: Request, pk: str = "") -> Response:
        """End the current ticket: done, or missed (过号)."""
        data = _body(s.FinishSerializer, request)
        ticket = services.ticket_finish(
            window=self._window(), actor=request_user(request), missed=data["missed"]
        )
        return Response(s.TicketSerializer(ticket).data)
