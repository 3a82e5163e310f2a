"""The half year's appointments (预约与排队) in the county hall through hall.services: slots set a
week ahead for each item group (Saturdays and holidays only for the groups designated 周末预约办,
as the working-day calendar says), booked online two days before, checked in on the day, called
and finished at a window of the group's kind. Slots: two per group and day; bookings: one per
twenty cases, weekends at half the weekday demand."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from yiwang.hall import services as hall
from yiwang.hall.models import ItemGroup, Slot
from yiwang.org.models import Applicant, ServiceHall, User, Window, WindowKind
from yiwang.workdays.selectors import is_working_day

from .clock import SimulatedClock

SHARE = 0.05  # bookings per case
WORKDAY_TIMES = (dt.time(9, 0), dt.time(14, 30))
WEEKEND_TIMES = (dt.time(9, 0), dt.time(10, 0))
HALL = "示范县政务服务中心"


def calendar_days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


@dataclass(frozen=True)
class BookingPlan:
    day: int  # index into the calendar days
    group: int
    slot: int
    who: int


def booking_plans(
    seed: int, total: int, days: list[dt.date], groups: list[ItemGroup]
) -> list[BookingPlan]:
    """`total` bookings spread over the days that have slots (weekends at half weight), each
    within the slots' capacity."""
    rng = random.Random(f"{seed}-bookings")
    open_days = []
    for n, day in enumerate(days):
        working = is_working_day(day)
        allowed = [g for g, group in enumerate(groups) if working or group.weekend]
        if allowed:
            open_days.append((n, allowed, 1.0 if working else 0.5))
    weights = [w for _, _, w in open_days]
    plans = []
    taken: dict[tuple[int, int, int], int] = defaultdict(int)
    for _ in range(total):
        n, allowed, _w = rng.choices(open_days, weights=weights)[0]
        group, slot, who = rng.choice(allowed), rng.randrange(2), rng.randrange(1_000_000)
        if taken[(n, group, slot)] >= capacity(is_working_day(days[n])):
            continue  # full: the citizen books nothing
        taken[(n, group, slot)] += 1
        plans.append(BookingPlan(day=n, group=group, slot=slot, who=who))
    plans.sort(key=lambda b: (b.day, b.slot, b.group))
    return plans


def capacity(working: bool) -> int:
    return 4 if working else 6


def day_batches(plans: list[BookingPlan], size: int) -> list[list[BookingPlan]]:
    """The plans (in day order) cut into runs of whole days of about `size` bookings: one
    transaction each (engine), so the database is not held for the whole half year's bookings
    at once."""
    batches: list[list[BookingPlan]] = []
    current: list[BookingPlan] = []
    for plan in plans:
        if current and len(current) >= size and plan.day != current[-1].day:
            batches.append(current)
            current = []
        current.append(plan)
    if current:
        batches.append(current)
    return batches


class AppointmentRunner:
    def __init__(
        self, *, clock: SimulatedClock, days: list[dt.date], citizens: list[Applicant]
    ) -> None:
        self.clock, self.days, self.citizens = clock, days, citizens
        self.hall = ServiceHall.objects.get(name=HALL)
        self.groups = list(ItemGroup.objects.filter(active=True).order_by("code"))
        self._windows: dict[int, tuple[Window, User]] | None = None

    def windows(self) -> dict[int, tuple[Window, User]]:
        """Per group: a window of its kind in the hall and the clerk at it."""
        out = {}
        for g, group in enumerate(self.groups):
            windows = Window.objects.filter(hall=self.hall, kind=group.window_kind, active=True)
            if group.window_kind == WindowKind.DEDICATED:
                windows = windows.filter(department=group.department)
            for window in windows.order_by("number"):
                staff = window.staff.select_related("user").order_by("pk").first()
                if staff is not None:
                    out[g] = (window, staff.user)
                    break
        return out

    def run(self, plans: list[BookingPlan]) -> int:
        """The plans' days (whole days, in order): slots, bookings, visits; how many visits."""
        if self._windows is None:
            self._windows = self.windows()
        windows = self._windows
        by_day: dict[int, list[BookingPlan]] = defaultdict(list)
        for plan in plans:
            if plan.group in windows:
                by_day[plan.day].append(plan)
        made = 0
        for n, todays in sorted(by_day.items()):
            day = self.days[n]
            working = is_working_day(day)
            times = WORKDAY_TIMES if working else WEEKEND_TIMES
            # The week before: the day's slots.
            self.clock.at(day - dt.timedelta(days=7), 8 * 60)
            slots: dict[tuple[int, int], Slot] = {}
            for g in sorted({p.group for p in todays}):
                for s, start in enumerate(times):
                    end = (dt.datetime.combine(day, start) + dt.timedelta(minutes=30)).time()
                    slots[(g, s)] = hall.slot_create(
                        hall=self.hall,
                        group=self.groups[g],
                        day=day,
                        starts_at=start,
                        ends_at=end,
                        capacity=capacity(working),
                    )
            # Two days before: the bookings, online.
            self.clock.at(day - dt.timedelta(days=2), 20 * 60)
            bookings = []
            first = todays[0].who  # distinct citizens within a day (fewer places than people)
            for k, plan in enumerate(todays):
                user = self.citizens[(first + k) % len(self.citizens)].user
                assert user is not None
                slot = slots[(plan.group, plan.slot)]
                bookings.append((plan, hall.booking_create(slot=slot, user=user)))
            # On the day: check in a few minutes before the slot, called and finished in turn.
            for s, start in enumerate(times):
                minute = start.hour * 60 + start.minute
                due = [(p, b) for p, b in bookings if p.slot == s]
                self.clock.at(day, minute - 5)
                for _, booking in due:
                    hall.booking_check_in(hall=self.hall, code=booking.code)
                for i, (plan, _) in enumerate(due):
                    window, clerk = windows[plan.group]
                    self.clock.at(day, minute + 1 + i * 6)
                    hall.ticket_call_next(window=window, actor=clerk)
                    self.clock.at(day, minute + 5 + i * 6)
                    hall.ticket_finish(window=window, actor=clerk)
                made += len(due)
        return made
