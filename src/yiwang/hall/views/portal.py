"""The citizen's appointment pages (/hall/): open slots by item group and hall (anyone may
look), booking (citizens and enterprises, signed in), 我的预约 with cancelling. No business
rules here: the services check and write, the selectors read."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

# The one decorator of the applicants' pages (signed-in citizens and enterprises only).
from yiwang.cases.views.portal import applicant_page
from yiwang.hall import selectors, services
from yiwang.hall.fields import BookingChannel, BookingStatus, screen_refresh_seconds
from yiwang.portal.selectors import is_applicant_user


def _refusal(exc: ValidationError) -> str:
    return " ".join(_(m) for m in exc.messages)


def book(request: HttpRequest) -> HttpResponse:
    """Choose an item group (and a hall): its open slots by day, each with what remains."""
    groups = list(selectors.groups_open())
    code = request.GET.get("group", "")[:32]
    group = next((g for g in groups if g.code == code), groups[0] if groups else None)
    halls = list(selectors.halls_public())
    hall_id = request.GET.get("hall", "")
    hall = next((h for h in halls if str(h.pk) == hall_id), None)
    slots = list(selectors.slots_open(group=group, hall=hall)) if group is not None else []
    return render(
        request,
        "hall/portal/book.html",
        {"groups": groups, "group": group, "halls": halls, "hall": hall, "slots": slots},
    )


@require_POST
def book_slot(request: HttpRequest, pk: int) -> HttpResponse:
    slot = selectors.slot_get(pk)
    if not request.user.is_authenticated:  # back to the slots once signed in (not to a POST)
        back = f"{reverse('hall-portal:book')}?group={slot.group.code}"
        return redirect(f"{reverse('org:citizen-sign-in')}?{urlencode({'next': back})}")
    if not is_applicant_user(request.user):
        return redirect("workbench:home")
    try:
        booking = services.booking_create(
            slot=slot,
            user=request.user,  # type: ignore[arg-type]
            channel=BookingChannel.ONLINE,
        )
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
        return redirect(f"{reverse('hall-portal:book')}?group={slot.group.code}")
    messages.success(
        request,
        _("预约成功，预约号 %(code)s，确认短信已发送。请按时到大厅签到取号。")
        % {"code": booking.code},
    )
    return redirect("hall-portal:mine")


@applicant_page
def mine(request: HttpRequest) -> HttpResponse:
    bookings = list(selectors.bookings_of(request.user)[:50])  # type: ignore[arg-type]
    return render(
        request,
        "hall/portal/mine.html",
        {"bookings": bookings, "booked": BookingStatus.BOOKED},
    )


@require_POST
@applicant_page
def cancel(request: HttpRequest, code: str) -> HttpResponse:
    booking = selectors.booking_of(request.user, code)  # type: ignore[arg-type]
    try:
        services.booking_cancel(booking=booking, actor=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, _("已取消预约 %(code)s。") % {"code": booking.code})
    return redirect("hall-portal:mine")


def screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The hall screen (叫号屏): a page for the hall's display that reloads its calls itself
    (htmx, every YIWANG_HALL_SCREEN_REFRESH_SECONDS)."""
    data = selectors.screen(selectors.hall_get(pk))
    partial = request.headers.get("HX-Request") == "true"
    template = "hall/screen/_calls.html" if partial else "hall/screen/screen.html"
    return render(request, template, {"screen": data, "refresh": screen_refresh_seconds()})
