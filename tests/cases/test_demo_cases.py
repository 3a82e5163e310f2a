"""The demo county has a case in the clerk's queues and a 一件事 application in stage 2, made
through the services; seeding again adds none."""

from __future__ import annotations

import pytest

from tests.test_locale import demo  # noqa: F401 - the seeded demo county, once per module
from yiwang.cases import selectors
from yiwang.cases.models import BundleCase, Case
from yiwang.demo.bundle_cases import seed_bundle_cases
from yiwang.demo.cases import seed_cases
from yiwang.org.models import User


@pytest.mark.django_db
def test_the_demo_fills_the_queues(demo):  # noqa: F811
    clerk = User.objects.get(username="scjg_clerk")
    counts = selectors.queue_counts_for(user=clerk)
    # the four demo cases, and the demo 开办餐饮店一件事's two children at this department: the
    # registration approved (待出件) and the food licence of stage 2 (待受理)
    assert (counts["intake"], counts["correction"], counts["review"], counts["hand_out"]) == (
        2,
        1,
        1,
        2,
    )
    assert all(c.number and c.events.exists() for c in Case.objects.all())
    assert seed_cases() == {}
    bundle_case = BundleCase.objects.get()
    assert bundle_case.bundle.name == "开办餐饮店一件事" and bundle_case.stage == 2
    assert bundle_case.status == "in_progress" and bundle_case.joint_clock is not None
    assert Case.objects.filter(bundle_case=bundle_case, stage=2, status="submitted").count() >= 2
    assert seed_bundle_cases() == {}
    # another department's clerk sees none of them
    assert sum(selectors.queue_counts_for(user=User.objects.get(username="ga_clerk")).values()) == 0
