"""The hall's rules: slots (the weekend rule, capacity), booking and cancelling with the
confirmation through the outbox, check-in, walk-in numbers per window kind and the call order
(an appointment at its time before walk-ins), waiting and handling times."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.hall.conftest import moment, next_day
from yiwang.audit.models import AuditEvent
from yiwang.hall import services as s
from yiwang.hall.fields import BookingStatus, TicketKind, TicketStatus
from yiwang.hall.models import Slot
from yiwang.notifications.models import Message, MessageChannel

pytestmark = pytest.mark.django_db


# --- slots ------------------------------------------------------------------------------------


def test_a_weekend_slot_is_only_for_a_designated_group_on_a_non_working_day(world):
    with pytest.raises(ValidationError) as refused:
        world.slot(world.weekday, world.saturday)
    assert "不是工作日" in refused.value.message_dict["day"][0]
    assert "综合业务" in refused.value.message_dict["day"][0]
    slot = world.slot(world.weekend, world.saturday)
    assert slot.non_working_day is True
    # a designated group may also be booked on working days
    assert world.slot(world.weekend, world.workday).non_working_day is False


def test_the_weekend_rule_follows_the_calendar_not_the_weekday(world):
    # a public holiday that falls on a weekday is a non-working day too
    from yiwang.workdays import services as workdays

    holiday = next_day(working=True, after=world.workday)
    workdays.calendar_day_set(date=holiday, kind="holiday", name="测试假日")
    with pytest.raises(ValidationError):
        world.slot(world.weekday, holiday)
    assert world.slot(world.weekend, holiday).non_working_day is True


def test_slot_refusals_name_the_field(world):
    with pytest.raises(ValidationError) as refused:
        world.slot(starts_at=dt.time(10), ends_at=dt.time(9))
    assert "ends_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        world.slot(capacity=0)
    assert "capacity" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        world.slot(day=world.workday - dt.timedelta(days=30))
    assert "day" in refused.value.message_dict
    world.slot()
    with pytest.raises(ValidationError) as refused:
        world.slot()
    assert "已存在" in refused.value.message_dict["starts_at"][0]


# --- bookings ---------------------------------------------------------------------------------


def test_booking_takes_a_place_and_sends_the_confirmation_through_the_outbox(world):
    slot = world.slot(capacity=1)
    booking = s.booking_create(slot=slot, user=world.citizen.user)
    assert booking.status == BookingStatus.BOOKED and len(booking.code) == 8
    assert Slot.objects.get(pk=slot.pk).booked == 1
    sms = Message.objects.get(channel=MessageChannel.SMS, kind="hall.booked")
    assert booking.code in sms.text and "综合业务" in sms.text
    assert sms.phone.reveal() == "13800138000"
    assert Message.objects.filter(
        channel=MessageChannel.SITE, recipient=world.citizen.user
    ).exists()
    assert AuditEvent.objects.filter(action="hall.book").count() == 1


def test_a_full_slot_refuses_the_next_citizen_with_a_conflict(world):
    slot = world.slot(capacity=1)
    s.booking_create(slot=slot, user=world.citizen.user)
    with pytest.raises(ValidationError) as refused:
        s.booking_create(slot=slot, user=world.other.user)
    assert refused.value.error_dict["slot"][0].code == "conflict"
    assert "已约满" in refused.value.message_dict["slot"][0]
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_one_booking_per_group_and_day(world):
    first = world.slot()
    second = world.slot(starts_at=dt.time(10), ends_at=dt.time(10, 30))
    s.booking_create(slot=first, user=world.citizen.user)
    with pytest.raises(ValidationError) as refused:
        s.booking_create(slot=second, user=world.citizen.user)
    assert "同一天只能预约一个时段" in refused.value.message_dict["slot"][0]


def test_staff_cannot_book_and_past_or_far_slots_are_refused(world, at, settings):
    slot = world.slot()
    with pytest.raises(ValidationError):
        s.booking_create(slot=slot, user=world.clerk.user)
    at(moment(world.workday, 9, 1))
    with pytest.raises(ValidationError) as refused:
        s.booking_create(slot=slot, user=world.citizen.user)
    assert "已开始" in refused.value.message_dict["slot"][0]
    at(moment(world.workday - dt.timedelta(days=3), 9))
    settings.YIWANG_HALL_BOOKING_DAYS_AHEAD = 1
    with pytest.raises(ValidationError) as refused:
        s.booking_create(slot=slot, user=world.citizen.user)
    assert "1 天内" in refused.value.message_dict["slot"][0]


def test_cancelling_gives_the_place_back_and_tells_the_citizen(world, at):
    slot = world.slot(capacity=1)
    booking = s.booking_create(slot=slot, user=world.citizen.user)
    with pytest.raises(ValidationError):  # someone else's booking
        s.booking_cancel(booking=booking, actor=world.other.user)
    cancelled = s.booking_cancel(booking=booking, actor=world.citizen.user)
    assert cancelled.status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=slot.pk).booked == 0
    assert Message.objects.filter(channel=MessageChannel.SMS, kind="hall.cancelled").count() == 1
    with pytest.raises(ValidationError) as refused:  # twice
        s.booking_cancel(booking=booking, actor=world.citizen.user)
    assert refused.value.error_dict["booking"][0].code == "conflict"
    s.booking_create(slot=slot, user=world.other.user)  # the place is free again
    again = s.booking_create(
        slot=world.slot(starts_at=dt.time(11), ends_at=dt.time(12)), user=world.citizen.user
    )
    at(moment(world.workday, 11, 0))
    with pytest.raises(ValidationError) as refused:  # too late: the slot has started
        s.booking_cancel(booking=again, actor=world.citizen.user)
    assert "已开始" in refused.value.message_dict["booking"][0]


def test_a_booking_not_checked_in_becomes_a_no_show_after_its_slot(world, at):
    slot = world.slot()
    booking = s.booking_create(slot=slot, user=world.citizen.user)
    at(moment(world.workday, 9, 29))
    assert s.bookings_mark_no_show() == 0
    at(moment(world.workday, 9, 30))
    assert s.bookings_mark_no_show() == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NO_SHOW


# --- check-in, tickets and calling ------------------------------------------------------------


def test_check_in_window_and_hall(world, at):
    slot = world.slot()
    booking = s.booking_create(slot=slot, user=world.citizen.user)
    other_hall = __import__("tests.factories", fromlist=["hall"]).hall(name="另一大厅")
    at(moment(world.workday, 7, 59))
    with pytest.raises(ValidationError) as refused:
        s.booking_check_in(hall=world.hall, code=booking.code)
    assert "最早可提前 60 分钟" in refused.value.message_dict["code"][0]
    at(moment(world.workday, 8, 0))
    with pytest.raises(ValidationError):
        s.booking_check_in(hall=other_hall, code=booking.code)
    with pytest.raises(ValidationError):
        s.booking_check_in(hall=world.hall, code="NOPE1234")
    ticket = s.booking_check_in(hall=world.hall, code=booking.code.lower())
    assert ticket.kind == TicketKind.APPOINTMENT and ticket.code == "YA001"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.KEPT
    with pytest.raises(ValidationError) as refused:  # twice
        s.booking_check_in(hall=world.hall, code=booking.code)
    assert refused.value.error_dict["code"][0].code == "conflict"


def test_walk_in_numbers_run_per_window_kind_and_day(world, at):
    at(moment(world.workday, 9))
    codes = [s.ticket_take(hall=world.hall, group=world.weekday).code for _ in range(2)]
    codes.append(s.ticket_take(hall=world.hall, group=world.police_group).code)
    codes.append(s.ticket_take(hall=world.hall, group=world.weekday).code)
    assert codes == ["A001", "A002", "B001", "A003"]
    at(moment(next_day(working=True, after=world.workday), 9))
    assert s.ticket_take(hall=world.hall, group=world.weekday).code == "A001"


def test_an_appointment_at_its_time_is_called_before_walk_ins(world, at):
    slot = world.slot(starts_at=dt.time(9, 30), ends_at=dt.time(10))
    booking = s.booking_create(slot=slot, user=world.citizen.user)
    at(moment(world.workday, 9, 0))
    first = s.ticket_take(hall=world.hall, group=world.weekday)
    at(moment(world.workday, 9, 5))
    appointment = s.booking_check_in(hall=world.hall, code=booking.code)  # early
    at(moment(world.workday, 9, 10))
    second = s.ticket_take(hall=world.hall, group=world.weekday)
    clerk = world.clerk.user
    # before 9:30 the early appointment waits behind the walk-ins who came first
    at(moment(world.workday, 9, 15))
    assert s.ticket_call_next(window=world.comprehensive, actor=clerk) == first
    at(moment(world.workday, 9, 30))
    called = s.ticket_call_next(window=world.comprehensive, actor=clerk)
    assert called == appointment  # at its time, before the walk-in who waits longer
    assert called.wait_seconds == 0  # he came early: waiting counts from his time
    at(moment(world.workday, 9, 42))
    assert s.ticket_call_next(window=world.comprehensive, actor=clerk) == second
    at(moment(world.workday, 9, 50))
    assert s.ticket_call_next(window=world.comprehensive, actor=clerk) is None
    first.refresh_from_db()
    appointment.refresh_from_db()
    second.refresh_from_db()
    assert first.wait_seconds == 15 * 60 and first.handle_seconds == 15 * 60
    assert appointment.handle_seconds == 12 * 60 and appointment.status == TicketStatus.DONE
    assert second.wait_seconds == 32 * 60 and second.status == TicketStatus.DONE
    assert second.window == world.comprehensive and second.called_by == clerk


def test_an_early_appointment_is_served_when_no_walk_in_waits(world, at):
    slot = world.slot(starts_at=dt.time(9, 30), ends_at=dt.time(10))
    booking = s.booking_create(slot=slot, user=world.citizen.user)
    at(moment(world.workday, 9, 0))
    appointment = s.booking_check_in(hall=world.hall, code=booking.code)
    assert s.ticket_call_next(window=world.comprehensive, actor=world.clerk.user) == appointment


def test_a_dedicated_window_calls_only_its_department_and_a_clerk_only_his_window(world, at):
    at(moment(world.workday, 9))
    general = s.ticket_take(hall=world.hall, group=world.weekday)
    police = s.ticket_take(hall=world.hall, group=world.police_group)
    assert s.ticket_call_next(window=world.dedicated, actor=world.police_clerk.user) == police
    assert s.ticket_call_next(window=world.dedicated, actor=world.police_clerk.user) is None
    with pytest.raises(ValidationError) as refused:
        s.ticket_call_next(window=world.comprehensive, actor=world.police_clerk.user)
    assert "不能为该窗口叫号" in refused.value.message_dict["window"][0]
    assert s.ticket_call_next(window=world.comprehensive, actor=world.clerk.user) == general


def test_finish_and_missed(world, at):
    at(moment(world.workday, 9))
    ticket = s.ticket_take(hall=world.hall, group=world.weekday)
    with pytest.raises(ValidationError) as refused:
        s.ticket_finish(window=world.comprehensive, actor=world.clerk.user)
    assert refused.value.error_dict["window"][0].code == "conflict"
    s.ticket_call_next(window=world.comprehensive, actor=world.clerk.user)
    at(moment(world.workday, 9, 3))
    s.ticket_finish(window=world.comprehensive, actor=world.clerk.user, missed=True)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.MISSED and ticket.handle_seconds is None
