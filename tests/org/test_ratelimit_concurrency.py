"""Rate-limit counters under concurrent workers: every attempt is counted once and exactly
`limit` attempts pass (PostgreSQL: separate connections race on the same row; SQLite's
in-memory test database is not shared between threads, so this runs on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import RequestFactory

from yiwang.org import ratelimit
from yiwang.org.models import RateLimitCounter

WORKERS = 6
EACH = 8
LIMIT = 20


@pytest.mark.skip_allowed("postgresql")
@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_are_all_counted(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    settings.YIWANG_RATE_LIMIT_SIGN_IN_PER_ADDRESS = LIMIT
    settings.YIWANG_RATE_LIMIT_SIGN_IN_PER_ACCOUNT = 0
    start = threading.Barrier(WORKERS)
    passed: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        request = RequestFactory().post("/accounts/sign-in/", REMOTE_ADDR="203.0.113.50")
        try:
            start.wait()
            for _ in range(EACH):
                try:
                    ratelimit.hit(request, ratelimit.SIGN_IN)
                except ratelimit.RateLimited:
                    refused.append(n)
                else:
                    passed.append(n)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert RateLimitCounter.objects.get().count == WORKERS * EACH
    assert len(passed) == LIMIT and len(refused) == WORKERS * EACH - LIMIT
