"""Two staff acting on one case at once, through the API, each on its own database connection
(PostgreSQL: the case row's lock serialises them; SQLite's in-memory test database is not shared
between threads). Exactly one succeeds; the other gets 409 with a clear message; nothing the
winner wrote is lost or doubled."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from tests.cases.conftest import CaseWorld
from tests.common import files
from yiwang.cases import services as s
from yiwang.cases.fields import CaseStatus, NoticeKind
from yiwang.cases.models import Case
from yiwang.workdays.models import Clock

PDF = files.pdf(pages=1)
# long enough for the second request to reach the lock while the first still holds the row
HOLD_SECONDS = 0.5

pytestmark = [pytest.mark.skip_allowed("postgresql"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def race(world: CaseWorld) -> tuple[CaseWorld, Case]:
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    user = world.citizen.user
    case = s.case_create(item=world.item, applicant=world.citizen, actor=user, form=world.form())
    for order in (1, 2):
        s.case_material_upload(case=case, actor=user, order=order, file=PDF, file_name="a.pdf")
    return world, s.case_submit(case=case, actor=user)


def _call(user: Any, case: Case, path: str, body: dict[str, Any]) -> Any:
    client = APIClient()
    client.force_authenticate(user)
    return client.post(f"/api/cases/{case.pk}/{path}/", body, format="json")


def _at_once(*calls: Any) -> list[Any]:
    """Run the calls in threads released together; each thread has its own connection."""
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


def _accept_events(case: Case) -> int:
    return case.events.filter(action="accept").count()


def test_two_clerks_accept_the_same_case_at_once_one_wins_the_other_gets_409(race):
    world, case = race
    second_clerk = world.head  # another member of the department …
    second_clerk.user.groups.add(*world.clerk.user.groups.all())  # … who also accepts
    answers = _at_once(
        lambda: _call(world.clerk.user, case, "accept", {"note": "甲"}),
        lambda: _call(second_clerk.user, case, "accept", {"note": "乙"}),
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409], [getattr(a, "content", a) for a in answers]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.json()["detail"] == "办件当前为“审查中”，不能受理。"
    winner = next(a for a in answers if a.status_code == 200)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    # one acceptance, recorded once: history, notice, clocks — and the winner's note kept
    assert _accept_events(case) == 1
    assert case.notices.filter(kind=NoticeKind.ACCEPTANCE).count() == 1
    assert Clock.objects.filter(subject_type="cases.case", subject_id=str(case.pk)).count() == 3
    note = case.events.get(action="accept").note
    assert note in ("甲", "乙") and winner.json()["history"][-1]["note"] == note


def test_the_second_request_waits_for_the_first_and_finds_the_new_state(race):
    """The first acceptance holds its transaction open: the second blocks on the case row
    until the first commits, then reads the new state — it never works from the old one."""
    world, case = race
    wrote = threading.Event()
    answers: list[Any] = [None, None]
    # When the first is about to commit, and when the second got its answer (monotonic).
    times: dict[str, float] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                answers[0] = _call(world.clerk.user, case, "accept", {})
                wrote.set()
                time.sleep(HOLD_SECONDS)
                times["committing"] = time.monotonic()
        except BaseException as exc:  # reported to the test
            answers[0] = exc
        finally:
            wrote.set()
            connections.close_all()

    def second() -> None:
        try:
            wrote.wait(10)
            answers[1] = _call(
                world.clerk.user,
                case,
                "request-correction",
                {"entries": [{"order": 1, "note": "签字不清晰"}]},
            )
            times["answered"] = time.monotonic()
        except BaseException as exc:  # reported to the test
            answers[1] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers[0].status_code == 200, answers[0]
    assert answers[1].status_code == 409, getattr(answers[1], "content", answers[1])
    assert "不能一次性告知补正" in answers[1].json()["detail"]
    # it waited for the lock: answered only once the first was committing
    assert times["answered"] > times["committing"]
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    assert not case.corrections.exists() and _accept_events(case) == 1


def test_accept_racing_not_accept_leaves_one_consistent_outcome(race):
    world, case = race
    answers = _at_once(
        lambda: _call(world.clerk.user, case, "accept", {}),
        lambda: _call(world.clerk.user, case, "not-accept", {"reason": "不属于本部门职权范围"}),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    case.refresh_from_db()
    accepted = answers[0].status_code == 200
    assert case.status == (CaseStatus.IN_REVIEW if accepted else CaseStatus.NOT_ACCEPTED)
    assert case.events.filter(action__in=["accept", "not_accept"]).count() == 1
    assert bool(case.accepted_on) is accepted
    assert bool(case.not_accepted_reason) is not accepted
