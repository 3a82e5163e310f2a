"""Two issues or two key rotations at once, each on its own connection (PostgreSQL: SQLite's
in-memory test database is not shared between threads): the licence type's and the
department's row locks serialise them — two serials, one current key."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from yiwang.licenses import services
from yiwang.licenses.models import License, SealKey

from .conftest import issue

pytestmark = [pytest.mark.skip_allowed("postgresql"), pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")


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
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_two_issues_at_once_get_two_serials(license_type):
    answers = _at_once(lambda: issue(license_type), lambda: issue(license_type))
    assert all(isinstance(a, License) for a in answers), answers
    assert sorted(a.serial for a in answers) == ["2026000001", "2026000002"]


def test_two_rotations_at_once_leave_one_current_key(issuer):
    first = SealKey.objects.get(department=issuer)
    answers = _at_once(
        lambda: services.seal_key_rotate(department=issuer),
        lambda: services.seal_key_rotate(department=issuer),
    )
    assert all(isinstance(a, SealKey) for a in answers), answers
    keys = SealKey.objects.filter(department=issuer)
    assert keys.count() == 3
    assert keys.filter(retired_at=None).count() == 1
    assert keys.get(pk=first.pk).retired_at is not None
