"""The three rectification figures with worked numbers: 差评整改率, 按期整改率, 实名差评回访率 —
each one database query; another department's scope sees none; an upheld appeal counts in none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.evaluations.rectification_world import PDF, bad_rating, bureau_user, task_of
from yiwang.evaluations.rectification import metrics as m
from yiwang.evaluations.rectification import services
from yiwang.evaluations.rectification.fields import Classification
from yiwang.insight.registry import compute
from yiwang.org.scope import DataScope

pytestmark = pytest.mark.django_db

KEYS = (
    "evaluations.rectification_rate",
    "evaluations.on_time_rectification_rate",
    "evaluations.real_name_follow_up_rate",
)


def _verify(world, task):
    return services.rectification_verify(
        task=task,
        actor=world.clerk.user,
        finding="核实",
        contacted=not task.rating.anonymous,
        contact_note="已联系" if not task.rating.anonymous else "",
    )


def test_the_rectification_figures(world, monkeypatch):
    clerk = world.clerk.user
    # 1. real-name, rectified on time, followed up
    a = _verify(world, task_of(bad_rating(world)))
    a = services.rectification_rectify(task=a, actor=clerk, measures="已整改")
    services.rectification_rate_fix(task=a, level=4)
    # 2. real-name, confirmed, still rectifying, past its deadline (not yet swept)
    b = _verify(world, task_of(bad_rating(world)))
    services.rectification_confirm(task=b, actor=clerk)
    # 3. anonymous, rectified late
    c = _verify(world, task_of(bad_rating(world, anonymous=True)))
    monkeypatch.setattr(services, "_today", lambda: c.deadline + dt.timedelta(days=2))
    services.rectification_rectify(task=c, actor=clerk, measures="补整改")
    monkeypatch.undo()
    # 4. real-name, no legal basis (explained): not a rectification, awaiting follow-up
    d = _verify(world, task_of(bad_rating(world)))
    services.rectification_explain(task=d, actor=clerk, explanation="法定材料，已说明")
    # 5. real-name, upheld as mistaken: counts in nothing
    e = _verify(world, task_of(bad_rating(world)))
    e = services.rectification_appeal(
        task=e,
        actor=clerk,
        classification=Classification.MISTAKEN,
        reason="误点",
        evidence=[("说明.pdf", PDF)],
    )
    services.rectification_decide_appeal(task=e, actor=bureau_user(), upheld=True, note="误评")

    # b is past its deadline "today"
    class _Later:
        @staticmethod
        def localdate():
            return b.deadline + dt.timedelta(days=1)

    monkeypatch.setattr(m, "timezone", _Later)

    # 差评整改率: valid a, b, c → rectified a, c = 2/3
    assert compute(KEYS[0]) == Decimal("0.6667")
    # 按期整改率: due a (on time), b (overdue), c (late) → 1/3
    assert compute(KEYS[1]) == Decimal("0.3333")
    # 实名差评回访率: real-name a, b, d → followed up a = 1/3
    assert compute(KEYS[2]) == Decimal("0.3333")

    for key in KEYS:
        with CaptureQueriesContext(connection) as queries:
            compute(key)
        assert len(queries) == 1, key
        assert compute(key, DataScope.department(world.other.pk)) is None


def test_no_bad_ratings_is_no_data(world):
    for key in KEYS:
        assert compute(key) is None
