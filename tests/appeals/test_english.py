"""The ticket pages read in English: the department's queue, the ticket page with its actions and
history, the dispatch desk's tabs, the entry form, the import page and 我的诉求 show no Chinese
but their data (titles, contents, replies, people's and departments' names); the shells'
navigation is left to the shells' own English tests."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.appeals.conftest import TicketWorld
from tests.test_locale import chrome_left
from yiwang.appeals import importing
from yiwang.appeals import services as s
from yiwang.appeals.models import Ticket
from yiwang.org.models import Department, Staff

pytestmark = pytest.mark.django_db


def english(user) -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    c.force_login(user)
    return c


def data() -> list[str]:
    names = ["张三", "王五", "示范县", "城关镇人民路 8 号"]
    names += list(importing.COLUMNS)  # the 12345 file's headers: its format, in every language
    names += list(Staff.objects.values_list("full_name", flat=True))
    names += list(Department.objects.values_list("name", flat=True))
    for t in Ticket.objects.all():
        names += [t.title, t.content, t.reply]
        names += [e.note for e in t.events.all()] + [p.reply for p in t.assignments.all()]
        names += [p.send_back_reason for p in t.assignments.all()]
        names += [e.reason for e in t.extensions.all()]
    return sorted({n for n in names if n}, key=len, reverse=True)


def read(client: Client, url: str) -> list[str]:
    answer = client.get(url)
    assert answer.status_code == 200, url
    html = answer.content.decode()
    assert '<html lang="en"' in html
    html = re.sub(r"<nav\b.*?</nav>", " ", html, flags=re.S)
    # the workbench's side bar and the portal's header are the shells'
    html = re.sub(r'<aside class="wb-side">.*?</aside>', " ", html, flags=re.S)
    return chrome_left(html, data())


def test_the_workbench_ticket_pages_in_english(tw: TicketWorld):
    waiting = tw.hotline(kind="", title="路灯不亮", content="幸福路路灯坏了。")
    sent_back = tw.dispatched(title="楼道堆物", content="楼道堆放杂物。")
    s.ticket_send_back(ticket=sent_back, actor=tw.market_handler.user, reason="不属于本部门")
    ticket = tw.signed()
    s.ticket_handle(ticket=ticket, actor=tw.market_handler.user, note="已现场检查")
    s.ticket_extension_request(ticket=ticket, actor=tw.market_handler.user, days=2, reason="需检测")
    handler = english(tw.market_handler.user)
    assert read(handler, reverse("appeals:queue")) == []
    assert read(handler, reverse("appeals:detail", args=[ticket.pk])) == []
    dispatcher = english(tw.dispatcher.user)
    for tab in ("unassigned", "sent_back", "overdue", "extensions", "follow_up", "duplicates"):
        assert read(dispatcher, reverse("appeals:desk-tab", args=[tab])) == [], tab
    assert read(dispatcher, reverse("appeals:detail", args=[waiting.pk])) == []
    assert read(dispatcher, reverse("appeals:detail", args=[sent_back.pk])) == []
    clerk = english(tw.clerk.user)
    assert read(clerk, reverse("appeals:entry")) == []
    assert read(clerk, reverse("appeals:imports")) == []


def test_my_appeals_in_english(tw: TicketWorld):
    ticket = s.ticket_register(
        actor=tw.citizen.user, source="portal", kind="complaint", title="噪音", content="夜间施工"
    )
    s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
    s.ticket_sign_for(ticket=ticket, actor=tw.market_handler.user)
    s.ticket_reply(ticket=ticket, actor=tw.market_handler.user, reply="已责令停工。")
    citizen = english(tw.citizen.user)
    assert read(citizen, reverse("appeals-portal:list")) == []
    assert read(citizen, reverse("appeals-portal:submit")) == []
    assert read(citizen, reverse("appeals-portal:detail", args=[ticket.pk])) == []
