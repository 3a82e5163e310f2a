"""A small hand-built set of cases with known answers for the registry's mechanisms: five
accepted cases of two departments (one county-level, one in 测试镇1), placed on chosen dates.

| case | department | accepted   | channel | concluded             |
|------|------------|------------|---------|-----------------------|
| c1   | county     | 2026-01-10 | online  | 2026-01-15, on time   |
| c2   | county     | 2026-03-05 | window  | 2026-03-20, overdue   |
| c3   | town       | 2026-03-20 | online  | —                     |
| c4   | town       | 2026-08-01 | online  | —                     |
| c5   | county     | 2025-12-31 | window  | —                     |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests import factories as f
from tests.cases.conftest import CaseWorld
from tests.cases.conftest import world as world  # the fixture, re-exported
from tests.cases.test_services import accepted
from yiwang.cases.fields import Channel
from yiwang.cases.models import Case
from yiwang.org.models import Department


@dataclass
class Figures:
    world: CaseWorld
    county: Department  # 县市场监督管理局 (county level)
    town: Department  # 测试镇1's department
    cases: dict[str, Case]


ROWS = {
    "c1": ("county", dt.date(2026, 1, 10), Channel.ONLINE, dt.date(2026, 1, 15), False),
    "c2": ("county", dt.date(2026, 3, 5), Channel.WINDOW, dt.date(2026, 3, 20), True),
    "c3": ("town", dt.date(2026, 3, 20), Channel.ONLINE, None, False),
    "c4": ("town", dt.date(2026, 8, 1), Channel.ONLINE, None, False),
    "c5": ("county", dt.date(2025, 12, 31), Channel.WINDOW, None, False),
}


@pytest.fixture
def figures(world) -> Figures:
    town = f.department("测试镇1市场监管所", at=f.town(1))
    cases = {}
    for name, (where, on, channel, concluded, overdue) in ROWS.items():
        case = accepted(world)
        Case.objects.filter(pk=case.pk).update(
            department=world.dept if where == "county" else town,
            accepted_on=on,
            channel=channel,
            concluded_on=concluded,
            ever_overdue=overdue,
        )
        cases[name] = Case.objects.get(pk=case.pk)
    return Figures(world=world, county=world.dept, town=town, cases=cases)
