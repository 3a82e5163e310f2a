"""The front desk's pages: the day view, the hall's hand-out queue and form (the record written,
the collector's ID masked on the page, refusals as form errors, out of the desk's reach 404),
the back offices' queue, who may open them, and the hand-out fields of the case page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.windows.conftest import COLLECTOR_ID
from yiwang.cases.fields import CaseStatus
from yiwang.windows.models import HandOut


def test_the_day_view_lists_received_routed_and_waiting(client, desk):
    w = desk.world
    done = desk.approve(desk.walk_in())
    routed = desk.walk_in()
    client.force_login(w.counter.user)
    response = client.get(reverse("windows:day"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="count-received">2<' in html and 'data-testid="count-routed">2<' in html
    assert 'data-testid="count-waiting">1<' in html
    assert done.number in html and routed.number in html
    assert reverse("windows:hand-out", args=[done.pk]) in html
    # another day
    assert client.get(reverse("windows:day"), {"day": "2020-01-01"}).status_code == 200
    assert (
        "前台工作日志 2020-01-01"
        in client.get(reverse("windows:day"), {"day": "2020-01-01"}).content.decode()
    )


def test_the_front_desk_hands_out_and_the_record_shows_masked(client, desk):
    done = desk.approve(desk.walk_in())
    client.force_login(desk.front.user)
    url = reverse("windows:hand-out", args=[done.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'value="张三"' in page.content.decode()
    response = client.post(
        url,
        {"collected_by": "张三", "collector_id_number": COLLECTOR_ID, "id_checked": "on"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("windows:day")
    done.refresh_from_db()
    assert done.status == CaseStatus.DELIVERED
    assert HandOut.objects.get(case=done).clerk == desk.front.user
    html = client.get(reverse("windows:day")).content.decode()
    assert 'data-testid="count-handed-out">1<' in html
    assert COLLECTOR_ID not in html and COLLECTOR_ID[-4:] in html
    # handed out: no longer in the queue
    assert client.get(url).status_code == 404


def test_a_bad_id_number_is_a_form_error(client, desk):
    done = desk.approve(desk.walk_in())
    client.force_login(desk.front.user)
    response = client.post(
        reverse("windows:hand-out", args=[done.pk]),
        {"collected_by": "张三", "collector_id_number": "12345", "id_checked": "on"},
    )
    assert response.status_code == 422
    assert "领取人身份证号码" in response.content.decode()
    assert not HandOut.objects.exists()


@pytest.mark.usefixtures("comprehensive_hand_out")
def test_under_comprehensive_hand_out_an_unchecked_id_is_refused(client, desk):
    done = desk.approve(desk.walk_in())
    client.force_login(desk.front.user)
    response = client.post(reverse("windows:hand-out", args=[done.pk]), {"collected_by": "张三"})
    assert response.status_code == 422
    assert "请核验领取人的身份证件后再出件" in response.content.decode()


@pytest.mark.usefixtures("comprehensive_hand_out")
def test_under_comprehensive_hand_out_the_case_page_refuses_a_departments_desk(client, desk):
    w = desk.world
    done = desk.approve(desk.walk_in())
    client.force_login(w.clerk.user)  # the 市场监管局's 专窗 sees its department's case
    response = client.post(
        reverse("cases:act", args=[done.pk, "hand_out"]),
        {
            "hand_out-collected_by": "张三",
            "hand_out-collector_id_number": COLLECTOR_ID,
            "hand_out-id_checked": "on",
        },
    )
    assert response.status_code == 403
    assert "只能在综合窗口领取" in response.content.decode()
    done.refresh_from_db()
    assert done.status == CaseStatus.CONCLUDED and not HandOut.objects.exists()


def test_the_case_page_records_the_id_check(client, desk):
    w = desk.world
    done = desk.approve(desk.walk_in())
    client.force_login(w.counter.user)  # the registering clerk sees the case
    response = client.post(
        reverse("cases:act", args=[done.pk, "hand_out"]),
        {
            "hand_out-collected_by": "张三",
            "hand_out-collector_id_number": COLLECTOR_ID,
            "hand_out-id_checked": "on",
        },
    )
    assert response.status_code == 302
    record = HandOut.objects.get(case=done)
    assert record.id_checked and record.collector_id_number.reveal() == COLLECTOR_ID


def test_out_of_the_desks_reach_is_404(client, desk):
    done = desk.approve(desk.walk_in())
    client.force_login(desk.far.user)  # another hall's front desk
    assert client.get(reverse("windows:hand-out", args=[done.pk])).status_code == 404
    assert done.number not in client.get(reverse("windows:hand-out-queue")).content.decode()


def test_who_may_open_the_pages(client, desk):
    w = desk.world
    client.force_login(w.approver.user)  # no cases.accept_case
    assert client.get(reverse("windows:day")).status_code == 403
    assert client.get(reverse("windows:back-office")).status_code == 200
    client.force_login(w.citizen.user)
    assert client.get(reverse("windows:day")).status_code == 403
    client.logout()
    assert client.get(reverse("windows:day")).status_code == 302


def test_the_back_office_page_lists_routed_cases_per_department(client, desk):
    w = desk.world
    routed = desk.walk_in()
    client.force_login(w.approver.user)
    html = client.get(reverse("windows:back-office")).content.decode()
    assert routed.number in html and w.dept.name in html
    assert str(w.counter.window.number) in html


def test_the_navigation_links_the_front_desk(client, desk):
    client.force_login(desk.front.user)
    html = client.get(reverse("windows:day")).content.decode()
    assert reverse("windows:hand-out-queue") in html and "前台今日" in html
