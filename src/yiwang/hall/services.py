"""Every write of the hall (预约与排队): item groups, slots, bookings, check-in, tickets and
calling. Keyword-only, typed, atomic, audited; races are settled by row locks taken first:

- a booking locks its slot row, so two citizens booking the last place at once are served one
  after the other and the second finds the slot full (a conflict, 409);
- a ticket number and a call lock the hall row, so numbers of one sequence never repeat and two
  windows calling at once never call the same ticket.

Times come from hall.clock (the one source of "now"); days from the working-day calendar.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from yiwang.audit.services import audit_change
from yiwang.catalog.models import ServiceItem
from yiwang.hall import clock, selectors
from yiwang.hall.fields import (
    BookingChannel,
    BookingStatus,
    TicketKind,
    TicketStatus,
    booking_days_ahead,
    check_in_early_minutes,
    ticket_prefix,
)
from yiwang.hall.models import Booking, ItemGroup, Slot, Ticket
from yiwang.notifications.services import notify
from yiwang.org.models import (
    Applicant,
    Department,
    ServiceHall,
    User,
    UserKind,
    Window,
    WindowKind,
)
from yiwang.workdays.selectors import work_calendar

CONFLICT = "conflict"
APPLICANT_KINDS = (UserKind.CITIZEN, UserKind.ENTERPRISE)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter
CODE_LENGTH = 8
# Chinese, marked: pages show them in the reader's language, the API keeps them Chinese.
FULL = gettext_noop("该时段已约满，请选择其他时段。")


def conflict(field: str, message: str) -> ValidationError:
    """A refusal that means "not now, in this state" (the API's 409), keyed by its field."""
    return ValidationError({field: ValidationError(message, code=CONFLICT)})


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    """A local date and time as an aware moment (slots are in the county's time zone)."""
    return timezone.make_aware(dt.datetime.combine(day, time))


def slot_start(slot: Slot) -> dt.datetime:
    return _at(slot.day, slot.starts_at)


def slot_end(slot: Slot) -> dt.datetime:
    return _at(slot.day, slot.ends_at)


def _today() -> dt.date:
    return clock.local(clock.now()).date()


# --- item groups and slots -------------------------------------------------------------------


@transaction.atomic
def item_group_create(
    *,
    code: str,
    name: str,
    window_kind: str,
    department: Department | None = None,
    items: Iterable[ServiceItem] = (),
    weekend: bool = False,
    actor: User | None = None,
) -> ItemGroup:
    """A new item group. `weekend` designates it for 周末预约办 (slots on non-working days)."""
    if window_kind not in WindowKind.values:
        raise ValidationError({"window_kind": "窗口类型不正确。"})
    group = ItemGroup(
        code=code,
        name=name,
        window_kind=window_kind,
        department=department,
        weekend=weekend,
    )
    group.full_clean()
    group.save()
    group.items.set(list(items))
    audit_change(
        action="hall.group_create",
        obj=group,
        after={"code": code, "name": name, "window_kind": window_kind, "weekend": weekend},
        actor=actor,
    )
    return group


def check_day(group: ItemGroup, day: dt.date) -> None:
    """The weekend rule (周末预约办): a day the working-day calendar says is not a working day
    (a weekend, a public holiday) takes slots only for an item group designated for it."""
    if not work_calendar().is_working_day(day) and not group.weekend:
        raise ValidationError(
            {
                "day": f"{day:%Y-%m-%d} 不是工作日，只有“周末预约办”事项分组可以在非工作日预约"
                f"（“{group.name}”不是）。"
            }
        )


@transaction.atomic
def slot_create(
    *,
    hall: ServiceHall,
    group: ItemGroup,
    day: dt.date,
    starts_at: dt.time,
    ends_at: dt.time,
    capacity: int,
    actor: User | None = None,
) -> Slot:
    """A bookable period of a hall for an item group. Refused on a past day, on a
    non-working day for a group not designated 周末预约办, or when it overlaps nothing sensible
    (end before start, capacity under 1)."""
    if day < _today():
        raise ValidationError({"day": "不能为已经过去的日期设置预约时段。"})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "结束时间必须晚于开始时间。"})
    if capacity < 1:
        raise ValidationError({"capacity": "可预约人数至少为 1。"})
    if not group.active:
        raise ValidationError({"group": f"事项分组“{group.name}”已停用。"})
    check_day(group, day)
    if Slot.objects.filter(hall=hall, group=group, day=day, starts_at=starts_at).exists():
        raise ValidationError(
            {
                "starts_at": f"{hall.name}“{group.name}”{day:%Y-%m-%d} "
                f"{starts_at:%H:%M} 的时段已存在。"
            }
        )
    slot = Slot.objects.create(
        hall=hall,
        group=group,
        day=day,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        non_working_day=not work_calendar().is_working_day(day),
    )
    audit_change(
        action="hall.slot_create",
        obj=slot,
        after={
            "hall": hall.name,
            "group": group.code,
            "day": day.isoformat(),
            "starts_at": f"{starts_at:%H:%M}",
            "ends_at": f"{ends_at:%H:%M}",
            "capacity": capacity,
        },
        actor=actor,
    )
    return slot


