"""The demo county's appointments and queue (预约与排队): three item groups — 户籍与身份证 at the
公安 专窗 and 企业开办 at the 综合窗口, both designated 周末预约办, and 综合业务 on working days
only — slots in the county hall for the coming week (Saturday and holiday slots for the
designated groups only, as the working-day calendar says), the demo citizen's Saturday booking,
and the previous working day's numbers so the waiting-time figures have records behind them.
Safe to run again: what exists is kept, new days get their slots."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from yiwang.catalog.models import ServiceItem
from yiwang.common.personal import personal_hash
from yiwang.demo import county as c
from yiwang.hall import services as hall
from yiwang.hall.fields import TicketKind, TicketStatus, ticket_prefix
from yiwang.hall.models import Booking, ItemGroup, Slot, Ticket
from yiwang.org.models import Applicant, Department, ServiceHall, Window, WindowKind
from yiwang.workdays.selectors import work_calendar

COUNTY_HALL = "示范县政务服务中心"
DAYS = 7
# (code, name, window kind, department or None, 周末预约办, item-name words)
GROUPS = [
    ("household", "户籍与身份证业务", WindowKind.DEDICATED, "县公安局", True, ("户", "身份证")),
    ("business", "企业开办", WindowKind.COMPREHENSIVE, None, True, ("营业执照", "设立", "开办")),
    ("general", "综合业务", WindowKind.COMPREHENSIVE, None, False, ()),
]
WORKDAY_TIMES = [(9, 0), (9, 30), (10, 0), (10, 30), (14, 30), (15, 0), (15, 30), (16, 0)]
WEEKEND_TIMES = [(9, 0), (9, 30), (10, 0), (10, 30), (11, 0), (11, 30)]


def _groups() -> list[ItemGroup]:
    groups = []
    for code, name, kind, dept_name, weekend, words in GROUPS:
        group = ItemGroup.objects.filter(code=code).first()
        if group is None:
            department = Department.objects.get(name=dept_name) if dept_name else None
            items = ServiceItem.objects.none()
            if words:
                items = ServiceItem.objects.filter(base__name__regex="|".join(words))
                if department is not None:
                    items = items.filter(department=department)
            group = hall.item_group_create(
                code=code,
                name=name,
                window_kind=kind,
                department=department,
                items=list(items[:20]),
                weekend=weekend,
            )
        groups.append(group)
    return groups


def _slots(county: ServiceHall, groups: list[ItemGroup], today: dt.date) -> int:
    calendar = work_calendar()
    existing = set(
        Slot.objects.filter(hall=county, day__gt=today).values_list("group_id", "day", "starts_at")
    )
    made = 0
    for offset in range(1, DAYS + 1):
        day = today + dt.timedelta(days=offset)
        working = calendar.is_working_day(day)
        for group in groups:
            if not working and not group.weekend:
                continue  # 周末预约办: non-working days only for the designated groups
            for hh, mm in WORKDAY_TIMES if working else WEEKEND_TIMES:
                start = dt.time(hh, mm)
                if (group.pk, day, start) in existing:
                    continue
                end = (dt.datetime.combine(day, start) + dt.timedelta(minutes=30)).time()
                hall.slot_create(
                    hall=county,
                    group=group,
                    day=day,
                    starts_at=start,
                    ends_at=end,
                    capacity=4 if working else 6,
                )
                made += 1
    return made


def _booking(groups: list[ItemGroup]) -> int:
    """The demo citizen's booking of the first Saturday (or holiday) slot of 户籍与身份证."""
    mobile = next(m for kind, _, m, _, _ in c.CITIZEN_SIGN_INS if kind == "person")
    person = Applicant.objects.filter(
        phone_hash=personal_hash("phone", mobile), user__isnull=False
    ).first()
    if person is None or Booking.objects.filter(user=person.user).exists():
        return 0
    slot = (
        Slot.objects.filter(group=groups[0], non_working_day=True, booked__lt=1)
        .order_by("day", "starts_at")
        .first()
    )
    if slot is None:
        return 0
    hall.booking_create(slot=slot, user=person.user)  # type: ignore[arg-type]
    return 1


def _history(county: ServiceHall, groups: list[ItemGroup], today: dt.date) -> int:
    """Yesterday's (the previous working day's) numbers, called and finished: seeded records
    for the waiting-time figures, written as rows (they happened before this run)."""
    calendar = work_calendar()
    day = today - dt.timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    if Ticket.objects.filter(hall=county, day=day).exists():
        return 0
    windows: dict[str, Window | None] = {
        WindowKind.COMPREHENSIVE: Window.objects.filter(
            hall=county, kind=WindowKind.COMPREHENSIVE
        ).first(),
        WindowKind.DEDICATED: Window.objects.filter(
            hall=county, kind=WindowKind.DEDICATED, department__name="县公安局"
        ).first(),
    }
    rng = random.Random(20261201)  # the same history on every machine
    rows = []
    numbers: dict[str, int] = {}
    for hour in (9, 10, 11, 14, 15, 16):
        for _ in range(rng.randint(3, 6)):
            group = groups[rng.randrange(len(groups))]
            issued = timezone.make_aware(
                dt.datetime.combine(day, dt.time(hour, rng.randrange(0, 50)))
            )
            wait = rng.randint(2, 25 if hour in (9, 10, 15) else 12) * 60
            handle = rng.randint(4, 15) * 60
            prefix = ticket_prefix(group.window_kind, TicketKind.WALK_IN)
            numbers[prefix] = numbers.get(prefix, 0) + 1
            called = issued + dt.timedelta(seconds=wait)
            rows.append(
                Ticket(
                    hall=county,
                    window_kind=group.window_kind,
                    department=group.department,
                    group=group,
                    kind=TicketKind.WALK_IN,
                    day=day,
                    number=numbers[prefix],
                    code=f"{prefix}{numbers[prefix]:03d}",
                    status=TicketStatus.DONE,
                    issued_at=issued,
                    issued_hour=hour,
                    called_at=called,
                    finished_at=called + dt.timedelta(seconds=handle),
                    window=windows.get(group.window_kind),
                    wait_seconds=wait,
                    handle_seconds=handle,
                )
            )
    Ticket.objects.bulk_create(rows)
    return len(rows)


def seed_hall() -> dict[str, int]:
    county = ServiceHall.objects.filter(name=COUNTY_HALL).first()
    if county is None:
        return {}
    today = timezone.localdate()
    groups = _groups()
    return {
        "预约时段": _slots(county, groups, today),
        "预约": _booking(groups),
        "排队号": _history(county, groups, today),
    }
