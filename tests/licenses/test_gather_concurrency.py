"""The same licences gathered twice at once, each on its own connection (PostgreSQL: SQLite's
in-memory test database is not shared between threads): one batch creates them, the other —
its write refused by the licence type's lock and the source-number constraint — checks again
and finds them unchanged. Never two licences for one source number."""

from __future__ import annotations

import pytest
from django.db import connection

from yiwang.licenses import gathering
from yiwang.licenses.models import License

from .test_concurrency import _at_once
from .test_gathering import csv_bytes, person_row

pytestmark = [pytest.mark.skip_allowed("postgresql"), pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")


def test_the_same_file_twice_at_once(issuer, license_type):
    data = csv_bytes([person_row(license_type.code, f"Q-{n}") for n in range(5)])

    def send() -> gathering.GatherResult:
        return gathering.gather_file(department=issuer, filename="q.csv", data=data)

    answers = _at_once(send, send)
    assert all(isinstance(a, gathering.GatherResult) for a in answers), answers
    assert all(a.ok for a in answers), [a.errors for a in answers]
    assert sorted((a.created, a.unchanged) for a in answers) == [(0, 5), (5, 0)]
    assert License.objects.count() == 5
