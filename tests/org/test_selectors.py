from __future__ import annotations

import pytest
from django.http import Http404

from tests import factories as f
from yiwang.org import selectors


def test_department_staff_see_only_their_department(two_departments):
    t = two_departments
    user_a = t.clerk_a.user
    visible = set(selectors.staff_list_for(user=user_a))
    assert visible == {t.clerk_a}
    assert selectors.data_scope_for(user_a).kind == "department"
    assert set(selectors.window_list_for(user=user_a)) == {t.window_a}


def test_out_of_scope_staff_is_404(two_departments):
    t = two_departments
    with pytest.raises(Http404):
        selectors.staff_get_for(user=t.clerk_a.user, pk=t.clerk_b.pk)
    assert selectors.staff_get_for(user=t.clerk_a.user, pk=t.clerk_a.pk) == t.clerk_a


def test_bureau_sees_the_whole_region(two_departments):
    t = two_departments
    scope = selectors.data_scope_for(t.bureau_admin.user)
    assert scope.kind == "region"
    assert scope.region_prefix == "341199"
    assert set(selectors.staff_list_for(user=t.bureau_admin.user)) == {
        t.clerk_a,
        t.clerk_b,
        t.bureau_admin,
    }


def test_region_scope_stops_at_the_region_border(two_departments):
    t = two_departments
    other_county = f.region("341198000000", "邻县")
    outsider = f.staff(f.department("邻县某局", at=other_county), ["window_clerk"])
    assert outsider not in set(selectors.staff_list_for(user=t.bureau_admin.user))


def test_town_leader_sees_town_only(two_departments):
    town = f.town(1)
    town_gov = f.department("测试镇政府", at=town)
    leader = f.staff(town_gov, ["leader"])
    in_town = f.staff(f.department("测试镇某站", at=town), ["approver"])
    visible = set(selectors.staff_list_for(user=leader.user))
    assert visible == {leader, in_town}


def test_citizen_and_anonymous_have_no_scope(two_departments, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert selectors.data_scope_for(AnonymousUser()).kind == "none"  # type: ignore[arg-type]
    assert not selectors.staff_list_for(user=AnonymousUser()).exists()  # type: ignore[arg-type]
