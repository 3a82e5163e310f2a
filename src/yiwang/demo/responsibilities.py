"""The demo county's responsibility lists (职责清单): a few entries for every demo department
(data/responsibilities.csv: department full name, title, keywords separated by 、, detail),
which dispatch help routes tickets by. Safe to run again: an entry is looked up by department
and title, and kept as the bureau may have edited it."""

from __future__ import annotations

import csv
from importlib import resources

from yiwang.appeals.dispatch import text as dispatch_text
from yiwang.appeals.dispatch.routing import Entry
from yiwang.appeals.models import Responsibility
from yiwang.org.models import Department


def demo_rows() -> list[dict[str, str]]:
    with (
        resources.files("yiwang.demo")
        .joinpath("data/responsibilities.csv")
        .open(encoding="utf-8") as fh
    ):
        return list(csv.DictReader(fh))


def demo_entries() -> list[Entry]:
    """The demo lists as router entries without a database (the benchmark's): departments
    numbered in order of first appearance."""
    ids: dict[str, int] = {}
    entries = []
    for row in demo_rows():
        department_id = ids.setdefault(row["department"], len(ids) + 1)
        entries.append(
            Entry(
                department_id=department_id,
                department=row["department"],
                title=row["title"],
                keywords=tuple(dispatch_text.keywords_of(row["keywords"])),
                detail=row["detail"],
            )
        )
    return entries


def seed_responsibilities() -> dict[str, int]:
    from yiwang.appeals.dispatch import services as dispatch_services

    departments = {d.name: d for d in Department.objects.all()}
    existing = set(Responsibility.objects.values_list("department__name", "title"))
    created = 0
    for row in demo_rows():
        department = departments.get(row["department"])
        if department is None or (row["department"], row["title"]) in existing:
            continue
        dispatch_services.responsibility_create(
            actor=None,
            department=department,
            title=row["title"],
            keywords=row["keywords"],
            detail=row["detail"],
        )
        created += 1
    return {"职责清单": created}
