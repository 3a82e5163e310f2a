"""Small builders for tests, going through the services like real code does."""

from __future__ import annotations

import itertools

from yiwang.common.validators import id_number_with_check, uscc_with_check
from yiwang.org import services
from yiwang.org.models import (
    Department,
    DepartmentKind,
    HallLevel,
    Region,
    RegionLevel,
    ServiceHall,
    Staff,
    Window,
    WindowKind,
)

PASSWORD = "Test-pass-2026"
_seq = itertools.count(1)


def region(
    code: str = "341199000000",
    name: str = "示范县",
    level: int = RegionLevel.COUNTY,
    parent: Region | None = None,
) -> Region:
    found = Region.objects.filter(code=code).first()
    return found or services.region_create(code=code, name=name, level=level, parent=parent)


def county() -> Region:
    return region()


def town(n: int = 0) -> Region:
    return region(f"341199{100 + n:03d}000", f"测试镇{n}", RegionLevel.TOWN, county())


def uscc(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    return uscc_with_check(f"11341199{n:08d}0")


def id_number(birth: str = "19900101", seq: int | None = None) -> str:
    seq = next(_seq) % 1000 if seq is None else seq
    return id_number_with_check(f"341199{birth}{seq:03d}")


def department(
    name: str | None = None, *, at: Region | None = None, is_bureau: bool = False
) -> Department:
    n = next(_seq)
    return services.department_create(
        name=name or f"测试部门{n}",
        uscc=uscc(n),
        kind=DepartmentKind.AUTHORITY,
        region=at or county(),
        is_bureau=is_bureau,
    )


def staff(
    department: Department,
    roles: list[str] | None = None,
    *,
    username: str | None = None,
    must_change_password: bool = False,
    window: Window | None = None,
    phone: str = "",
) -> Staff:
    n = next(_seq)
    return services.staff_create(
        username=username or f"user{n}",
        full_name=f"测试员{n}",
        department=department,
        roles=roles or ["window_clerk"],
        password=PASSWORD,
        must_change_password=must_change_password,
        window=window,
        phone=phone,
    )


def hall(at: Region | None = None, name: str | None = None) -> ServiceHall:
    return services.service_hall_create(
        name=name or f"测试大厅{next(_seq)}", level=HallLevel.COUNTY, region=at or county()
    )


def window(
    hall_: ServiceHall, department: Department | None = None, kind: str = WindowKind.DEDICATED
) -> Window:
    return services.window_create(
        hall=hall_, number=str(next(_seq)), name="测试窗口", kind=kind, department=department
    )


def with_wrong_check(code: str) -> str:
    """The same code with a different (so wrong) last check character."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")