def slots_open_period(
    *,
    hall: ServiceHall,
    group: ItemGroup,
    first: dt.date,
    last: dt.date,
    periods: Iterable[tuple[dt.time, dt.time]],
    capacity: int,
    non_working_only: bool = False,
    actor: User | None = None,
) -> tuple[int, int]:
    """Open `periods` (start, end) on every day from `first` to `last` that the group may take:
    working days, and the calendar's non-working days only for a 周末预约办 group (other
    groups skip them); `non_working_only` opens just the non-working days. Slots that exist
    already are left as they are. All or nothing: a refused slot refuses the whole period, its
    message naming the day. Returns (made, skipped). Used by the workbench page and the
    `yiwang hall slots` command."""
    periods = list(periods)
    if last < first:
        raise ValidationError({"last": "结束日期不能早于开始日期。"})
    if not periods:
        raise ValidationError({"times": "请至少给出一个时段，如 09:00-09:30。"})
    calendar = work_calendar()
    made = skipped = 0
    with transaction.atomic():
        day = first
        while day <= last:
            working = calendar.is_working_day(day)
            wanted = (not working) if non_working_only else (working or group.weekend)
            for start, end in periods if wanted else []:
                if Slot.objects.filter(hall=hall, group=group, day=day, starts_at=start).exists():
                    skipped += 1
                    continue
                try:
                    slot_create(
                        hall=hall,
                        group=group,
                        day=day,
                        starts_at=start,
                        ends_at=end,
                        capacity=capacity,
                        actor=actor,
                    )
                except ValidationError as exc:
                    field = next(iter(getattr(exc, "error_dict", {})), "day")
                    raise ValidationError(
                        {field: f"{day:%Y-%m-%d}：{' '.join(exc.messages)}"}
                    ) from None
                made += 1
            day += dt.timedelta(days=1)
    return made, skipped


# --- bookings ---------------------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _booking_text(booking: Booking, what: str) -> str:
    slot = booking.slot
    return (
        f"您{what}{slot.hall.name}“{slot.group.name}”{slot.day:%Y年%m月%d日} "
        f"{slot.starts_at:%H:%M}-{slot.ends_at:%H:%M}，预约号 {booking.code}。"
    )


@transaction.atomic
def booking_create(*, slot: Slot, user: User, channel: str = BookingChannel.ONLINE) -> Booking:
    """Book one place in a slot for the signed-in citizen or enterprise, and send the
    confirmation (SMS to his phone and a site message, through the outbox). The slot row is
    locked first: its capacity is checked and counted on what was locked."""
    applicant = getattr(user, "applicant", None) if user.kind in APPLICANT_KINDS else None
    if applicant is None:
        raise ValidationError({"slot": "只有已关联申请人信息的个人或企业用户可以预约。"})
    if channel not in BookingChannel.values:
        raise ValidationError({"channel": "预约渠道不正确。"})
    # The citizen's row first: his own bookings one at a time (one per group and day, even
    # for two slots at once), then the slot's: its places one at a time.
    Applicant.objects.select_for_update().filter(pk=applicant.pk).first()
    locked = (
        Slot.objects.select_for_update(of=("self",)).select_related("hall", "group").get(pk=slot.pk)
    )
    now = clock.now()
    if slot_start(locked) <= now:
        raise ValidationError({"slot": "该时段已开始或已结束，不能再预约。"})
    if locked.day > _today() + dt.timedelta(days=booking_days_ahead()):
        raise ValidationError({"slot": f"最多只能预约 {booking_days_ahead()} 天内的时段。"})
    if not locked.group.active:
        raise ValidationError({"slot": f"事项分组“{locked.group.name}”已停用。"})
    check_day(locked.group, locked.day)
    same_day = Booking.objects.filter(
        user=user,
        status=BookingStatus.BOOKED,
        slot__group=locked.group,
        slot__day=locked.day,
    )
    if same_day.exists():
        raise conflict(
            "slot",
            f"您已预约{locked.day:%Y-%m-%d}的“{locked.group.name}”，同一天只能预约一个时段。",
        )
    if locked.booked >= locked.capacity:
        raise conflict("slot", FULL)
    for _ in range(5):  # a code collision is rare: try another
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    slot=locked, user=user, applicant=applicant, code=_new_code(), channel=channel
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - 32^8 codes
        raise ValidationError({"slot": "预约号生成失败，请重试。"})
    Slot.objects.filter(pk=locked.pk).update(booked=F("booked") + 1)
    locked.booked += 1
    booking.slot = locked
    audit_change(
        action="hall.book",
        obj=booking,
        after={"slot": locked.pk, "code": booking.code, "channel": channel},
        actor=user,
    )
    notify(
        kind="hall.booked",
        text=_booking_text(booking, "已预约") + "请按时到大厅签到取号；如不能前往，请提前取消。",
        recipients=[user],
        phone=applicant.phone,
        subject=booking,
    )
    return booking


