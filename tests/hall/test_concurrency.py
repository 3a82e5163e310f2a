"""Two citizens booking the last place of a slot at once, and two windows calling at once,
each on its own database connection (PostgreSQL: the slot's and the hall's row locks serialise
them; SQLite's in-memory test database is not shared between threads). The slot is never
overbooked and the loser is told the slot is full; no ticket is called twice."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from tests.hall.conftest import moment
from yiwang.hall import services as s
from yiwang.hall.fields import BookingStatus
from yiwang.hall.models import Booking, Slot

HOLD_SECONDS = 0.5  # the winner holds its lock this long: the other request reaches it

pytestmark = [pytest.mark.skip_allowed("postgresql"), pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")


def _at_once(*calls: Any) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(10)
            answers[i] = calls[i]()
        except BaseException as exc:  # reported to the test
            answers[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _slow_outbox(monkeypatch) -> None:
    real = s.notify

    def slow(**kwargs: Any) -> Any:
        time.sleep(HOLD_SECONDS)  # inside the booking's transaction, the slot still locked
        return real(**kwargs)

    monkeypatch.setattr(s, "notify", slow)


def _book(user: Any, slot: Slot) -> Any:
    client = APIClient()
    client.force_authenticate(user)
    return client.post("/api/hall/bookings/", {"slot": slot.pk}, format="json")


def test_two_citizens_book_the_last_place_at_once_one_gets_it(world, monkeypatch):
    slot = world.slot(capacity=1)
    _slow_outbox(monkeypatch)
    answers = _at_once(
        lambda: _book(world.citizen.user, slot), lambda: _book(world.other.user, slot)
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409], answers
    loser = next(a for a in answers if a.status_code == 409)
    assert "已约满" in loser.json()["detail"]
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert Booking.objects.filter(slot=slot, status=BookingStatus.BOOKED).count() == 1


def test_one_citizen_booking_twice_at_once_gets_one_place(world, monkeypatch):
    slot = world.slot(capacity=3)
    _slow_outbox(monkeypatch)
    answers = _at_once(
        lambda: _book(world.citizen.user, slot), lambda: _book(world.citizen.user, slot)
    )
    assert sorted(a.status_code for a in answers) == [201, 409], answers
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_one_citizen_booking_two_slots_of_a_group_and_day_at_once_gets_one(world, monkeypatch):
    first = world.slot(capacity=3)
    second = world.slot(capacity=3, starts_at=dt.time(10), ends_at=dt.time(10, 30))
    _slow_outbox(monkeypatch)
    answers = _at_once(
        lambda: _book(world.citizen.user, first), lambda: _book(world.citizen.user, second)
    )
    assert sorted(a.status_code for a in answers) == [201, 409], answers
    assert Booking.objects.filter(user=world.citizen.user).count() == 1


def test_two_windows_calling_at_once_never_call_the_same_ticket(world, at):
    at(moment(world.workday, 9))
    first = s.ticket_take(hall=world.hall, group=world.weekday)
    second = s.ticket_take(hall=world.hall, group=world.weekday)
    from tests import factories as f

    window = f.window(world.hall, None, kind="comprehensive")
    colleague = f.staff(world.clerk.department, ["window_clerk"], window=window)
    answers = _at_once(
        lambda: s.ticket_call_next(window=world.comprehensive, actor=world.clerk.user),
        lambda: s.ticket_call_next(window=window, actor=colleague.user),
    )
    assert {a.pk for a in answers} == {first.pk, second.pk}, answers
