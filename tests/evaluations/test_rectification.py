"""Rectification services (差评整改): a bad rating opens a task for the handling unit; verify →
classify → rectify → the citizen rates the fix → closed; explanation; anonymous ratings close
without a follow-up; the appeal decided by the bureau (upheld: the rating leaves the bad-rating
count but stays on record; rejected: back to rectification with the paused days added); the
state machine and the permissions refuse what they must."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.evaluations.rectification_world import PDF, bad_rating, bureau_user, task_of
from yiwang.common.workflow import ILLEGAL
from yiwang.evaluations.fields import Channel
from yiwang.evaluations.models import Rating, Rectification
from yiwang.evaluations.rectification import services
from yiwang.evaluations.rectification.fields import (
    AppealDecision,
    Classification,
    FollowUpChannel,
    RectificationStatus,
)
from yiwang.insight.registry import compute
from yiwang.notifications.models import Message
from yiwang.workdays.selectors import add_working_days

S = RectificationStatus
pytestmark = pytest.mark.django_db


def _verified(world, rating=None, **extra):
    task = task_of(rating or bad_rating(world, **extra))
    return services.rectification_verify(
        task=task,
        actor=world.clerk.user,
        finding="申请人三次到窗口补材料，属一次性告知不到位。",
        contacted=not task.rating.anonymous,
        contact_note="已电话联系，致歉。" if not task.rating.anonymous else "",
    )


def test_a_bad_rating_opens_a_task_for_the_handling_department_with_a_working_day_deadline(
    world, settings
):
    settings.YIWANG_RECTIFICATION_DAYS = 5
    rating = bad_rating(world, level=2)
    task = task_of(rating)
    assert task.status == S.VERIFYING
    assert task.department == world.dept
    assert task.opened_on == timezone.localdate(rating.rated_at)
    assert task.deadline == add_working_days(task.opened_on, 5).date
    assert task.clock is not None and task.clock.limit_days == 5
    assert task.events.get().action == "open"
    # the department's administrators are told
    told = Message.objects.filter(kind="rectification.opened")
    assert {m.recipient_id for m in told} == {world.head.user_id}


def test_good_ratings_and_follow_ups_open_no_task(world):
    rating = bad_rating(world, level=3)
    assert not Rectification.objects.filter(rating=rating).exists()
    with pytest.raises(ValidationError):
        services.rectification_open(rating=rating)


def test_opening_twice_gives_the_same_task(world):
    rating = bad_rating(world)
    assert services.rectification_open(rating=rating) == task_of(rating)
    assert Rectification.objects.filter(rating=rating).count() == 1


def test_the_whole_loop_verify_confirm_rectify_and_the_citizen_rates_the_fix(world):
    task = _verified(world)
    assert task.status == S.VERIFIED and task.contacted
    task = services.rectification_confirm(task=task, actor=world.clerk.user, note="属实")
    assert task.status == S.RECTIFYING
    assert task.classification == Classification.VALID
    task = services.rectification_rectify(
        task=task, actor=world.clerk.user, measures="对窗口人员开展一次性告知培训。"
    )
    assert task.status == S.FOLLOW_UP
    assert task.rectified_at is not None and not task.ever_overdue
    assert task.clock.stopped_on is not None
    # the rater gets his follow-up link by SMS and in his messages
    asked = Message.objects.filter(kind="rectification.follow_up")
    assert {m.channel for m in asked} == {"sms", "site"}
    path = services.follow_up_path(task)
    assert path in asked.first().text
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert services.task_for_token(token) == task
    task = services.rectification_rate_fix(task=task, level=4, comment="态度好多了")
    assert task.status == S.CLOSED and task.follow_up_channel == FollowUpChannel.LINK
    fix = Rating.objects.get(follows_up=task.rating)
    assert fix.level == 4 and fix.case_id == task.rating.case_id
    # the rating of the fix opens nothing and is not a second rating of the case
    assert Rectification.objects.count() == 1
    assert task.events.last().actor_label == "评价人"
    assert list(task.events.values_list("action", flat=True)) == [
        "open",
        "verify",
        "confirm",
        "rectify",
        "rate_fix",
    ]


def test_the_fix_is_rated_once(world):
    task = _verified(world)
    task = services.rectification_rectify(task=task, actor=world.clerk.user, measures="已整改")
    services.rectification_rate_fix(task=task, level=5)
    with pytest.raises(ValidationError) as err:
        services.rectification_rate_fix(task=task, level=1)
    assert err.value.error_list[0].code == ILLEGAL
    assert Rating.objects.filter(follows_up=task.rating).count() == 1


def test_a_simple_case_is_rectified_at_once_from_verified(world):
    task = _verified(world)
    task = services.rectification_rectify(task=task, actor=world.clerk.user, measures="当场更正")
    assert task.classification == Classification.VALID
    assert task.status == S.FOLLOW_UP


def test_a_phone_follow_up_is_recorded_by_the_department(world):
    task = _verified(world)
    task = services.rectification_rectify(task=task, actor=world.clerk.user, measures="已整改")
    task = services.rectification_record_follow_up(
        task=task, actor=world.clerk.user, level=3, comment="电话回访基本满意"
    )
    assert task.status == S.CLOSED and task.follow_up_channel == FollowUpChannel.PHONE
    fix = Rating.objects.get(follows_up=task.rating)
    assert fix.channel == Channel.HOTLINE and fix.entered_by == world.clerk.user


def test_an_anonymous_bad_rating_cannot_be_called_and_closes_without_follow_up(world):
    task = task_of(bad_rating(world, anonymous=True))
    with pytest.raises(ValidationError) as err:
        services.rectification_verify(
            task=task, actor=world.clerk.user, finding="核实", contacted=True, contact_note="x"
        )
    assert "匿名评价" in str(err.value)
    task = _verified(world, rating=task.rating)
    task = services.rectification_rectify(task=task, actor=world.clerk.user, measures="已整改")
    assert task.status == S.CLOSED
    assert not Message.objects.filter(kind="rectification.follow_up").exists()


def test_a_real_name_rating_must_be_called_or_say_why_not(world):
    task = task_of(bad_rating(world))
    with pytest.raises(ValidationError) as err:
        services.rectification_verify(
            task=task, actor=world.clerk.user, finding="核实", contacted=False
        )
    assert "contact_note" in err.value.message_dict


def test_explaining_a_rating_without_legal_basis_follows_up_and_is_not_rectified(world):
    task = _verified(world)
    task = services.rectification_explain(
        task=task, actor=world.clerk.user, explanation="申请材料为法定要求，已向评价人说明依据。"
    )
    assert task.classification == Classification.NO_BASIS
    assert task.status == S.FOLLOW_UP and task.rectified_at is None


def test_empty_texts_are_refused_by_field(world):
    task = task_of(bad_rating(world))
    with pytest.raises(ValidationError) as err:
        services.rectification_verify(
            task=task, actor=world.clerk.user, finding=" ", contacted=True, contact_note="已联系"
        )
    assert err.value.message_dict == {"finding": ["请填写核实情况。"]}


def test_the_machine_refuses_steps_out_of_order_and_other_roles(world):
    task = task_of(bad_rating(world))
    with pytest.raises(ValidationError) as err:
        services.rectification_rectify(task=task, actor=world.clerk.user, measures="跳过核实")
    assert err.value.error_list[0].code == ILLEGAL
    task = _verified(world, rating=task.rating)
    # a citizen may not classify; a department may not decide its own appeal
    with pytest.raises(PermissionDenied):
        services.rectification_confirm(task=task, actor=world.citizen.user)


def _appealed(world):
    task = _verified(world)
    return services.rectification_appeal(
        task=task,
        actor=world.clerk.user,
        classification=Classification.MISTAKEN,
        reason="评价人来电说明是误点了“非常不满意”。",
        evidence=[("通话记录.pdf", PDF)],
    )


def test_an_appeal_needs_evidence_and_an_appealable_classification(world):
    task = _verified(world)
    with pytest.raises(ValidationError) as err:
        services.rectification_appeal(
            task=task, actor=world.clerk.user, classification="mistaken", reason="误评", evidence=[]
        )
    assert "evidence" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.rectification_appeal(
            task=task,
            actor=world.clerk.user,
            classification=Classification.VALID,
            reason="误评",
            evidence=[("a.pdf", PDF)],
        )
    assert "classification" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.rectification_appeal(
            task=task,
            actor=world.clerk.user,
            classification="mistaken",
            reason="误评",
            evidence=[("a.exe", b"MZ\x90\x00not a document")],
        )
    assert "evidence" in err.value.message_dict
    assert task_of(task.rating).status == S.VERIFIED
    assert not task_of(task.rating).evidence.exists()


def test_an_appeal_pauses_the_clock_and_tells_the_bureau(world):
    task = _appealed(world)
    assert task.status == S.APPEALED
    assert task.clock.pauses.filter(ended_on__isnull=True).exists()
    assert task.evidence.get().file_name == "通话记录.pdf"
    told = Message.objects.filter(kind="rectification.appealed")
    assert {m.recipient_id for m in told} == {bureau_user().pk}


def test_the_department_cannot_decide_its_own_appeal(world):
    task = _appealed(world)
    with pytest.raises(PermissionDenied):
        services.rectification_decide_appeal(
            task=task, actor=world.head.user, upheld=True, note="自己认定"
        )


def test_an_upheld_appeal_leaves_the_bad_rating_count_but_stays_on_record(world):
    task = _appealed(world)
    assert compute("evaluations.bad_count") == 1
    task = services.rectification_decide_appeal(
        task=task, actor=bureau_user(), upheld=True, note="通话记录证实为误评。"
    )
    assert task.status == S.CLOSED and task.appeal_decision == AppealDecision.UPHELD
    rating = Rating.objects.get(pk=task.rating_id)
    assert rating.mistaken and rating.level == 1  # on record, unchanged
    assert compute("evaluations.bad_count") == 0
    assert Rating.objects.filter(pk=rating.pk).exists()


def test_a_rejected_appeal_sends_the_task_back_to_rectification(world):
    task = _appealed(world)
    task = services.rectification_decide_appeal(
        task=task, actor=bureau_user(), upheld=False, note="证据不足。"
    )
    assert task.status == S.RECTIFYING
    assert task.classification == Classification.VALID
    assert task.appeal_decision == AppealDecision.REJECTED
    assert not task.clock.pauses.filter(ended_on__isnull=True).exists()
    assert not Rating.objects.get(pk=task.rating_id).mistaken
    told = Message.objects.filter(kind="rectification.appeal_rejected")
    assert {m.recipient_id for m in told} == {world.head.user_id}


def test_a_forged_or_expired_follow_up_link_is_refused(world, settings):
    task = _verified(world)
    token = services.follow_up_token(task)
    with pytest.raises(ValidationError, match="回访链接无效"):
        services.task_for_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    settings.YIWANG_RECTIFICATION_FOLLOW_UP_DAYS = 0
    time.sleep(1.1)
    with pytest.raises(ValidationError, match="已过期"):
        services.task_for_token(token)
