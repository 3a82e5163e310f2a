from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories as f
from yiwang.org.models import Department, Staff, Window


@dataclass
class TwoDepartments:
    a: Department
    b: Department
    bureau: Department
    clerk_a: Staff
    clerk_b: Staff
    bureau_admin: Staff
    window_a: Window
    window_b: Window


@pytest.fixture
def two_departments(db) -> TwoDepartments:
    """Two departments in one county with a clerk each, plus the bureau with an admin."""
    a = f.department("县甲局")
    b = f.department("县乙局")
    bureau = f.department("县数据资源管理局", is_bureau=True)
    hall = f.hall()
    window_a, window_b = f.window(hall, a), f.window(hall, b)
    return TwoDepartments(
        a=a,
        b=b,
        bureau=bureau,
        clerk_a=f.staff(
            a, ["window_clerk"], username="clerk_a", window=window_a, phone="13900000001"
        ),
        clerk_b=f.staff(
            b, ["window_clerk"], username="clerk_b", window=window_b, phone="13900000002"
        ),
        bureau_admin=f.staff(bureau, ["bureau_admin"], username="bureau_admin"),
        window_a=window_a,
        window_b=window_b,
    )
