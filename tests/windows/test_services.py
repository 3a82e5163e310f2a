"""Front desk → back office → hand-out: a walk-in accepted at the 综合窗口 is routed to its
department's back office; the result returns to the front desk and its hand-out is recorded
(who, when, at which window, to whom, ID checked); under 综合窗口出件 it is refused at a
department's own desk and at another hall's front desk."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.cases.test_services import concluded
from tests.windows.conftest import COLLECTOR_ID
from yiwang.audit.models import AuditEvent
from yiwang.cases import services as s
from yiwang.cases.fields import CaseStatus
from yiwang.common.personal import personal_hash
from yiwang.windows.models import HandOut, Routing


def test_a_walk_in_accepted_at_the_front_desk_is_routed_to_the_back_office(desk):
    w = desk.world
    case = desk.walk_in()
    routing = Routing.objects.get(case=case)
    assert routing.department == w.dept and routing.window == w.counter.window
    assert routing.hall == w.counter.window.hall and routing.routed_by == w.counter.user
    assert AuditEvent.objects.filter(action="windows.route").count() == 1
    # the back office finds it in its 待审批 queue; the front desk clerk keeps seeing it
    from yiwang.cases import selectors as case_selectors

    assert case in case_selectors.queue_for(user=w.approver.user, queue="review")
    assert case in case_selectors.cases_for(user=w.counter.user)


def test_a_case_accepted_at_a_departments_own_desk_is_not_routed(desk):
    case = concluded(desk.world)  # online, accepted by the 专窗 clerk
    assert not Routing.objects.filter(case=case).exists()


def test_the_hand_out_is_recorded(desk):
    w = desk.world
    case = desk.approve(desk.walk_in())
    assert case.status == CaseStatus.CONCLUDED
    case = s.case_hand_out(
        case=case,
        actor=desk.front.user,
        collected_by="王五",
        collector_id_number=COLLECTOR_ID.lower(),
        id_checked=True,
    )
    assert case.status == CaseStatus.DELIVERED and case.collected_by == "王五"
    record = HandOut.objects.get(case=case)
    assert record.clerk == desk.front.user and record.window == w.counter.window
    assert record.collector_name == "王五" and record.id_checked
    assert record.handed_at == case.delivered_at
    # the number is kept encrypted (found by its hash), shown masked
    assert str(record.collector_id_number) != COLLECTOR_ID
    assert record.collector_id_number.reveal() == COLLECTOR_ID
    assert HandOut.objects.filter(collector_id_hash=personal_hash("id_number", COLLECTOR_ID))
    event = AuditEvent.objects.get(action="windows.hand_out")
    assert COLLECTOR_ID not in str(event.changes)


def test_an_id_number_needs_the_check_ticked_and_must_be_valid(desk):
    case = desk.approve(desk.walk_in())
    with pytest.raises(ValidationError) as bad:
        s.case_hand_out(
            case=case, actor=desk.front.user, collected_by="王五", collector_id_number="123"
        )
    assert "collector_id_number" in bad.value.message_dict
    with pytest.raises(ValidationError) as unticked:
        s.case_hand_out(
            case=case, actor=desk.front.user, collected_by="王五", collector_id_number=COLLECTOR_ID
        )
    assert "id_checked" in unticked.value.message_dict
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED and not HandOut.objects.exists()


def test_without_the_setting_a_departments_desk_may_still_hand_out(desk):
    case = desk.approve(desk.walk_in())
    s.case_hand_out(case=case, actor=desk.world.clerk.user, collected_by="张三")
    record = HandOut.objects.get(case=case)
    assert record.window == desk.world.clerk.window and not record.id_checked


@pytest.mark.usefixtures("comprehensive_hand_out")
def test_under_comprehensive_hand_out_a_departments_desk_is_refused(desk):
    case = desk.approve(desk.walk_in())
    with pytest.raises(PermissionDenied, match="只能在综合窗口领取"):
        s.case_hand_out(
            case=case,
            actor=desk.world.clerk.user,  # the department's own 专窗
            collected_by="张三",
            collector_id_number=COLLECTOR_ID,
            id_checked=True,
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED and not HandOut.objects.exists()


@pytest.mark.usefixtures("comprehensive_hand_out")
def test_under_comprehensive_hand_out_another_halls_front_desk_is_refused(desk):
    case = desk.approve(desk.walk_in())
    with pytest.raises(PermissionDenied, match="请在该大厅的综合窗口出件"):
        s.case_hand_out(
            case=case,
            actor=desk.far.user,
            collected_by="张三",
            collector_id_number=COLLECTOR_ID,
            id_checked=True,
        )


@pytest.mark.usefixtures("comprehensive_hand_out")
def test_under_comprehensive_hand_out_the_id_check_is_required(desk):
    case = desk.approve(desk.walk_in())
    with pytest.raises(ValidationError) as no_check:
        s.case_hand_out(case=case, actor=desk.front.user, collected_by="张三")
    assert "id_checked" in no_check.value.message_dict
    with pytest.raises(ValidationError) as no_number:
        s.case_hand_out(case=case, actor=desk.front.user, collected_by="张三", id_checked=True)
    assert "collector_id_number" in no_number.value.message_dict
    s.case_hand_out(
        case=case,
        actor=desk.front.user,
        collected_by="张三",
        collector_id_number=COLLECTOR_ID,
        id_checked=True,
    )
    assert HandOut.objects.get(case=case).id_checked


@pytest.mark.usefixtures("comprehensive_hand_out")
def test_an_online_case_is_handed_out_at_the_front_desk_of_its_region(desk):
    case = concluded(desk.world)
    s.case_hand_out(
        case=case,
        actor=desk.far.user,  # any front desk of the department's region
        collected_by="张三",
        collector_id_number=COLLECTOR_ID,
        id_checked=True,
    )
    assert HandOut.objects.get(case=case).clerk == desk.far.user
