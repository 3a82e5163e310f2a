"""Every read of the hall that is more than a `get`: open slots, a citizen's bookings, the
queue of a window, the hall screen, and the staff's halls in their data scope (a hall is in a
scope when its region is: a region scope's prefix, a department's own region)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from yiwang.hall import clock
from yiwang.hall.fields import TicketKind, TicketStatus, booking_days_ahead, screen_rows
from yiwang.hall.models import Booking, ItemGroup, Slot, Ticket
from yiwang.org.models import ServiceHall, User, Window, WindowKind
from yiwang.org.scope import DataScope
from yiwang.org.selectors import data_scope_for


def hall_q(scope: DataScope, path: str = "hall") -> Q:
    """Q restricting a queryset whose `path` leads to a ServiceHall to the scope's halls."""
    prefix = f"{path}__" if path else ""
    if scope.everything:
        return Q()
    if scope.kind == "region":
        return Q(**{f"{prefix}region__code__startswith": scope.region_prefix})
    if scope.kind == "department":
        return Q(**{f"{prefix}region__department__id": scope.department_id})
    return Q(pk__in=[])


def halls_for(user: User) -> QuerySet[ServiceHall]:
    """The halls a staff member's data scope reaches."""
    return ServiceHall.objects.filter(hall_q(data_scope_for(user), path="")).distinct()


def halls_public() -> QuerySet[ServiceHall]:
    """Every hall, as citizens choose among them (halls and their slots are public)."""
    return ServiceHall.objects.order_by("region__code", "name")


def hall_get(pk: int) -> ServiceHall:
    """Any hall (halls are public: their screens and slots are shown to everyone)."""
    hall = ServiceHall.objects.filter(pk=pk).select_related("region").first()
    if hall is None:
        raise Http404("没有找到该大厅。")
    return hall


def groups_open() -> QuerySet[ItemGroup]:
    return ItemGroup.objects.filter(active=True).select_related("department")


def group_get(code: str) -> ItemGroup:
    group = groups_open().filter(code=code).first()
    if group is None:
        raise Http404("没有找到该预约事项分组。")
    return group


def slots_open(
    *,
    group: ItemGroup | None = None,
    hall: ServiceHall | None = None,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> QuerySet[Slot]:
    """Slots that may still be booked: from now to YIWANG_HALL_BOOKING_DAYS_AHEAD days ahead,
    of active groups, full ones included (shown as 已约满)."""
    local = clock.local(clock.now())
    today = local.date()
    horizon = today + dt.timedelta(days=booking_days_ahead())
    first = max(first or today, today)
    last = min(last or horizon, horizon)
    slots = (
        Slot.objects.filter(group__active=True, day__gte=first, day__lte=last)
        .exclude(day=today, starts_at__lte=local.time())
        .select_related("hall", "group")
        .order_by("day", "starts_at", "hall__name", "group__code")
    )
    if group is not None:
        slots = slots.filter(group=group)
    if hall is not None:
        slots = slots.filter(hall=hall)
    return slots


COMING_ROWS = 50  # the slots page lists this many coming slots (a glance, not a report)


def slots_coming(halls: QuerySet[ServiceHall]) -> list[Slot]:
    """The next slots of `halls` (a staff member's halls in scope), from today on, every group."""
    today = clock.local(clock.now()).date()
    return list(
        Slot.objects.filter(hall__in=halls, day__gte=today)
        .select_related("hall", "group")
        .order_by("day", "starts_at", "hall__name", "group__code")[:COMING_ROWS]
    )


def slot_get(pk: int) -> Slot:
    slot = Slot.objects.filter(pk=pk).select_related("hall", "group").first()
    if slot is None:
        raise Http404("没有找到该预约时段。")
    return slot


def bookings_of(user: User) -> QuerySet[Booking]:
    """A citizen's own bookings, latest slot first."""
    return (
        Booking.objects.filter(user_id=user.pk)
        .select_related("slot__hall", "slot__group", "ticket")
        .order_by("-slot__day", "-slot__starts_at", "-id")
    )


def booking_of(user: User, code: str) -> Booking:
    """One of the citizen's bookings by its code; anyone else's is 404."""
    booking = bookings_of(user).filter(code=(code or "").upper()).first()
    if booking is None:
        raise Http404("没有找到该预约。")
    return booking


def window_of(user: User) -> Window | None:
    """The window a staff member sits at (Staff.window), if any."""
    staff = getattr(user, "staff", None)
    if staff is None or staff.window_id is None:
        return None
    return Window.objects.select_related("hall", "department").get(pk=staff.window_id)


def waiting_for(window: Window) -> QuerySet[Ticket]:
    """The tickets a window may call, in call order: appointments whose time has come (by
    their time), then walk-ins (by number), then appointments checked in early. A 专窗 calls
    its own department's tickets; other windows any ticket of their kind in their hall."""
    now = clock.now()
    tickets = Ticket.objects.filter(
        hall_id=window.hall_id,
        day=clock.local(now).date(),
        window_kind=window.kind,
        status=TicketStatus.WAITING,
    )
    if window.kind == WindowKind.DEDICATED:
        tickets = tickets.filter(department=window.department)
    return tickets.annotate(
        priority=Case(
            When(kind=TicketKind.APPOINTMENT, due_at__lte=now, then=Value(0)),
            When(kind=TicketKind.WALK_IN, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("priority", "due_at", "issued_at", "pk")


def serving_at(window: Window) -> Ticket | None:
    return Ticket.objects.filter(window=window, status=TicketStatus.CALLED).first()


@dataclass(frozen=True)
class Screen:
    """What the hall screen (叫号屏) shows: the latest calls and how many wait per kind."""

    hall: ServiceHall
    calls: list[Ticket]
    waiting: dict[str, int]


def screen(hall: ServiceHall) -> Screen:
    today = clock.local(clock.now()).date()
    calls = list(
        Ticket.objects.filter(hall=hall, day=today, called_at__isnull=False)
        .select_related("window")
        .order_by("-called_at", "-id")[: screen_rows()]
    )
    counts = dict(
        Ticket.objects.filter(hall=hall, day=today, status=TicketStatus.WAITING)
        .values("window_kind")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("window_kind", "n")
    )
    waiting = {
        str(label): counts.get(value, 0) for value, label in WindowKind.choices if value in counts
    }
    return Screen(hall=hall, calls=calls, waiting=waiting)


def tickets_today(hall: ServiceHall) -> QuerySet[Ticket]:
    today = clock.local(clock.now()).date()
    return Ticket.objects.filter(hall=hall, day=today).select_related("window", "group")
