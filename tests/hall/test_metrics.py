"""The appointment and waiting-time figures: bookings by status (no-shows counted once the slot
has ended, before the sweep), the kept rate, average and p90 waiting by hall and hour, the
handling time — each one query, on hand-built queues whose figures are worked out here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.hall.conftest import moment
from yiwang.hall import services as s
from yiwang.hall.models import Ticket
from yiwang.insight.registry import all_metrics, compute
from yiwang.org.scope import DataScope

pytestmark = pytest.mark.django_db


def one_query(key: str, scope: DataScope | None = None):
    with CaptureQueriesContext(connection) as queries:
        value = compute(key, scope)
    assert len(queries) == 1, key
    return value


def test_bookings_by_status_sum_to_the_total_and_no_shows_count_after_the_slot(world, at):
    early = world.slot(starts_at=dt.time(9), ends_at=dt.time(9, 30), capacity=5)
    late = world.slot(world.weekend, starts_at=dt.time(15), ends_at=dt.time(15, 30))
    kept = s.booking_create(slot=early, user=world.citizen.user)
    s.booking_create(slot=early, user=world.other.user)  # will not come
    cancelled = s.booking_create(
        slot=world.slot(world.police_group, starts_at=dt.time(10), ends_at=dt.time(11)),
        user=world.citizen.user,
    )
    s.booking_cancel(booking=cancelled, actor=world.citizen.user)
    s.booking_create(slot=late, user=world.other.user)  # still to come
    at(moment(world.workday, 9, 10))
    s.booking_check_in(hall=world.hall, code=kept.code)
    at(moment(world.workday, 12))
    assert one_query("hall.bookings_total") == 4
    by_status = one_query("hall.bookings_by_status")
    assert by_status == {"待到场": 1, "已到场": 1, "已取消": 1, "未到场": 1}
    assert sum(by_status.values()) == 4
    assert one_query("hall.kept_rate") == Decimal("0.5000")
    s.bookings_mark_no_show()  # the sweep changes nothing in the figures
    assert one_query("hall.bookings_by_status") == by_status


def test_waiting_average_and_p90_by_hall_and_hour(world, at):
    # ten walk-ins taken at 09:xx waiting 1..10 minutes, one at 10:xx waiting 30 minutes
    at(moment(world.workday, 9))
    tickets = [s.ticket_take(hall=world.hall, group=world.weekday) for _ in range(10)]
    for minutes, ticket in enumerate(tickets, start=1):
        Ticket.objects.filter(pk=ticket.pk).update(wait_seconds=minutes * 60)
    at(moment(world.workday, 10, 5))
    late = s.ticket_take(hall=world.hall, group=world.weekday)
    Ticket.objects.filter(pk=late.pk).update(wait_seconds=30 * 60)
    s.ticket_take(hall=world.hall, group=world.weekday)  # not called: not counted
    # 11 waits: mean (55 + 30) / 11 minutes; nearest rank ⌈0.9 × 11⌉ = 10th = 10 minutes
    assert one_query("hall.average_wait_minutes") == Decimal("7.73")
    assert one_query("hall.p90_wait_minutes") == Decimal("10.00")
    name = world.hall.name
    assert one_query("hall.average_wait_by_hall_hour") == {
        f"{name} 09时": 330,
        f"{name} 10时": 1800,
    }
    # 09时: ⌈0.9 × 10⌉ = 9th = 9 minutes
    assert one_query("hall.p90_wait_by_hall_hour") == {f"{name} 09时": 540, f"{name} 10时": 1800}


def test_handling_time_and_no_data(world, at):
    assert one_query("hall.average_wait_minutes") is None
    assert one_query("hall.p90_wait_minutes") is None
    assert one_query("hall.kept_rate") is None
    assert one_query("hall.average_handling_minutes") is None
    at(moment(world.workday, 9))
    s.ticket_take(hall=world.hall, group=world.weekday)
    s.ticket_call_next(window=world.comprehensive, actor=world.clerk.user)
    at(
        moment(
            world.workday,
            9,
            7,
        )
    )
    s.ticket_finish(window=world.comprehensive, actor=world.clerk.user)
    assert one_query("hall.average_handling_minutes") == Decimal("7.00")


def test_figures_follow_the_scope(world, at):
    at(moment(world.workday, 9))
    s.ticket_take(hall=world.hall, group=world.weekday)
    s.ticket_call_next(window=world.comprehensive, actor=world.clerk.user)
    town_hall = f.hall(at=f.town(1), name="城关镇便民服务中心")
    town_window = f.window(town_hall, None, kind="comprehensive")
    town_clerk = f.staff(
        f.department("城关镇人民政府", at=f.town(1)), ["window_clerk"], window=town_window
    )
    s.ticket_take(hall=town_hall, group=world.weekday)
    at(moment(world.workday, 9, 20))
    s.ticket_call_next(window=town_window, actor=town_clerk.user)
    whole = one_query("hall.average_wait_by_hall_hour")
    assert set(whole) == {f"{world.hall.name} 09时", "城关镇便民服务中心 09时"}
    town = DataScope.region(f.town(1).code)
    assert one_query("hall.average_wait_by_hall_hour", town) == {"城关镇便民服务中心 09时": 1200}
    police = DataScope.department(world.police.pk)  # a county department: the county's hall
    assert set(one_query("hall.average_wait_by_hall_hour", police)) == {f"{world.hall.name} 09时"}
    assert compute("hall.average_wait_minutes", DataScope(kind="none")) is None


def test_every_hall_metric_has_a_definition():
    keys = [m.key for m in all_metrics("hall")]
    assert len(keys) == 8
    assert all(m.definition for m in all_metrics("hall"))


def test_figures_by_department_follow_the_item_group(world, at):
    """Bookings and queue numbers of the 公安 专窗 group break down to 县公安局; those of the
    comprehensive groups (no department) stay out of the department breakdown."""
    from yiwang.insight.periods import Period
    from yiwang.insight.registry import breakdown, records

    police = world.slot(world.police_group, starts_at=dt.time(10), ends_at=dt.time(11))
    s.booking_create(slot=police, user=world.citizen.user)
    s.booking_create(slot=police, user=world.other.user)
    s.booking_create(slot=world.slot(), user=world.citizen.user)  # comprehensive: none
    at(moment(world.workday, 9))
    taken = [s.ticket_take(hall=world.hall, group=world.police_group) for _ in range(3)]
    s.ticket_take(hall=world.hall, group=world.weekday)
    for minutes, ticket in enumerate(taken, start=1):
        Ticket.objects.filter(pk=ticket.pk).update(wait_seconds=minutes * 60)
    period = Period.parse(f"{world.workday:%Y-%m}")
    assert compute("hall.bookings_total", None, period) == 3
    by_department = breakdown("hall.bookings_total", "department", None, period)
    assert [(r.id, r.label, r.value) for r in by_department] == [(world.police.pk, "县公安局", 2)]
    waits = breakdown("hall.average_wait_minutes", "department", None, period)
    assert [(r.label, r.value) for r in waits] == [("县公安局", Decimal("2.00"))]
    assert set(records("hall.bookings_total", None, period, department=world.police.pk)) == set(
        police.bookings.all()
    )
    # A period without bookings: an empty breakdown, no division by zero.
    empty = Period.parse("2020-01")
    assert breakdown("hall.bookings_total", "department", None, empty) == []
    assert breakdown("hall.average_wait_minutes", "department", None, empty) == []
