"""The hall's pages read in English: the booking list, 我的预约, the counter, the hall screen and
the figures (names, units, 口径, group labels) show no Chinese but their data (hall, group,
window and people's names, the county name, the window kinds of the org vocabulary, the by-hour
keys); the shells' navigation is left to the other apps' tests."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client

from tests.hall.conftest import moment
from tests.test_locale import chrome_left
from yiwang.hall import services as s
from yiwang.org.models import Department, ServiceHall, Staff, Window, WindowKind

pytestmark = pytest.mark.django_db


def english(user=None) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        c.force_login(user)
    return c


def data() -> list[str]:
    names = ["张三", "李四", "综合业务", "周末户籍业务", "户政业务", "测试窗口", "示范县"]
    names += [str(label) for label in WindowKind.labels]  # the org vocabulary, as data
    names += list(Staff.objects.values_list("full_name", flat=True))
    names += [
        f"{h} {hh:02d}时"
        for h in ServiceHall.objects.values_list("name", flat=True)
        for hh in range(24)
    ]  # the by-hour figures' keys
    names += list(ServiceHall.objects.values_list("name", flat=True))
    names += list(Department.objects.values_list("name", flat=True))
    names += [str(w) for w in Window.objects.all()]
    return sorted(set(names), key=len, reverse=True)


def read(client: Client, url: str) -> list[str]:
    answer = client.get(url)
    assert answer.status_code == 200, url
    html = answer.content.decode()
    assert '<html lang="en"' in html
    # the navigation of the shells is the other apps' (their own English tests read it)
    html = re.sub(r"<nav\b.*?</nav>", " ", html, flags=re.S)
    return chrome_left(html, data())


def test_the_hall_pages_in_english(world, at):
    slot = world.slot(world.weekend, world.saturday, starts_at=dt.time(9), ends_at=dt.time(10))
    booking = s.booking_create(slot=slot, user=world.citizen.user)
    at(moment(world.saturday, 9))
    s.ticket_take(hall=world.hall, group=world.weekend)
    s.booking_check_in(hall=world.hall, code=booking.code)
    s.ticket_call_next(window=world.comprehensive, actor=world.clerk.user)
    s.ticket_take(hall=world.hall, group=world.weekend)
    at(moment(world.workday - dt.timedelta(days=1), 12))  # the slot still ahead
    left = {
        "book": read(english(), "/hall/book/?group=weekend"),
        "mine": read(english(world.citizen.user), "/hall/my/"),
    }
    at(moment(world.saturday, 9, 5))
    left["counter"] = read(english(world.clerk.user), "/workbench/hall/")
    left["screen"] = read(english(), f"/hall/screen/{world.hall.pk}/")
    left["figures"] = read(english(world.clerk.user), "/workbench/hall/figures/")
    assert {k: v for k, v in left.items() if v} == {}
