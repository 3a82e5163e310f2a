"""Tickets on the workbench home's to-do list: a department's handler sees its queue, the
bureau's dispatcher the desk's 待派单, 已退单, 已超期 and 延期申请, each within scope and linking
to the ticket; nothing waiting is no group."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.appeals.conftest import TicketWorld
from yiwang.appeals import services as s
from yiwang.appeals.models import Ticket
from yiwang.workbench.selectors import todo_groups

pytestmark = pytest.mark.django_db


def groups_of(user) -> dict[str, tuple[int, list[str]]]:
    return {g.label: (g.count, [e.url for e in g.entries]) for g in todo_groups(user)}


def test_a_handler_sees_his_departments_queue(tw: TicketWorld):
    assert "本部门诉求工单" not in groups_of(tw.market_handler.user)
    ticket = tw.dispatched()
    groups = groups_of(tw.market_handler.user)
    assert groups["本部门诉求工单"] == (1, [reverse("appeals:detail", args=[ticket.pk])])
    assert "本部门诉求工单" not in groups_of(tw.housing_handler.user)  # another department


def test_a_dispatcher_sees_the_desks_lists(tw: TicketWorld):
    waiting = tw.hotline()
    sent_back = tw.dispatched()
    s.ticket_send_back(ticket=sent_back, actor=tw.market_handler.user, reason="非本部门职责")
    late = tw.signed()
    s.ticket_extension_request(ticket=late, actor=tw.market_handler.user, days=2, reason="检测")
    Ticket.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - dt.timedelta(1))
    groups = groups_of(tw.dispatcher.user)
    assert groups["诉求待派单"] == (1, [reverse("appeals:detail", args=[waiting.pk])])
    assert groups["诉求已退单"] == (1, [reverse("appeals:detail", args=[sent_back.pk])])
    assert groups["诉求已超期"] == (1, [reverse("appeals:detail", args=[late.pk])])
    assert groups["诉求延期申请"] == (1, [reverse("appeals:detail", args=[late.pk])])
    # the handler is not the desk
    assert not {"诉求待派单", "诉求已退单"} & set(groups_of(tw.market_handler.user))
    home = reverse("workbench:home")
    client = Client()
    client.force_login(tw.dispatcher.user)
    html = client.get(home).content.decode()
    assert "诉求待派单" in html and waiting.number in html
