"""我的诉求 through the test client: a citizen submits an appeal with an attachment, follows it on
his own pages only (another's is 404, staff are sent to the workbench), sees only the history
lines meant for him, and rates the reply (不满意 sends it back for redo)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests import factories as f
from tests.appeals.conftest import TicketWorld
from tests.common import files
from yiwang.appeals import services as s
from yiwang.appeals.fields import TicketSource, TicketStatus
from yiwang.appeals.models import Ticket
from yiwang.org import services as org

pytestmark = pytest.mark.django_db


def submit(client, **extra):
    data = {
        "kind": "complaint",
        "title": "窗口人员态度差",
        "content": "在政务服务中心 3 号窗口办理业务时，工作人员态度生硬。",
        "address": "",
    }
    data.update(extra)
    return client.post(reverse("appeals-portal:submit"), data)


def test_a_citizen_submits_and_follows_his_appeal(client, tw: TicketWorld):
    client.force_login(tw.citizen.user)
    assert client.get(reverse("appeals-portal:submit")).status_code == 200
    photo = SimpleUploadedFile("照片.png", files.png(), "image/png")
    response = submit(client, attachments=[photo])
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("appeals-portal:detail", args=[ticket.pk])
    assert ticket.source == TicketSource.PORTAL and ticket.applicant == tw.citizen
    assert ticket.applicant_name == "张三" and ticket.attachments.count() == 1
    listing = client.get(reverse("appeals-portal:list")).content.decode()
    assert ticket.number in listing and "我的诉求" in listing
    page = client.get(reverse("appeals-portal:detail", args=[ticket.pk]))
    assert page.status_code == 200
    row = ticket.attachments.get()
    download = client.get(reverse("appeals-portal:attachment", args=[ticket.pk, row.pk]))
    assert download.status_code == 200


def test_a_refused_submission_names_the_field(client, tw: TicketWorld):
    client.force_login(tw.citizen.user)
    response = submit(client, content="")
    assert response.status_code == 400
    assert response.context["form"].errors["content"] == ["请填写诉求内容。"]
    assert not Ticket.objects.exists()


def test_the_timeline_shows_only_the_lines_meant_for_him(client, tw: TicketWorld):
    ticket = s.ticket_register(
        actor=tw.citizen.user, source="portal", kind="complaint", title="路灯不亮", content="x路"
    )
    ticket = s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
    s.ticket_send_back(ticket=ticket, actor=tw.market_handler.user, reason="内部理由不对外")
    client.force_login(tw.citizen.user)
    page = client.get(reverse("appeals-portal:detail", args=[ticket.pk]))
    html = page.content.decode()
    actions = [e.action for e in page.context["timeline"]]
    assert "register" in actions and "send_back" not in actions
    assert "内部理由不对外" not in html


def test_another_citizens_appeal_is_404_and_staff_go_to_the_workbench(client, tw: TicketWorld):
    ticket = s.ticket_register(
        actor=tw.citizen.user, source="portal", kind="help", title="求助", content="内容"
    )
    other = org.applicant_register(
        kind="person",
        name="李四",
        phone="13700137000",
        id_number=f.id_number("19850101"),
        password=f.PASSWORD,
    )
    client.force_login(other.user)
    assert client.get(reverse("appeals-portal:detail", args=[ticket.pk])).status_code == 404
    assert client.post(reverse("appeals-portal:rate", args=[ticket.pk])).status_code == 404
    assert ticket.number not in client.get(reverse("appeals-portal:list")).content.decode()
    client.force_login(tw.dispatcher.user)
    assert client.get(reverse("appeals-portal:list"))["Location"] == reverse("workbench:home")
    client.logout()
    assert "sign-in" in client.get(reverse("appeals-portal:list"))["Location"]


def replied(tw: TicketWorld) -> Ticket:
    ticket = s.ticket_register(
        actor=tw.citizen.user, source="portal", kind="complaint", title="噪音", content="夜间施工"
    )
    ticket = s.ticket_dispatch(ticket=ticket, actor=tw.dispatcher.user, lead=tw.market)
    s.ticket_sign_for(ticket=ticket, actor=tw.market_handler.user)
    return s.ticket_reply(ticket=ticket, actor=tw.market_handler.user, reply="已责令停工。")


def test_the_citizen_rates_the_reply(client, tw: TicketWorld):
    ticket = replied(tw)
    client.force_login(tw.citizen.user)
    page = client.get(reverse("appeals-portal:detail", args=[ticket.pk]))
    assert page.context["rate_form"] is not None and "已责令停工。" in page.content.decode()
    # 无法联系 is the bureau's word, not a citizen's choice
    choices = [v for v, _l in page.context["rate_form"].fields["satisfaction"].choices]
    assert choices == ["satisfied", "basic", "dissatisfied"]
    response = client.post(reverse("appeals-portal:rate", args=[ticket.pk]), {"note": "x"})
    assert response.status_code == 400
    response = client.post(
        reverse("appeals-portal:rate", args=[ticket.pk]), {"satisfaction": "satisfied"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.FOLLOWED_UP and ticket.satisfaction == "satisfied"
    # rated once: the form is gone and a second rating is refused
    page = client.get(reverse("appeals-portal:detail", args=[ticket.pk]))
    assert page.context["rate_form"] is None
    response = client.post(
        reverse("appeals-portal:rate", args=[ticket.pk]), {"satisfaction": "dissatisfied"}
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.satisfaction == "satisfied"


def test_a_dissatisfied_rating_sends_the_ticket_back_for_redo(client, tw: TicketWorld):
    ticket = replied(tw)
    client.force_login(tw.citizen.user)
    response = client.post(
        reverse("appeals-portal:rate", args=[ticket.pk]),
        {"satisfaction": "dissatisfied", "note": "仍在施工"},
        follow=True,
    )
    assert "退回办理部门重新办理" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.HANDLING and ticket.redo_count == 1
