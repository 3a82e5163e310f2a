"""The hall vocabulary (预约与排队): booking and ticket statuses, ticket kinds, and the
configurable numbers (how far ahead one may book, how early one may check in, the ticket
prefixes per window kind) — defined once, used by models, services, selectors, pages and
metrics."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_noop

from yiwang.org.models import WindowKind


# Labels stay Chinese (the API answers with them); pages translate them.
class BookingStatus(models.TextChoices):
    BOOKED = "booked", gettext_noop("已预约")  # waiting for the day
    KEPT = "kept", gettext_noop("已到场")  # checked in: an appointment ticket was issued
    CANCELLED = "cancelled", gettext_noop("已取消")
    NO_SHOW = "no_show", gettext_noop("未到场")  # the slot ended without a check-in (爽约)


ACTIVE_BOOKING = (BookingStatus.BOOKED, BookingStatus.KEPT)  # holds a place in its slot


class BookingChannel(models.TextChoices):
    ONLINE = "online", gettext_noop("网上")
    API = "api", gettext_noop("掌上")


class TicketKind(models.TextChoices):
    WALK_IN = "walk_in", gettext_noop("现场取号")
    APPOINTMENT = "appointment", gettext_noop("预约取号")


class TicketStatus(models.TextChoices):
    WAITING = "waiting", gettext_noop("等候中")
    CALLED = "called", gettext_noop("办理中")  # called to a window, being served
    DONE = "done", gettext_noop("已办结")
    MISSED = "missed", gettext_noop("过号")  # called, did not come to the window


DEFAULT_PREFIXES = {
    WindowKind.COMPREHENSIVE: "A",
    WindowKind.DEDICATED: "B",
    WindowKind.ENTERPRISE: "C",
    WindowKind.CANT_GET_DONE: "D",
}


def ticket_prefix(window_kind: str, kind: str) -> str:
    """The letters of a ticket number: the window kind's (YIWANG_HALL_TICKET_PREFIXES,
    "kind=letter,…"), preceded by YIWANG_HALL_APPOINTMENT_PREFIX for an appointment, so a
    screen shows at a glance who booked (A003, YA001)."""
    prefixes = {str(k): v for k, v in DEFAULT_PREFIXES.items()}
    for pair in settings.YIWANG_HALL_TICKET_PREFIXES:
        key, _, letter = pair.partition("=")
        if key.strip() and letter.strip():
            prefixes[key.strip()] = letter.strip()
    letter = prefixes.get(window_kind, "X")
    if kind == TicketKind.APPOINTMENT:
        return f"{settings.YIWANG_HALL_APPOINTMENT_PREFIX}{letter}"
    return letter


def booking_days_ahead() -> int:
    """How many days ahead a slot may be booked (YIWANG_HALL_BOOKING_DAYS_AHEAD, default 14)."""
    return int(settings.YIWANG_HALL_BOOKING_DAYS_AHEAD)


def check_in_early_minutes() -> int:
    """How long before his slot a citizen may check in (YIWANG_HALL_CHECK_IN_EARLY_MINUTES,
    default 60); he may check in until the slot ends."""
    return int(settings.YIWANG_HALL_CHECK_IN_EARLY_MINUTES)


def screen_refresh_seconds() -> int:
    """How often the hall screen reloads its calls (YIWANG_HALL_SCREEN_REFRESH_SECONDS, 5)."""
    return max(1, int(settings.YIWANG_HALL_SCREEN_REFRESH_SECONDS))


def screen_rows() -> int:
    """How many recent calls the hall screen lists (YIWANG_HALL_SCREEN_ROWS, default 8)."""
    return max(1, int(settings.YIWANG_HALL_SCREEN_ROWS))
