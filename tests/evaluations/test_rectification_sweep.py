"""The escalation sweep (超期升级): a bad rating's task that is not rectified by its deadline goes
to the department's administrators the day after, then to the bureau after
YIWANG_RECTIFICATION_BUREAU_DAYS more working days; each level once; an appeal's pause and a
rectified task are not overdue; the worker's periodic job runs it. And the low-rating hook
shipped with rectification (tell_bureau)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from tests.evaluations.rectification_world import PDF, bad_rating, bureau_user, task_of
from yiwang.common import periodic
from yiwang.evaluations.rectification import services
from yiwang.evaluations.rectification.fields import Classification, Escalation
from yiwang.evaluations.rectification.tasks import sweep_rectifications
from yiwang.notifications.models import Message
from yiwang.workdays.selectors import add_working_days

pytestmark = pytest.mark.django_db


def _escalations():
    return list(
        Message.objects.filter(kind="rectification.escalated")
        .order_by("id")
        .values_list("recipient_id", flat=True)
    )


def test_an_overdue_task_escalates_to_the_department_admin_then_the_bureau(world, settings):
    settings.YIWANG_RECTIFICATION_BUREAU_DAYS = 2
    task = task_of(bad_rating(world))
    deadline = task.deadline

    assert services.rectifications_sweep(today=deadline).department == 0  # due, not overdue
    assert task_of(task.rating).escalation == Escalation.NONE

    day_after = deadline + dt.timedelta(days=1)
    report = services.rectifications_sweep(today=day_after)
    assert (report.department, report.bureau) == (1, 0)
    task = task_of(task.rating)
    assert task.escalation == Escalation.DEPARTMENT and task.ever_overdue
    assert _escalations() == [world.head.user_id]
    # once per level
    assert services.rectifications_sweep(today=day_after).department == 0
    assert _escalations() == [world.head.user_id]

    bureau_on = add_working_days(deadline, 2).date
    assert services.rectifications_sweep(today=bureau_on).bureau == 0  # not yet past it
    report = services.rectifications_sweep(today=bureau_on + dt.timedelta(days=1))
    assert report.bureau == 1
    assert task_of(task.rating).escalation == Escalation.BUREAU
    assert _escalations() == [world.head.user_id, bureau_user().pk]
    assert services.rectifications_sweep(today=bureau_on + dt.timedelta(days=9)).bureau == 0
    actions = list(task.events.values_list("action", flat=True))
    assert actions == ["open", "escalate", "escalate_bureau"]


def test_a_sweep_that_missed_days_tells_both_at_once(world):
    task = task_of(bad_rating(world))
    report = services.rectifications_sweep(today=task.deadline + dt.timedelta(days=30))
    assert (report.department, report.bureau) == (1, 1)
    assert task_of(task.rating).escalation == Escalation.BUREAU


def test_a_task_rectified_in_time_or_under_appeal_does_not_escalate(world):
    done = task_of(bad_rating(world))
    done = services.rectification_verify(
        task=done, actor=world.clerk.user, finding="属实", contacted=True, contact_note="已联系"
    )
    services.rectification_rectify(task=done, actor=world.clerk.user, measures="已整改")
    appealed = task_of(bad_rating(world))
    appealed = services.rectification_verify(
        task=appealed, actor=world.clerk.user, finding="误点", contacted=True, contact_note="已联系"
    )
    services.rectification_appeal(
        task=appealed,
        actor=world.clerk.user,
        classification=Classification.MISTAKEN,
        reason="误点",
        evidence=[("说明.pdf", PDF)],
    )
    report = services.rectifications_sweep(today=done.deadline + dt.timedelta(days=30))
    assert (report.department, report.bureau) == (0, 0)


def test_rectifying_late_marks_the_task_ever_overdue(world, monkeypatch):
    task = task_of(bad_rating(world))
    task = services.rectification_verify(
        task=task, actor=world.clerk.user, finding="属实", contacted=True, contact_note="已联系"
    )
    late = task.deadline + dt.timedelta(days=3)
    monkeypatch.setattr(services, "_today", lambda: late)
    task = services.rectification_rectify(task=task, actor=world.clerk.user, measures="补整改")
    assert task.ever_overdue


def test_the_worker_runs_the_sweep_as_a_periodic_job(world, settings, monkeypatch):
    settings.YIWANG_RECTIFICATION_SWEEP_MINUTES = 7
    job = next(j for j in periodic.JOBS if j.name == "evaluations.rectification_sweep")
    assert job.minutes() == 7
    task = task_of(bad_rating(world))
    monkeypatch.setattr(services, "_today", lambda: task.deadline + dt.timedelta(days=1))
    sweep_rectifications.call()
    assert task_of(task.rating).escalation == Escalation.DEPARTMENT


def test_the_tell_bureau_hook_tells_the_bureau_of_a_low_rating(world, settings):
    settings.YIWANG_LOW_RATING_HOOKS = ["yiwang.evaluations.rectification.hooks.tell_bureau"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        bad_rating(world, level=2)
    told = Message.objects.filter(kind="rectification.low_rating")
    assert [m.recipient_id for m in told] == [bureau_user().pk]
    assert "不满意" in told.get().text


def test_the_command_runs_the_sweep_once(world):
    task = task_of(bad_rating(world))
    out = io.StringIO()
    day = (task.deadline + dt.timedelta(days=1)).isoformat()
    call_command("rectification", "sweep", "--date", day, stdout=out)
    assert "提醒部门管理员 1 件，报数据资源局 0 件" in out.getvalue()
    with pytest.raises(CommandError, match="格式不正确"):
        call_command("rectification", "sweep", "--date", "1/2/2026")
