"""Dispatch help on the desk's pages: the suggested department (from the 职责清单) on a waiting
ticket's row and page, one click dispatching there; likely duplicates (the same caller) on the
疑似重复 tab and the ticket page, and the merge action."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.appeals.conftest import TicketWorld
from yiwang.appeals.fields import TicketStatus
from yiwang.appeals.models import Responsibility, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists(tw: TicketWorld) -> None:
    Responsibility.objects.create(
        department=tw.market,
        title="食品安全监督管理",
        keywords="食品安全\n过期食品\n超市\n牛奶",
        detail="负责食品生产经营监督检查，查处销售过期食品等违法行为。",
    )
    Responsibility.objects.create(
        department=tw.housing,
        title="物业管理监督",
        keywords="物业\n楼道\n小区\n电梯",
        detail="负责物业服务企业监督管理。",
    )


def test_the_desk_suggests_a_department_and_dispatches_there_in_one_click(
    client, tw: TicketWorld, lists
):
    ticket = tw.hotline()  # 超市销售过期食品
    client.force_login(tw.dispatcher.user)
    desk = client.get(reverse("appeals:desk"))
    best = next(b for t, _c, b in desk.context["rows"] if t.pk == ticket.pk)
    assert best is not None and best.department == "县市场监督管理局"
    page = client.get(reverse("appeals:detail", args=[ticket.pk]))
    assert page.context["suggestions"][0].department == "县市场监督管理局"
    assert 'data-testid="suggestions"' in page.content.decode()
    response = client.post(
        reverse("appeals:act", args=[ticket.pk, "dispatch"]),
        {"dispatch-lead": str(best.department_id), "next": "desk"},
    )
    assert response["Location"] == reverse("appeals:desk")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED and ticket.lead_department == tw.market


def test_a_department_sees_no_dispatch_help(client, tw: TicketWorld, lists):
    ticket = tw.dispatched()
    client.force_login(tw.market_handler.user)
    page = client.get(reverse("appeals:detail", args=[ticket.pk]))
    assert page.context["suggestions"] == [] and page.context["duplicates"] == []


def test_duplicates_are_listed_and_merged(client, tw: TicketWorld):
    first = tw.dispatched()
    again = tw.hotline(title="又来反映超市过期食品", content="上周反映的超市仍在卖过期牛奶。")
    unrelated = tw.hotline(
        title="路灯不亮", content="幸福路路灯坏了。", applicant_phone="13700137000"
    )
    client.force_login(tw.dispatcher.user)
    tab = client.get(reverse("appeals:desk-tab", args=["duplicates"]))
    groups = {
        row.ticket.pk: [d.ticket.pk for d in row.duplicates]
        for row in tab.context["duplicate_rows"]
    }
    assert first.pk in groups[again.pk]
    assert unrelated.pk not in groups
    assert "同一来电人" in tab.content.decode()
    page = client.get(reverse("appeals:detail", args=[again.pk]))
    assert first.pk in [d.ticket.pk for d in page.context["duplicates"]]
    response = client.post(
        reverse("appeals:act", args=[again.pk, "merge"]), {"merge-into": str(first.pk)}
    )
    assert response["Location"] == reverse("appeals:detail", args=[first.pk])
    again.refresh_from_db()
    assert again.status == TicketStatus.MERGED and again.merged_into == first
    # the merged ticket's page says where it went and offers nothing more
    page = client.get(reverse("appeals:detail", args=[again.pk]))
    assert first.number in page.content.decode()
    assert [a.name for a in page.context["action_forms"]] == []
    assert Ticket.objects.filter(status=TicketStatus.MERGED).count() == 1


def test_a_merge_into_a_ticket_out_of_scope_is_404(client, tw: TicketWorld):
    ticket = tw.hotline()
    client.force_login(tw.dispatcher.user)
    response = client.post(
        reverse("appeals:act", args=[ticket.pk, "merge"]), {"merge-into": str(ticket.pk + 999)}
    )
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING_DISPATCH
