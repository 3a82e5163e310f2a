"""The hall API: open slots for anyone, booking and cancelling by a citizen (channel 掌上, the
SMS in the outbox), refusals as 409/422/403/404 with Chinese messages, walk-in tickets,
check-in and call-next for the clerk at his window, and the public screen."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.hall.conftest import moment
from yiwang.hall.fields import BookingChannel
from yiwang.hall.models import Booking
from yiwang.notifications.models import Message, MessageChannel

pytestmark = pytest.mark.django_db


def client(user=None) -> APIClient:
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def test_anyone_lists_open_slots_with_what_remains(world):
    slot = world.slot(capacity=2)
    world.slot(world.police_group)
    answer = client().get("/api/hall/slots/", {"group": "general"})
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [r["id"] for r in rows] == [slot.pk]
    assert rows[0]["remaining"] == 2 and rows[0]["group_name"] == "综合业务"
    assert (rows[0]["starts_at"], rows[0]["ends_at"]) == ("09:00", "09:30")  # local HH:MM
    assert client().get("/api/hall/slots/", {"hall": "0"}).status_code == 400
    groups = client().get("/api/hall/groups/").json()["results"]
    assert {g["code"] for g in groups} == {"general", "weekend", "police"}


def test_a_citizen_books_and_cancels_by_api(world):
    slot = world.slot(capacity=1)
    citizen = client(world.citizen.user)
    answer = citizen.post("/api/hall/bookings/", {"slot": slot.pk}, format="json")
    assert answer.status_code == 201, answer.json()
    code = answer.json()["code"]
    assert answer.json()["slot"]["remaining"] == 0
    assert Booking.objects.get(code=code).channel == BookingChannel.API
    assert Message.objects.filter(channel=MessageChannel.SMS, kind="hall.booked").count() == 1
    full = client(world.other.user).post("/api/hall/bookings/", {"slot": slot.pk}, format="json")
    assert full.status_code == 409 and "已约满" in full.json()["detail"]
    # another's booking is not found
    assert client(world.other.user).get(f"/api/hall/bookings/{code}/").status_code == 404
    assert client(world.other.user).post(f"/api/hall/bookings/{code}/cancel/").status_code == 404
    assert [b["code"] for b in citizen.get("/api/hall/bookings/").json()["results"]] == [code]
    cancelled = citizen.post(f"/api/hall/bookings/{code}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert citizen.post(f"/api/hall/bookings/{code}/cancel/").status_code == 409


def test_booking_refusals(world):
    weekday_on_saturday = client(world.citizen.user).post(
        "/api/hall/bookings/", {"slot": 999999}, format="json"
    )
    assert weekday_on_saturday.status_code == 404
    slot = world.slot()
    staff = client(world.clerk.user).post("/api/hall/bookings/", {"slot": slot.pk}, format="json")
    assert staff.status_code == 403
    assert client().post("/api/hall/bookings/", {"slot": slot.pk}, format="json").status_code in (
        401,
        403,
    )
    wrong = client(world.citizen.user).post("/api/hall/bookings/", {"slot": "x"}, format="json")
    assert wrong.status_code == 400


def test_the_clerk_takes_checks_in_and_calls_and_the_screen_shows_it(world, at):
    slot = world.slot(starts_at=dt.time(9, 30), ends_at=dt.time(10))
    booking = (
        client(world.citizen.user)
        .post("/api/hall/bookings/", {"slot": slot.pk}, format="json")
        .json()
    )
    at(moment(world.workday, 9, 0))
    clerk = client(world.clerk.user)
    hall = world.hall.pk
    walk_in = clerk.post(f"/api/hall/halls/{hall}/tickets/", {"group": "general"}, format="json")
    assert walk_in.status_code == 201 and walk_in.json()["code"] == "A001"
    at(moment(world.workday, 9, 20))
    checked = clerk.post(
        f"/api/hall/halls/{hall}/check-in/", {"code": booking["code"]}, format="json"
    )
    assert checked.status_code == 201 and checked.json()["code"] == "YA001"
    at(moment(world.workday, 9, 31))
    called = clerk.post(f"/api/hall/windows/{world.comprehensive.pk}/call-next/")
    assert called.status_code == 200
    assert called.json()["ticket"]["code"] == "YA001"  # at its time, before the walk-in
    screen = client().get(f"/api/hall/halls/{hall}/screen/").json()
    assert screen["calls"][0] == {
        "code": "YA001",
        "window": world.comprehensive.number,
        "called_at": screen["calls"][0]["called_at"],
    }
    assert screen["waiting"] == {"综合窗口": 1}
    # another clerk may not call for this window; a citizen may not call at all
    other = client(world.police_clerk.user).post(
        f"/api/hall/windows/{world.comprehensive.pk}/call-next/"
    )
    assert other.status_code == 422 and "不能为该窗口叫号" in str(other.json())
    assert (
        client(world.citizen.user)
        .post(f"/api/hall/windows/{world.comprehensive.pk}/call-next/")
        .status_code
        == 403
    )
    done = clerk.post(f"/api/hall/windows/{world.comprehensive.pk}/finish/", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
