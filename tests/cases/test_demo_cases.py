"""The demo county has a case in the clerk's queues, made through the services; seeding again
adds none."""

from __future__ import annotations

import pytest

from tests.test_locale import demo  # noqa: F401 - the seeded demo county, once per module
from yiwang.cases import selectors
from yiwang.cases.models import Case
from yiwang.demo.cases import seed_cases
from yiwang.org.models import User


@pytest.mark.django_db
def test_the_demo_fills_the_queues(demo):  # noqa: F811
    clerk = User.objects.get(username="scjg_clerk")
    counts = selectors.queue_counts_for(user=clerk)
    assert (counts["intake"], counts["correction"], counts["review"], counts["hand_out"]) == (
        1,
        1,
        1,
        1,
    )
    assert all(c.number and c.events.exists() for c in Case.objects.all())
    assert seed_cases() == {}
    # another department's clerk sees none of them
    assert sum(selectors.queue_counts_for(user=User.objects.get(username="ga_clerk")).values()) == 0
