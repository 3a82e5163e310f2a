"""Every read of the front desk (综合窗口): the clerk's window, which front desk hands a case's
result out, the hand-out queue of a hall, the clerk's day, the back offices' queues. Staff see
what their desk or their data scope covers; anything else is 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from yiwang.cases.fields import CaseStatus, Channel, Delivery
from yiwang.cases.models import Case
from yiwang.cases.selectors import cases_for
from yiwang.org.models import ServiceHall, User, Window, WindowKind
from yiwang.windows.models import HandOut, Routing

NOT_IN_QUEUE = "未找到该办件，或它不在本大厅的待出件队列中。"


def front_desk_window(user: User) -> Window | None:
    """The 综合窗口 the staff member sits at (an active one), else None."""
    staff = getattr(user, "staff", None)
    window = staff.window if staff is not None and staff.window_id else None
    if window is None or not window.active or window.kind != WindowKind.COMPREHENSIVE:
        return None
    return window


def serves_q(hall: ServiceHall, path: str = "") -> Q:
    """Cases whose result the front desk of `hall` hands out: those taken in at that hall's
    综合窗口 (their routing), and those applied for elsewhere (online) whose department lies in
    the hall's region. The same rule as `serves`, in SQL."""
    p = f"{path}__" if path else ""
    return Q(**{f"{p}routing__hall": hall}) | Q(
        **{
            f"{p}routing__isnull": True,
            f"{p}department__region__code__startswith": hall.region.code,
        }
    )


def serves(window: Window, case: Case) -> bool:
    """Whether the front desk at `window` hands out `case`'s result (serves_q for one case)."""
    routing = Routing.objects.filter(case=case).only("hall_id").first()
    if routing is not None:
        return routing.hall_id == window.hall_id
    return bool(case.department.region.code.startswith(window.hall.region.code))


def hand_out_queue_for(*, user: User) -> QuerySet[Case]:
    """待出件 at the user's front desk: concluded cases to be collected at a window that this
    hall's front desk serves, oldest decision first. A superuser sees every hall's; anyone not
    at a 综合窗口 none."""
    cases = Case.objects.filter(status=CaseStatus.CONCLUDED, delivery=Delivery.PICKUP)
    window = front_desk_window(user)
    if window is not None:
        cases = cases.filter(serves_q(window.hall))
    elif not user.is_superuser:
        return Case.objects.none()
    return cases.select_related(
        "item", "version", "department", "applicant", "routing__window"
    ).order_by("concluded_on", "id")


def hand_out_case_for(*, user: User, pk: int) -> Case:
    case = hand_out_queue_for(user=user).filter(pk=pk).first()
    if case is None:
        raise Http404(NOT_IN_QUEUE)
    return case


@dataclass(frozen=True)
class DayView:
    """A front-desk clerk's day: what he received, what he routed to the back offices, what
    waits for hand-out at his hall's front desk, and what he handed out."""

    day: dt.date
    window: Window | None
    received: list[Case]
    routed: list[Routing]
    waiting: list[Case]
    handed_out: list[HandOut]


def day_view_for(*, user: User, day: dt.date) -> DayView:
    received = (
        Case.objects.filter(
            created_by=user,
            received_on=day,
            channel__in=[Channel.WINDOW, Channel.ASSISTED, Channel.KIOSK],
        )
        .select_related("item", "version", "department", "applicant")
        .order_by("submitted_at", "id")
    )
    routed = (
        Routing.objects.filter(routed_by=user, routed_on=day)
        .select_related("case__version", "case__applicant", "department")
        .order_by("routed_at", "id")
    )
    handed = (
        HandOut.objects.filter(clerk=user, handed_on=day)
        .select_related("case__version", "window")
        .order_by("handed_at", "id")
    )
    return DayView(
        day=day,
        window=front_desk_window(user),
        received=list(received),
        routed=list(routed),
        waiting=list(hand_out_queue_for(user=user)),
        handed_out=list(handed),
    )


def back_office_for(*, user: User) -> QuerySet[Case]:
    """后台队列: cases the front desks sent to the back offices in the user's data scope and
    still under review, per department (then the promised deadline)."""
    return (
        cases_for(user=user)
        .filter(routing__isnull=False, status=CaseStatus.IN_REVIEW)
        .select_related("routing__window__hall")
        .order_by("department__name", "promised_deadline", "id")
    )
