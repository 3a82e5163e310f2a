"""The demo county: what `yiwang demo` seeds, and that running it twice changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.seeded import demo_county
from yiwang.audit.models import AuditEvent
from yiwang.demo import county
from yiwang.demo.services import seed_demo_county
from yiwang.org.models import (
    Applicant,
    Department,
    Region,
    RegionLevel,
    ServiceHall,
    Staff,
    User,
    Window,
    WindowKind,
)
from yiwang.org.roles import STAFF_ROLES


@pytest.fixture
def seeded(db):
    return demo_county()


def test_demo_county_shape(seeded):
    county_code = "341199000000"
    assert Department.objects.filter(region__code=county_code).count() == 34
    assert Department.objects.filter(is_bureau=True).get().name == "县数据资源管理局"
    assert Region.objects.filter(level=RegionLevel.TOWN).count() == 8
    assert Region.objects.filter(level=RegionLevel.VILLAGE).count() == 119
    assert all(r.code.startswith(r.parent.prefix) for r in Region.objects.exclude(parent=None))
    assert ServiceHall.objects.filter(level="county").count() == 1
    assert ServiceHall.objects.filter(level="town").count() == 8
    hall = ServiceHall.objects.get(level="county")
    kinds = set(hall.windows.values_list("kind", flat=True))
    assert kinds == {k.value for k in WindowKind}
    assert Window.objects.filter(kind=WindowKind.DEDICATED, department=None).count() == 0
    # All 31 bodies from the service-item list are departments.
    assert set(county.service_item_bodies()) <= set(
        Department.objects.values_list("name", flat=True)
    )


def test_one_sign_in_per_role(seeded):
    roles_with_staff = {code for s in Staff.objects.select_related("user") for code in s.roles}
    assert roles_with_staff == set(STAFF_ROLES)
    for username, *_ in county.STAFF_SIGN_INS:
        assert User.objects.get(username=username).check_password(county.DEMO_PASSWORD)
    assert Applicant.objects.filter(user__kind="citizen").count() == 1
    assert Applicant.objects.filter(user__kind="enterprise").count() == 1


def test_demo_is_idempotent(seeded):
    assert seeded.total > 0
    counts = [
        m.objects.count()
        for m in (Region, Department, ServiceHall, Window, User, Applicant, AuditEvent)
    ]
    again = seed_demo_county()
    assert again.total == 0
    assert counts == [
        m.objects.count()
        for m in (Region, Department, ServiceHall, Window, User, Applicant, AuditEvent)
    ]


def test_demo_command_prints_sign_ins(db):
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "示范县数据已生成" in text
    for username, *_ in county.STAFF_SIGN_INS:
        assert username in text
    assert "13800000001" in text  # the demo citizen's published sign-in
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "无需改动" in out.getvalue()


def test_demo_usccs_are_valid_and_unique(seeded):
    from yiwang.common.validators import validate_uscc

    codes = list(Department.objects.values_list("uscc", flat=True))
    assert len(codes) == len(set(codes))
    for code in codes:
        validate_uscc(code)
