"""The front desk's reads: which desk hands a case out (the SQL rule and the one-record rule
agree), the hall's hand-out queue (404 outside it), the clerk's day, the back offices' queues in
their data scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from tests.cases.test_services import concluded
from tests.windows.conftest import COLLECTOR_ID
from yiwang.cases import services as s
from yiwang.cases.models import Case
from yiwang.windows import selectors


def test_serves_and_serves_q_agree(desk):
    w = desk.world
    routed = desk.approve(desk.walk_in())
    online = concluded(w)
    for staff in (desk.front, desk.far):
        window = staff.window
        in_sql = set(
            Case.objects.filter(selectors.serves_q(window.hall)).values_list("pk", flat=True)
        )
        for case in (routed, online):
            assert selectors.serves(window, case) == (case.pk in in_sql)
    # a routed case belongs to its hall's front desk; an online one to any of its region's
    assert selectors.serves(desk.front.window, routed)
    assert not selectors.serves(desk.far.window, routed)
    assert selectors.serves(desk.far.window, online)


def test_the_hand_out_queue_is_the_halls_front_desk(desk):
    w = desk.world
    routed = desk.approve(desk.walk_in())
    in_review = desk.walk_in()
    assert list(selectors.hand_out_queue_for(user=desk.front.user)) == [routed]
    assert list(selectors.hand_out_queue_for(user=desk.far.user)) == []
    # a clerk at a department's desk has no front-desk queue
    assert list(selectors.hand_out_queue_for(user=w.clerk.user)) == []
    assert selectors.hand_out_case_for(user=desk.front.user, pk=routed.pk) == routed
    for user, pk in ((desk.far.user, routed.pk), (desk.front.user, in_review.pk)):
        with pytest.raises(Http404):
            selectors.hand_out_case_for(user=user, pk=pk)


def test_the_clerks_day(desk):
    w = desk.world
    today = dt.date.today()
    done = desk.approve(desk.walk_in())
    second = desk.walk_in()
    draft = s.case_create(item=w.item, applicant=w.citizen, actor=w.counter.user, form=w.form())
    view = selectors.day_view_for(user=w.counter.user, day=today)
    assert view.window == w.counter.window
    assert [c.pk for c in view.received] == [done.pk, second.pk]  # not the draft
    assert draft.pk not in [c.pk for c in view.received]
    assert [r.case_id for r in view.routed] == [done.pk, second.pk]
    assert {r.department_id for r in view.routed} == {w.dept.pk}
    assert [c.pk for c in view.waiting] == [done.pk]
    assert view.handed_out == []
    # the other clerk at the same desk hands it out: his day shows it, the queue empties
    s.case_hand_out(
        case=done,
        actor=desk.front.user,
        collected_by="张三",
        collector_id_number=COLLECTOR_ID,
        id_checked=True,
    )
    front_day = selectors.day_view_for(user=desk.front.user, day=today)
    assert [h.case_id for h in front_day.handed_out] == [done.pk]
    assert front_day.received == [] and front_day.waiting == []
    # another day is empty
    yesterday = selectors.day_view_for(user=w.counter.user, day=today - dt.timedelta(days=1))
    assert yesterday.received == [] and yesterday.routed == []


def test_the_back_office_queue_is_in_scope(desk):
    w = desk.world
    routed = desk.walk_in()
    concluded(w)  # not from a front desk
    assert list(selectors.back_office_for(user=w.approver.user)) == [routed]
    # another department's approver does not see it
    from tests import factories as f

    police_approver = f.staff(w.other, ["approver"], username="police_approver")
    assert list(selectors.back_office_for(user=police_approver.user)) == []
    desk.approve(routed)
    assert list(selectors.back_office_for(user=w.approver.user)) == []