def _locked_booking(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("slot__hall", "slot__group", "applicant", "user")
        .get(pk=booking.pk)
    )


@transaction.atomic
def booking_cancel(*, booking: Booking, actor: User) -> Booking:
    """Cancel a booking before its slot starts (the citizen himself), give the place back and
    tell him (SMS and site message)."""
    locked = _locked_booking(booking)
    if locked.user_id != actor.pk:
        raise ValidationError({"booking": "只能取消自己的预约。"})
    if locked.status != BookingStatus.BOOKED:
        raise conflict(
            "booking", f"预约 {locked.code} 当前为“{locked.get_status_display()}”，不能取消。"
        )
    if slot_start(locked.slot) <= clock.now():
        raise conflict("booking", "预约时段已开始，不能再取消。")
    Slot.objects.filter(pk=locked.slot_id).update(booked=F("booked") - 1)
    locked.status = BookingStatus.CANCELLED
    locked.cancelled_at = clock.now()
    locked.save(update_fields=["status", "cancelled_at"])
    audit_change(
        action="hall.cancel",
        obj=locked,
        before={"status": BookingStatus.BOOKED},
        after={"status": BookingStatus.CANCELLED},
        actor=actor,
    )
    notify(
        kind="hall.cancelled",
        text=_booking_text(locked, "已取消预约："),
        recipients=[locked.user],
        phone=locked.applicant.phone,
        subject=locked,
    )
    return locked


@transaction.atomic
def bookings_mark_no_show(*, now: dt.datetime | None = None) -> int:
    """Bookings whose slot has ended without a check-in become 未到场 (no-show). Run by
    `yiwang hall sweep`; the figures count such bookings as no-shows even before it runs."""
    local = clock.local(now or clock.now())
    ended = Booking.objects.filter(
        Q(slot__day__lt=local.date()) | Q(slot__day=local.date(), slot__ends_at__lte=local.time()),
        status=BookingStatus.BOOKED,
    )
    return ended.update(status=BookingStatus.NO_SHOW)


# --- tickets ----------------------------------------------------------------------------------


def _lock_hall(hall: ServiceHall) -> ServiceHall:
    return ServiceHall.objects.select_for_update().get(pk=hall.pk)


def _issue(
    *,
    hall: ServiceHall,
    window_kind: str,
    department: Department | None,
    group: ItemGroup | None,
    kind: str,
    booking: Booking | None = None,
    due_at: dt.datetime | None = None,
) -> Ticket:
    """The next number of the hall's sequence for this window kind and ticket kind today. The
    caller holds the hall's lock."""
    now = clock.now()
    local = clock.local(now)
    prefix = ticket_prefix(window_kind, kind)
    last = Ticket.objects.filter(
        hall=hall, day=local.date(), window_kind=window_kind, kind=kind
    ).aggregate(n=Max("number"))["n"]
    number = (last or 0) + 1
    return Ticket.objects.create(
        hall=hall,
        window_kind=window_kind,
        department=department if window_kind == WindowKind.DEDICATED else None,
        group=group,
        kind=kind,
        day=local.date(),
        number=number,
        code=f"{prefix}{number:03d}",
        booking=booking,
        due_at=due_at,
        issued_at=now,
        issued_hour=local.hour,
    )


@transaction.atomic
def ticket_take(*, hall: ServiceHall, group: ItemGroup, actor: User | None = None) -> Ticket:
    """A walk-in's number (现场取号) for an item group's window kind, at the hall's ticket
    machine or the guide desk."""
    if not group.active:
        raise ValidationError({"group": f"事项分组“{group.name}”已停用。"})
    locked = _lock_hall(hall)
    ticket = _issue(
        hall=locked,
        window_kind=group.window_kind,
        department=group.department,
        group=group,
        kind=TicketKind.WALK_IN,
    )
    audit_change(
        action="hall.ticket_take",
        obj=ticket,
        after={"code": ticket.code, "group": group.code},
        actor=actor,
    )
    return ticket


