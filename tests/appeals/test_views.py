"""The ticket pages (诉求工单) through the test client: the department's queue with its SLA
colours, the ticket page's actions (sign for, send back with a reason, re-dispatch, reply,
extension, follow-up, close) and their refusals, the data scope (another department's ticket is
404), the dispatch desk's lists, the clerk's entry form and the roles that may use each page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.appeals.conftest import PHONE, TicketWorld
from tests.common import files
from yiwang.appeals import services as s
from yiwang.appeals.fields import AssignmentStatus, TicketStatus
from yiwang.appeals.models import Ticket, TicketExtension

pytestmark = pytest.mark.django_db


def act(client, ticket: Ticket, action: str, **data: str):
    body = {f"{action}-{key}": value for key, value in data.items()}
    return client.post(reverse("appeals:act", args=[ticket.pk, action]), body)


def actions_on(response) -> list[str]:
    return [a.name for a in response.context["action_forms"]]


# --- The department's queue ---------------------------------------------------------------


def test_the_queue_lists_the_departments_tickets_with_their_sla_colour(client, tw: TicketWorld):
    mine = tw.dispatched(title="超市销售过期食品")
    late = tw.dispatched(title="餐馆卫生差")
    today = timezone.localdate()
    # one ticket past its deadline and its sign-for deadline: red
    Ticket.objects.filter(pk=late.pk).update(
        deadline=today - dt.timedelta(days=3), sign_deadline=today - dt.timedelta(days=5)
    )
    other = s.ticket_dispatch(ticket=tw.hotline(), actor=tw.dispatcher.user, lead=tw.housing)
    client.force_login(tw.market_handler.user)
    response = client.get(reverse("appeals:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.number in html and late.number in html
    assert other.number not in html
    colours = {t.number: colour for t, colour in response.context["rows"]}
    assert colours[late.number] == "red"
    assert colours[mine.number] in ("green", "amber")
    assert 'data-colour="red"' in html
    # the soonest deadline first
    assert response.context["rows"][0][0].number == late.number


def test_the_queue_is_for_staff_who_see_tickets(client, tw: TicketWorld):
    client.force_login(tw.citizen.user)
    assert client.get(reverse("appeals:queue")).status_code == 403


# --- The ticket page --------------------------------------------------------------------------


def test_the_lead_department_signs_for_and_replies(client, tw: TicketWorld):
    ticket = tw.dispatched()
    client.force_login(tw.market_handler.user)
    page = client.get(reverse("appeals:detail", args=[ticket.pk]))
    assert page.status_code == 200
    assert actions_on(page) == ["sign_for", "send_back"]
    # the caller's phone is masked on the page
    assert PHONE not in page.content.decode()
    response = act(client, ticket, "sign_for")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.HANDLING
    page = client.get(reverse("appeals:detail", args=[ticket.pk]))
    assert actions_on(page)[:2] == ["reply", "handle"]
    assert "pause" in actions_on(page) and "request_extension" in actions_on(page)
    # an empty reply is refused next to the field
    response = act(client, ticket, "reply", reply="  ")
    assert response.status_code == 400
    assert "请填写答复内容。" in response.content.decode()
    response = act(client, ticket, "reply", reply="经查属实，已责令超市下架并立案调查。")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REPLIED and ticket.reply.startswith("经查属实")


def test_a_second_sign_for_is_a_conflict(client, tw: TicketWorld):
    ticket = tw.dispatched()
    s.ticket_sign_for(ticket=ticket, actor=tw.market_head.user)
    client.force_login(tw.market_handler.user)
    response = act(client, ticket, "sign_for")
    assert response.status_code == 409
    assert "已签收" in response.context["problem"] or "不能" in response.context["problem"]


def test_send_back_needs_a_reason_and_returns_the_ticket_to_the_desk(client, tw: TicketWorld):
    ticket = tw.dispatched()
    client.force_login(tw.market_handler.user)
    response = act(client, ticket, "send_back", reason="")
    assert response.status_code == 400
    assert "请填写退单理由。" in response.content.decode()
    response = act(client, ticket, "send_back", reason="属于住建部门职责")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SENT_BACK and ticket.lead_department is None
    # the department still sees the ticket it sent back, without actions
    page = client.get(reverse("appeals:detail", args=[ticket.pk]))
    assert page.status_code == 200 and actions_on(page) == []
    assert "属于住建部门职责" in page.content.decode()
    # the bureau's desk lists it under 已退单 and re-dispatches it to the right department
    client.force_login(tw.dispatcher.user)
    desk = client.get(reverse("appeals:desk-tab", args=["sent_back"]))
    assert ticket.number in desk.content.decode()
    response = act(client, ticket, "dispatch", lead=str(tw.housing.pk), instruction="请核处")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.lead_department == tw.housing and ticket.dispatch_count == 2


def test_another_departments_ticket_is_404(client, tw: TicketWorld):
    ticket = tw.dispatched()
    client.force_login(tw.housing_handler.user)
    assert client.get(reverse("appeals:detail", args=[ticket.pk])).status_code == 404
    assert act(client, ticket, "sign_for").status_code == 404
    assert client.get(reverse("appeals:detail", args=[2**70])).status_code == 404


def test_an_extension_requested_by_the_department_is_decided_on_the_desk(client, tw: TicketWorld):
    ticket = tw.signed()
    client.force_login(tw.market_handler.user)
    response = act(client, ticket, "request_extension", days="0", reason="需现场检测")
    assert response.status_code == 400
    response = act(client, ticket, "request_extension", days="3", reason="需现场检测")
    assert response.status_code == 302
    extension = TicketExtension.objects.get(ticket=ticket)
    before = ticket.deadline
    client.force_login(tw.dispatcher.user)
    desk = client.get(reverse("appeals:desk-tab", args=["extensions"]))
    assert ticket.number in desk.content.decode()
    # refusing needs a reason
    response = client.post(
        reverse("appeals:act", args=[ticket.pk, "decide_extension"]),
        {"decide_extension-decision": "refuse", "next": "desk"},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("appeals:act", args=[ticket.pk, "decide_extension"]),
        {"decide_extension-decision": "approve", "next": "desk"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("appeals:desk")
    extension.refresh_from_db()
    ticket.refresh_from_db()
    assert extension.status == "approved" and ticket.deadline > before


def test_the_bureau_follows_up_and_closes(client, tw: TicketWorld):
    ticket = tw.signed()
    s.ticket_reply(ticket=ticket, actor=tw.market_handler.user, reply="已处理。")
    client.force_login(tw.dispatcher.user)
    desk = client.get(reverse("appeals:desk-tab", args=["follow_up"]))
    assert ticket.number in desk.content.decode()
    page = client.get(reverse("appeals:detail", args=[ticket.pk]))
    assert {"follow_up", "close", "redo"} <= set(actions_on(page))
    response = act(client, ticket, "follow_up", satisfaction="satisfied", note="来电人满意")
    assert response.status_code == 302
    response = act(client, ticket, "close", note="")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.satisfaction == "satisfied"


def test_a_department_handler_cannot_dispatch(client, tw: TicketWorld):
    ticket = tw.hotline()
    Ticket.objects.filter(pk=ticket.pk).update(centre=tw.market)  # in his scope
    client.force_login(tw.market_handler.user)
    assert "dispatch" not in actions_on(client.get(reverse("appeals:detail", args=[ticket.pk])))
    response = act(client, ticket, "dispatch", lead=str(tw.market.pk))
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING_DISPATCH


def test_attachments_are_listed_and_downloaded_within_scope(client, tw: TicketWorld):
    ticket = tw.dispatched()
    client.force_login(tw.market_handler.user)
    upload = SimpleUploadedFile("现场照片.png", files.png(), "image/png")
    response = client.post(
        reverse("appeals:act", args=[ticket.pk, "attach"]), {"attach-attachments": [upload]}
    )
    assert response.status_code == 302
    row = ticket.attachments.get()
    download = client.get(reverse("appeals:attachment", args=[ticket.pk, row.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    # a file that is not what it claims is refused with the service's sentence
    bad = SimpleUploadedFile("说明.pdf", b"<html>not a pdf</html>", "application/pdf")
    response = client.post(
        reverse("appeals:act", args=[ticket.pk, "attach"]), {"attach-attachments": [bad]}
    )
    assert response.status_code == 400 and "说明.pdf" in response.content.decode()
    client.force_login(tw.housing_handler.user)
    assert client.get(reverse("appeals:attachment", args=[ticket.pk, row.pk])).status_code == 404


# --- The dispatch desk ----------------------------------------------------------------------


def test_the_desk_lists_each_kind_of_work(client, tw: TicketWorld):
    new = tw.hotline(kind="", title="路灯不亮")
    ready = tw.hotline(title="超市销售过期食品")
    overdue = tw.dispatched(title="噪音扰民")
    Ticket.objects.filter(pk=overdue.pk).update(deadline=timezone.localdate() - dt.timedelta(1))
    client.force_login(tw.dispatcher.user)
    response = client.get(reverse("appeals:desk"))
    assert response.status_code == 200
    html = response.content.decode()
    assert new.number in html and ready.number in html and overdue.number not in html
    counts = {key: count for key, _label, count in response.context["tabs"]}
    assert counts["unassigned"] == 2 and counts["overdue"] == 1
    overdue_page = client.get(reverse("appeals:desk-tab", args=["overdue"]))
    assert overdue.number in overdue_page.content.decode()
    assert client.get(reverse("appeals:desk-tab", args=["nonsense"])).status_code == 404
    # an unclassified ticket is classified on its page before it is dispatched
    page = client.get(reverse("appeals:detail", args=[new.pk]))
    assert actions_on(page)[0] == "classify"
    response = act(client, new, "classify", kind="help", note="")
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.kind == "help" and new.status == TicketStatus.PENDING_DISPATCH


def test_the_desk_is_for_dispatchers(client, tw: TicketWorld):
    client.force_login(tw.market_handler.user)
    assert client.get(reverse("appeals:desk")).status_code == 403
    # the index sends him to his queue, the dispatcher to the desk
    assert client.get(reverse("appeals:index"))["Location"] == reverse("appeals:queue")
    client.force_login(tw.dispatcher.user)
    assert client.get(reverse("appeals:index"))["Location"] == reverse("appeals:desk")


def test_a_ticket_is_found_by_its_number(client, tw: TicketWorld):
    ticket = tw.hotline()
    client.force_login(tw.dispatcher.user)
    response = client.get(reverse("appeals:index"), {"number": ticket.number})
    assert response["Location"] == reverse("appeals:detail", args=[ticket.pk])
    response = client.get(reverse("appeals:index"), {"number": "GD0"}, follow=True)
    assert "未找到编号为 GD0 的工单。" in response.content.decode()


# --- The clerk's entry form ----------------------------------------------------------------


def entry_data(**extra: str) -> dict[str, str]:
    data = {
        "source": "hotline",
        "external_number": "A2026120100001",
        "kind": "complaint",
        "applicant_name": "王五",
        "applicant_phone": PHONE,
        "title": "超市销售过期食品",
        "content": "城关镇人民路某超市销售过期牛奶，要求查处。",
        "address": "城关镇人民路 8 号",
    }
    data.update(extra)
    return data


def test_the_clerk_registers_a_hotline_call(client, tw: TicketWorld):
    client.force_login(tw.clerk.user)
    page = client.get(reverse("appeals:entry"))
    assert page.status_code == 200
    sources = [value for value, _label in page.context["form"].fields["source"].choices]
    assert {"hotline", "enterprise_window", "cant_get_done"} <= set(sources)
    assert "portal" not in sources and "open311" not in sources
    response = client.post(reverse("appeals:entry"), entry_data())
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("appeals:detail", args=[ticket.pk])
    assert ticket.source == "hotline" and ticket.external_number == "A2026120100001"
    assert ticket.status == TicketStatus.PENDING_DISPATCH and ticket.created_by == tw.clerk.user
    # the same hotline number again is refused next to its field
    response = client.post(reverse("appeals:entry"), entry_data())
    assert response.status_code == 400
    assert "已登记，不能重复登记" in str(response.context["form"].errors["external_number"])
    assert Ticket.objects.count() == 1


def test_the_entry_form_names_each_wrong_field(client, tw: TicketWorld):
    client.force_login(tw.clerk.user)
    response = client.post(
        reverse("appeals:entry"),
        entry_data(external_number="", applicant_phone="12345", title=""),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "title" in errors
    response = client.post(
        reverse("appeals:entry"), entry_data(external_number="", applicant_phone="12345")
    )
    assert "applicant_phone" in response.context["form"].errors
    response = client.post(
        reverse("appeals:entry"),
        entry_data(external_number="", applicant_name="", anonymous=""),
    )
    assert "applicant_name" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_an_enterprise_window_entry_without_kind_waits_for_classification(client, tw):
    client.force_login(tw.clerk.user)
    response = client.post(
        reverse("appeals:entry"),
        entry_data(source="enterprise_window", external_number="", kind="", again="1"),
    )
    assert response["Location"] == reverse("appeals:entry") + "?source=enterprise_window"
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.REGISTERED and ticket.feedback_deadline is not None


def test_only_registering_roles_use_the_entry_form(client, tw: TicketWorld):
    client.force_login(tw.market_handler.user)
    assert client.get(reverse("appeals:entry")).status_code == 403
    assert client.post(reverse("appeals:entry"), entry_data()).status_code == 403
    assert not Ticket.objects.exists()


def test_the_assisting_department_answers_its_part(client, tw: TicketWorld):
    ticket = s.ticket_dispatch(
        ticket=tw.hotline(), actor=tw.dispatcher.user, lead=tw.market, assisting=[tw.housing]
    )
    client.force_login(tw.housing_handler.user)
    page = client.get(reverse("appeals:detail", args=[ticket.pk]))
    assert actions_on(page) == ["sign_for", "send_back"]
    assert act(client, ticket, "sign_for").status_code == 302
    page = client.get(reverse("appeals:detail", args=[ticket.pk]))
    assert actions_on(page) == ["reply_part"]
    assert act(client, ticket, "reply_part", reply="已配合现场检查").status_code == 302
    part = ticket.assignments.get(department=tw.housing)
    assert part.status == AssignmentStatus.REPLIED
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED  # the lead has not signed yet
