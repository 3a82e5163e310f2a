"""Two ratings of one case at the same moment, each on its own database connection
(PostgreSQL: the case row's lock serialises them; SQLite's in-memory test database is not shared
between threads): exactly one is stored, the other gets 409 with the 一次一评 sentence."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from rest_framework.test import APIClient

from tests.evaluations.conftest import concluded_case
from yiwang.evaluations import tokens
from yiwang.evaluations.models import Rating
from yiwang.evaluations.services import DUPLICATE_CASE

pytestmark = [pytest.mark.skip_allowed("postgresql"), pytest.mark.django_db(transaction=True)]


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


def test_the_app_and_the_qr_page_rate_one_case_at_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    case = concluded_case(world)
    api = APIClient()
    api.force_authenticate(world.citizen.user)
    url = f"/rate/{tokens.case_token(case.pk)}/"
    answers = _at_once(
        lambda: api.post("/api/evaluations/ratings/", {"case": case.pk, "level": 1}, format="json"),
        lambda: Client().post(url, {"level": 5}),
    )
    assert not [a for a in answers if isinstance(a, BaseException)], answers
    api_answer, page_answer = answers
    assert Rating.objects.filter(case=case).count() == 1
    stored = Rating.objects.get(case=case)
    if stored.level == 1:  # the app won: the page stores nothing and says why (or, if it read
        # the case after the app's commit, shows it rated)
        assert api_answer.status_code == 201
        assert page_answer.status_code in (200, 422)
        if page_answer.status_code == 422:
            assert DUPLICATE_CASE in page_answer.content.decode()
    else:  # the page won: the app is told why
        assert page_answer.status_code == 302 and api_answer.status_code == 409
        assert api_answer.json()["detail"] == DUPLICATE_CASE


def test_two_app_requests_at_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    case = concluded_case(world)

    def rate(level: int) -> Any:
        api = APIClient()
        api.force_authenticate(world.citizen.user)
        return api.post(
            "/api/evaluations/ratings/", {"case": case.pk, "level": level}, format="json"
        )

    answers = _at_once(lambda: rate(1), lambda: rate(5))
    assert sorted(a.status_code for a in answers) == [201, 409], answers
    assert Rating.objects.filter(case=case).count() == 1
