"""A superuser's data scope is everything, whether or not he has a staff profile."""

from __future__ import annotations

from django.urls import reverse

from tests import factories as f
from yiwang.org import selectors
from yiwang.org.models import RegionLevel, User


def test_superuser_scope_covers_every_region(two_departments):
    county = f.region("341122000000", "乙县", RegionLevel.COUNTY)
    far = f.department("乙县公安局", at=county)
    far_clerk = f.staff(far, ["window_clerk"], username="far_clerk")
    root = User.objects.create_superuser("root", password=f.PASSWORD)
    scope = selectors.data_scope_for(root)
    assert scope.everything and scope.label == "全部"
    assert set(selectors.departments_in_scope(user=root)) >= {two_departments.a, far}
    staff = set(selectors.staff_list_for(user=root))
    assert {two_departments.clerk_a, two_departments.bureau_admin, far_clerk} <= staff
    assert two_departments.window_a in selectors.window_list_for(user=root)
    # A superuser with a staff profile in one county still sees the other.
    two_departments.clerk_a.user.is_superuser = True
    two_departments.clerk_a.user.save(update_fields=["is_superuser"])
    promoted = User.objects.get(pk=two_departments.clerk_a.user_id)
    assert far_clerk in selectors.staff_list_for(user=promoted)


def test_superuser_staff_page_lists_staff(client, two_departments):
    root = User.objects.create_superuser("root", password=f.PASSWORD)
    root.must_change_password = False
    root.save(update_fields=["must_change_password"])
    client.force_login(root)
    html = client.get(reverse("org:staff-list")).content.decode()
    assert two_departments.clerk_a.full_name in html
    assert two_departments.bureau_admin.full_name in html


def test_a_region_scope_is_not_everything(two_departments):
    scope = selectors.data_scope_for(two_departments.bureau_admin.user)
    assert scope.kind == "region" and not scope.everything
