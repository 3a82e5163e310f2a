"""Audit fixtures: a few objects to audit, users in the roles that matter, and raw-SQL tools
for tampering with the trail the way someone with database access would."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import audit_change, event_hash
from yiwang.org.models import Region, RegionLevel, Staff

TABLE = AuditEvent._meta.db_table


@dataclass
class People:
    bureau_admin: Staff
    clerk: Staff
    department_admin: Staff
    system_admin: Staff


@pytest.fixture
def people(db) -> People:
    """A bureau administrator (sees his region's events), a window clerk (may reveal personal
    data, may not read the trail), a department administrator (neither) and a system
    administrator (sees every event)."""
    bureau = f.department("县数据资源管理局", is_bureau=True)
    dept = f.department("县甲局")
    return People(
        bureau_admin=f.staff(bureau, ["bureau_admin"], username="bureau_admin"),
        clerk=f.staff(dept, ["window_clerk"], username="clerk"),
        department_admin=f.staff(dept, ["department_admin"], username="dept_admin"),
        system_admin=f.staff(bureau, ["system_admin"], username="system_admin"),
    )


@pytest.fixture
def make_region(db) -> Callable[[str], Region]:
    counter = iter(range(100, 1000))

    def make(name: str = "测试镇") -> Region:
        # Created directly, not through org.services, so only the events a test writes exist.
        return Region.objects.create(
            code=f"341199{next(counter):03d}000", name=name, level=RegionLevel.TOWN
        )

    return make


@pytest.fixture
def chain(make_region) -> Callable[[int], list[AuditEvent]]:
    """Append `n` change events and return them in sequence order."""

    def build(n: int) -> list[AuditEvent]:
        region = make_region()
        events = []
        for i in range(n):
            events.append(
                audit_change(
                    action="test.rename",
                    obj=region,
                    before={"name": f"名称{i}"},
                    after={"name": f"名称{i + 1}"},
                )
            )
        return events

    return build


class RawTrail:
    """Tampering through SQL, below the ORM's append-only guards."""

    def execute(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(table=connection.ops.quote_name(TABLE)), params)

    def set_column(self, sequence: int, column: str, value: Any) -> None:
        placeholder = "%s"
        if column == "changes":
            value = json.dumps(value, ensure_ascii=False)
            if connection.vendor == "postgresql":
                placeholder = "CAST(%s AS jsonb)"
        self.execute(
            f"UPDATE {{table}} SET {column} = {placeholder} WHERE sequence = %s",  # noqa: S608
            [value, sequence],
        )

    def delete(self, sequence: int) -> None:
        self.execute("DELETE FROM {table} WHERE sequence = %s", [sequence])

    def shift(self, from_sequence: int, by: int) -> None:
        """Renumber every event from `from_sequence` on by `by` (two steps: the column is
        unique and PostgreSQL checks it row by row)."""
        self.execute(
            "UPDATE {table} SET sequence = sequence + 1000000 WHERE sequence >= %s", [from_sequence]
        )
        self.execute(
            "UPDATE {table} SET sequence = sequence - 1000000 + %s WHERE sequence >= 1000000", [by]
        )

    def copy(self, source: int, sequence: int) -> None:
        """Insert a copy of event `source` under a forged `sequence`."""
        columns = [
            "occurred_at", "kind", "actor_id", "actor_label", "action", "object_type",
            "object_id", "object_label", "changes", "reason", "client_address",
            "previous_hash", "hash",
        ]  # fmt: skip
        listed = ", ".join(columns)
        self.execute(
            f"INSERT INTO {{table}} (sequence, {listed}) "  # noqa: S608 (test-only, fixed names)
            f"SELECT %s, {listed} FROM {{table}} WHERE sequence = %s",
            [sequence, source],
        )

    def forge_link(self, sequence: int, previous_hash: str) -> str:
        """Give event `sequence` this previous hash and a hash recomputed to match, as a
        forger who knows the algorithm would; returns the new hash."""
        self.set_column(sequence, "previous_hash", previous_hash)
        row = AuditEvent.objects.values().get(sequence=sequence)
        forged = event_hash(previous_hash, row)
        self.set_column(sequence, "hash", forged)
        return forged

    def hash_of(self, sequence: int) -> str:
        return AuditEvent.objects.values_list("hash", flat=True).get(sequence=sequence)


@pytest.fixture
def raw() -> RawTrail:
    return RawTrail()
