"""Two at once on one rectification task, each on its own database connection (PostgreSQL: the
task row's lock serialises them; SQLite's in-memory test database is not shared between
threads): two handlers rectify, the citizen rates the fix twice — exactly one wins, the other
gets the state machine's conflict, nothing is doubled."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from tests.evaluations.rectification_world import bad_rating, task_of
from yiwang.common.workflow import ILLEGAL
from yiwang.evaluations.models import Rating
from yiwang.evaluations.rectification import services

pytestmark = [pytest.mark.skip_allowed("postgresql"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def verified(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    task = task_of(bad_rating(world))
    return world, services.rectification_verify(
        task=task, actor=world.clerk.user, finding="属实", contacted=True, contact_note="已联系"
    )


def _at_once(*calls: Any) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(10)
            answers[i] = calls[i]()
        except BaseException as exc:  # reported to the test
            answers[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _one_conflict(answers: list[Any]) -> None:
    errors = [a for a in answers if isinstance(a, BaseException)]
    assert len(errors) == 1, answers
    assert isinstance(errors[0], ValidationError)
    assert errors[0].error_list[0].code == ILLEGAL


def test_two_handlers_rectify_at_once(verified):
    world, task = verified
    answers = _at_once(
        lambda: services.rectification_rectify(task=task, actor=world.clerk.user, measures="甲"),
        lambda: services.rectification_rectify(task=task, actor=world.head.user, measures="乙"),
    )
    _one_conflict(answers)
    assert task.events.filter(action="rectify").count() == 1


def test_the_fix_rated_twice_at_once(verified):
    world, task = verified
    task = services.rectification_rectify(task=task, actor=world.clerk.user, measures="已整改")
    answers = _at_once(
        lambda: services.rectification_rate_fix(task=task, level=5),
        lambda: services.rectification_rate_fix(task=task, level=1),
    )
    _one_conflict(answers)
    assert Rating.objects.filter(follows_up=task.rating).count() == 1
