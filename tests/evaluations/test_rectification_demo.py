"""`yiwang demo` shows rectification: bad ratings with their tasks in each state (to verify,
rectifying, closed after the citizen rated the fix, an appeal awaiting the bureau, one upheld as
mistaken), seeded once."""

from __future__ import annotations

import pytest

from tests.seeded import demo_county
from yiwang.demo.services import seed_demo_county
from yiwang.evaluations.models import Rating, Rectification

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_tasks_in_each_state_once():
    demo_county()
    states = set(Rectification.objects.values_list("status", flat=True))
    assert {"verifying", "rectifying", "closed", "appealed"} <= states
    assert Rectification.objects.filter(rating__mistaken=True, status="closed").exists()
    assert Rating.objects.filter(follows_up__isnull=False).exists()
    count = Rectification.objects.count()
    assert "差评整改任务" not in seed_demo_county().created
    assert Rectification.objects.count() == count
