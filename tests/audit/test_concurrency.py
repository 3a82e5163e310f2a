"""Concurrent appenders keep the chain linear (PostgreSQL: the head row lock serialises them;
SQLite's in-memory test database is not shared between threads, so this runs on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from yiwang.audit.models import AuditEvent
from yiwang.audit.services import audit_change, audit_verify
from yiwang.org.models import Region, RegionLevel

WRITERS = 4
EACH = 15


@pytest.mark.skip_allowed("postgresql")
@pytest.mark.django_db(transaction=True)
def test_parallel_appends_form_one_gapless_chain():
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    region = Region.objects.create(code="341199100000", name="甲镇", level=RegionLevel.TOWN)
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                with transaction.atomic():
                    audit_change(action=f"t.writer{n}", obj=region, after={"i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sequences = list(AuditEvent.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, WRITERS * EACH + 1))
    result = audit_verify()
    assert result.ok and result.verified == WRITERS * EACH
