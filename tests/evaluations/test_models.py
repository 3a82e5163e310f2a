"""The rating table's own guarantees: one rating per case and per visit even when the services'
check is raced, and each subject names what it rates."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from yiwang.evaluations.fields import Channel, DimensionSet, Subject
from yiwang.evaluations.models import Rating


def _row(case, **kw) -> Rating:
    values = {
        "subject": Subject.CASE,
        "case": case,
        "item": case.item,
        "department": case.department,
        "channel": Channel.PORTAL,
        "dimension_set": DimensionSet.ONLINE,
        "level": 5,
    }
    values.update(kw)
    return Rating.objects.create(**values)


def test_the_database_refuses_a_second_rating_of_a_case(case):
    first = _row(case)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(case, level=1)
    # the citizen's rating of a fix follows up the bad rating and is not a second rating
    bad = Rating.objects.filter(pk=first.pk)
    bad.update(level=1)
    _row(case, follows_up=first, level=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(case, follows_up=first, level=3)


def test_levels_stay_between_one_and_five(case):
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(case, level=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(case, level=0)


def test_a_subject_names_what_it_rates(case, world):
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(case, subject=Subject.VISIT)  # a visit without its queue number
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(case, subject=Subject.WINDOW, window=world.clerk.window)  # and a case