@transaction.atomic
def booking_check_in(*, hall: ServiceHall, code: str, actor: User | None = None) -> Ticket:
    """Check an appointment in by its 预约号 (签到取号): on its day, at its hall, from
    YIWANG_HALL_CHECK_IN_EARLY_MINUTES before the slot until it ends. Issues the appointment's
    ticket, which is called first once the slot's time has come."""
    code = (code or "").strip().upper()
    found = Booking.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({"code": f"没有找到预约号 {code}，请核对。"})
    booking = _locked_booking(found)
    slot = booking.slot
    if slot.hall_id != hall.pk:
        raise ValidationError({"code": f"预约号 {code} 预约的是{slot.hall.name}，不是本大厅。"})
    if booking.status != BookingStatus.BOOKED:
        raise conflict("code", f"预约号 {code} 当前为“{booking.get_status_display()}”，不能签到。")
    now = clock.now()
    if now < slot_start(slot) - dt.timedelta(minutes=check_in_early_minutes()):
        raise ValidationError(
            {
                "code": f"预约时段为 {slot.day:%Y-%m-%d} {slot.starts_at:%H:%M}，"
                f"最早可提前 {check_in_early_minutes()} 分钟签到。"
            }
        )
    if now >= slot_end(slot):
        raise ValidationError({"code": f"预约号 {code} 的时段已结束，请现场取号。"})
    locked_hall = _lock_hall(hall)
    ticket = _issue(
        hall=locked_hall,
        window_kind=slot.group.window_kind,
        department=slot.group.department,
        group=slot.group,
        kind=TicketKind.APPOINTMENT,
        booking=booking,
        due_at=slot_start(slot),
    )
    booking.status = BookingStatus.KEPT
    booking.checked_in_at = now
    booking.save(update_fields=["status", "checked_in_at"])
    audit_change(
        action="hall.check_in",
        obj=booking,
        before={"status": BookingStatus.BOOKED},
        after={"status": BookingStatus.KEPT, "ticket": ticket.code},
        actor=actor,
    )
    return ticket


def _serving(window: Window) -> Ticket | None:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .filter(window=window, status=TicketStatus.CALLED)
        .first()
    )


def _close(ticket: Ticket, status: str, now: dt.datetime) -> None:
    ticket.status = status
    ticket.finished_at = now
    if status == TicketStatus.DONE and ticket.called_at is not None:
        ticket.handle_seconds = max(0, int((now - ticket.called_at).total_seconds()))
    ticket.save(update_fields=["status", "finished_at", "handle_seconds"])


def _window_of(actor: User, window: Window) -> Window:
    """The window the actor calls for: his own (Staff.window) unless he is a superuser."""
    staff = getattr(actor, "staff", None)
    if not actor.is_superuser and (staff is None or staff.window_id != window.pk):
        raise ValidationError({"window": f"您不在{window.number}号窗口，不能为该窗口叫号。"})
    if not window.active:
        raise ValidationError({"window": f"{window.number}号窗口已停用。"})
    return window


@transaction.atomic
def ticket_call_next(*, window: Window, actor: User) -> Ticket | None:
    """Finish the window's current ticket (its handling time recorded) and call the next one
    (its waiting time recorded). None when nobody waits. The hall's lock keeps two windows
    from calling the same ticket."""
    window = _window_of(actor, window)
    _lock_hall(window.hall)
    now = clock.now()
    current = _serving(window)
    if current is not None:
        _close(current, TicketStatus.DONE, now)
    ticket = selectors.waiting_for(window).first()
    if ticket is None:
        return None
    start = ticket.issued_at
    if ticket.due_at is not None and ticket.due_at > start:
        start = ticket.due_at  # an appointment who came early waits from his time
    ticket.status = TicketStatus.CALLED
    ticket.called_at = now
    ticket.window = window
    ticket.called_by = actor
    ticket.wait_seconds = max(0, int((now - start).total_seconds()))
    ticket.save(update_fields=["status", "called_at", "window", "called_by", "wait_seconds"])
    audit_change(
        action="hall.call",
        obj=ticket,
        before={"status": TicketStatus.WAITING},
        after={"status": TicketStatus.CALLED, "window": window.number},
        actor=actor,
    )
    return ticket


@transaction.atomic
def ticket_finish(*, window: Window, actor: User, missed: bool = False) -> Ticket:
    """End the window's current ticket: 办结 (its handling time recorded) or 过号 when the
    called citizen did not come."""
    window = _window_of(actor, window)
    current = _serving(window)
    if current is None:
        raise conflict("window", f"{window.number}号窗口当前没有正在办理的号。")
    status = TicketStatus.MISSED if missed else TicketStatus.DONE
    _close(current, status, clock.now())
    audit_change(
        action="hall.finish",
        obj=current,
        before={"status": TicketStatus.CALLED},
        after={"status": status},
        actor=actor,
    )
    return current
