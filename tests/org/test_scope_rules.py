"""One rule, two forms: DataScope.contains (a record already read) and DataScope.department_q
(a query) agree for every kind of scope and every department; the permissions gathered in one
read (org.auth.PermissionsInOneRead) are Django's own."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from tests import factories as f
from yiwang.org.auth import CitizenMobileBackend, StaffPasswordBackend
from yiwang.org.models import Department, Staff, User
from yiwang.org.scope import ALL_SCOPE, NO_SCOPE, DataScope


@pytest.fixture
def departments(db):
    county = f.department("县市场监督管理局")
    town = f.department("测试镇人民政府", at=f.town(1))
    other_town = f.department("另一镇人民政府", at=f.town(2))
    return [county, town, other_town]


def test_contains_agrees_with_department_q(departments):
    county, town, _ = departments
    staff = {f.staff(d, ["window_clerk"]).pk: d.pk for d in departments}
    scopes = [
        ALL_SCOPE,
        NO_SCOPE,
        DataScope.region(county.region.code[:6]),  # the county and its towns
        DataScope.region(town.region.code[:9]),  # one town
        DataScope.department(county.pk),
        DataScope.department(town.pk),
    ]
    for scope in scopes:
        # department_q on a path that leads to a department (a staff member's)
        in_query = {
            staff[pk]
            for pk in Staff.objects.filter(pk__in=staff)
            .filter(scope.department_q("department"))
            .values_list("pk", flat=True)
        }
        in_python = {d.pk for d in Department.objects.select_related("region") if scope.contains(d)}
        assert in_python == in_query, scope
    assert DataScope.region(town.region.code[:9]).contains(town)
    assert not DataScope.region(town.region.code[:9]).contains(county)
    assert not NO_SCOPE.contains(county) and ALL_SCOPE.contains(county)


def test_permissions_in_one_read_are_djangos(departments, django_assert_num_queries):
    clerk = f.staff(departments[0], ["window_clerk"]).user
    admin = f.staff(departments[0], ["bureau_admin", "approver"]).user
    direct = f.staff(departments[1], ["approver"]).user
    direct.user_permissions.add(Permission.objects.get(codename="view_region"))
    inactive = f.staff(departments[1], ["approver"]).user
    inactive.is_active = False
    inactive.save()
    superuser = User.objects.create_superuser("root", password="x-Long-Password-1")
    for user in (clerk, admin, direct, inactive, superuser):
        ours = User.objects.get(pk=user.pk)
        theirs = User.objects.get(pk=user.pk)
        expected = ModelBackend().get_all_permissions(theirs)
        if not user.is_superuser:
            with django_assert_num_queries(1 if user.is_active else 0):
                assert StaffPasswordBackend().get_all_permissions(ours) == expected
            # cached on the user as Django caches it: the second backend asks nothing more
            with django_assert_num_queries(0):
                assert CitizenMobileBackend().get_all_permissions(ours) == expected
        else:
            assert StaffPasswordBackend().get_all_permissions(ours) == expected
        assert expected or not user.is_active
