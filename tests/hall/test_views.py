"""The hall pages: slots listed for anyone, booking and cancelling for a signed-in citizen
(staff are sent away), the counter page for a clerk at his window (call next, finish, take a
number, check in), a role without the counter permission refused, and the self-refreshing
screen (its calls as a fragment for htmx)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests import factories as f
from tests.hall.conftest import moment
from yiwang.hall import services as s
from yiwang.hall.fields import BookingStatus, TicketStatus
from yiwang.hall.models import Booking, Ticket

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_anyone_sees_the_slots_of_a_group(world):
    world.slot(world.weekend, world.saturday, capacity=3)
    page = Client().get("/hall/book/", {"group": "weekend"})
    assert page.status_code == 200
    text = page.content.decode()
    assert world.saturday.strftime("%Y-%m-%d") in text and "余 3 个" in text
    assert "周末/节假日" in text


def test_a_citizen_books_and_cancels_on_the_portal(world):
    slot = world.slot()
    citizen = signed_in(world.citizen.user)
    answer = citizen.post(f"/hall/book/{slot.pk}/", follow=True)
    booking = Booking.objects.get(user=world.citizen.user)
    assert booking.code in answer.content.decode()
    assert "确认短信已发送" in answer.content.decode()
    full = signed_in(world.other.user)
    s.booking_create(slot=slot, user=world.other.user)  # the second place
    slot.refresh_from_db()
    refused = full.post(f"/hall/book/{slot.pk}/", follow=True)
    assert "同一天只能预约一个时段" in refused.content.decode()
    cancelled = citizen.post(f"/hall/my/{booking.code}/cancel/", follow=True)
    assert "已取消预约" in cancelled.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    # another's booking cannot be cancelled: 404
    assert full.post(f"/hall/my/{booking.code}/cancel/").status_code == 404


def test_booking_needs_a_citizen_sign_in(world):
    slot = world.slot()
    anonymous = Client().post(f"/hall/book/{slot.pk}/")
    assert anonymous.status_code == 302 and "sign-in" in anonymous["Location"]
    staff = signed_in(world.clerk.user).post(f"/hall/book/{slot.pk}/")
    assert staff.status_code == 302 and "/workbench/" in staff["Location"]
    assert not Booking.objects.exists()


def test_the_clerk_takes_checks_in_and_calls_at_his_window(world, at):
    slot = world.slot(starts_at=dt.time(9, 30), ends_at=dt.time(10))
    booking = s.booking_create(slot=slot, user=world.citizen.user)
    at(moment(world.workday, 9, 20))
    clerk = signed_in(world.clerk.user)
    assert (
        "已取号 A001"
        in clerk.post("/workbench/hall/take/", {"group": "general"}, follow=True).content.decode()
    )
    checked = clerk.post("/workbench/hall/check-in/", {"code": booking.code}, follow=True)
    assert "排队号 YA001" in checked.content.decode()
    at(moment(world.workday, 9, 30))
    called = clerk.post("/workbench/hall/call-next/", follow=True).content.decode()
    assert "请 YA001 号到" in called
    page = clerk.get("/workbench/hall/").content.decode()
    assert 'data-testid="serving">YA001' in page
    done = clerk.post("/workbench/hall/finish/", follow=True).content.decode()
    assert "YA001 号已办结" in done
    assert Ticket.objects.get(code="YA001").status == TicketStatus.DONE


def test_the_counter_page_is_for_counter_staff(world):
    approver = f.staff(world.police, ["approver"])
    assert signed_in(approver.user).get("/workbench/hall/").status_code == 403
    assert signed_in(world.citizen.user).get("/workbench/hall/").status_code in (302, 403)
    no_window = f.staff(world.police, ["window_clerk"])
    page = signed_in(no_window.user).get("/workbench/hall/").content.decode()
    assert "您不在任何窗口" in page


def test_the_screen_refreshes_its_calls(world, at):
    at(moment(world.workday, 9))
    ticket = s.ticket_take(hall=world.hall, group=world.weekday)
    s.ticket_call_next(window=world.comprehensive, actor=world.clerk.user)
    page = Client().get(f"/hall/screen/{world.hall.pk}/").content.decode()
    assert 'hx-trigger="every 5s"' in page
    number = world.comprehensive.number
    assert f"请 <strong>{ticket.code}</strong> 号到 <strong>{number}</strong> 号窗口" in page
    fragment = Client().get(f"/hall/screen/{world.hall.pk}/", HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and ticket.code in fragment.content.decode()
    assert Client().get("/hall/screen/999999/").status_code == 404


def test_the_figures_page_shows_the_registered_figures_with_their_definitions(world, at):
    at(moment(world.workday, 9))
    s.ticket_take(hall=world.hall, group=world.weekday)
    at(moment(world.workday, 9, 12))
    s.ticket_call_next(window=world.comprehensive, actor=world.clerk.user)
    page = signed_in(world.clerk.user).get("/workbench/hall/figures/").content.decode()
    assert 'data-testid="value-hall.average_wait_minutes">12.00 分钟' in page
    assert "最近秩法" in page  # the 口径 of the p90
    assert f"{world.hall.name} 09时" in page
    assert 'data-testid="value-hall.kept_rate">无数据' in page
    assert signed_in(world.citizen.user).get("/workbench/hall/figures/").status_code in (302, 403)
    grid = f.staff(world.police, ["grid_worker"])
    assert signed_in(grid.user).get("/workbench/hall/figures/").status_code == 403
