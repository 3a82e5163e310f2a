"""What a staff member may do is a Django permission (org.roles.ROLE_PERMISSIONS, synced to the
role groups by roles_sync), checked with has_perm — not a test of role names. So a permission
granted to an account directly counts, a permission taken from a role's group stops counting,
and a superuser passes without any role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests import factories as f
from yiwang.audit.selectors import sees_all_audit_events, sees_region_audit_events
from yiwang.catalog import workflow
from yiwang.catalog.models import VersionStatus
from yiwang.org import selectors, services
from yiwang.org.models import ApplicantKind, User
from yiwang.org.roles import (
    ADMIN_SITE_ROLES,
    REGION_SCOPE_ROLES,
    ROLE_ONLY_PERMISSIONS,
    ROLE_PERMISSIONS,
    may_use_admin_site,
    roles_sync,
)


def _permission(perm: str) -> Permission:
    app_label, codename = perm.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _grant(user: User, perm: str) -> User:
    user.user_permissions.add(_permission(perm))
    return User.objects.get(pk=user.pk)  # a fresh instance: Django caches permissions


def _take_from_role(role: str, perm: str) -> None:
    Group.objects.get(name=role).permissions.remove(_permission(perm))


def test_every_role_group_carries_exactly_its_permissions(db):
    roles_sync()  # idempotent: a second run changes nothing
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert held == set(perms), role
    for perm in ROLE_ONLY_PERMISSIONS:
        assert _permission(perm)


def test_roles_keep_what_they_could_do(two_departments):
    clerk = two_departments.clerk_a.user
    bureau = two_departments.bureau_admin.user
    department_admin = f.staff(two_departments.a, ["department_admin"]).user
    leader = f.staff(two_departments.bureau, ["leader"]).user
    assert workflow.may_compile(clerk) and not workflow.may_review(clerk)
    assert workflow.may_compile(bureau) and workflow.may_review(bureau)
    assert workflow.may_compile(department_admin) and not workflow.may_review(department_admin)
    assert not workflow.may_compile(leader) and not workflow.may_review(leader)
    item_states = workflow.ITEM
    assert [t.name for t in item_states.available("active", department_admin)] == ["suspend"]
    assert [t.name for t in item_states.available("active", bureau)] == [
        "suspend",
        "withdraw",
    ]
    assert item_states.available("active", clerk) == []
    assert {"system_admin"} == ADMIN_SITE_ROLES
    assert {"system_admin", "bureau_admin", "leader"} == REGION_SCOPE_ROLES


def test_the_review_permission_granted_directly_lets_an_account_review(two_departments):
    user = _grant(two_departments.clerk_a.user, "catalog.review_item")
    assert workflow.may_review(user)
    names = [t.name for t in workflow.VERSION.available(VersionStatus.SUBMITTED, user)]
    assert names == ["return", "approve"]


def test_a_permission_taken_from_a_role_is_no_longer_held(two_departments):
    _take_from_role("window_clerk", "catalog.compile_item")
    clerk = User.objects.get(pk=two_departments.clerk_a.user.pk)
    assert not workflow.may_compile(clerk)
    with pytest.raises(PermissionDenied, match="您的角色不能提交审核"):
        workflow.VERSION.check("submit", VersionStatus.DRAFT, clerk, what="该版本")


def test_a_superuser_without_roles_holds_every_permission(db):
    root = User.objects.create_superuser("root", password="x")
    assert workflow.may_compile(root) and workflow.may_review(root)
    assert sees_all_audit_events(root)
    assert may_use_admin_site(root)


def test_applicants_follow_the_view_applicant_permission(two_departments):
    services.applicant_register(
        kind=ApplicantKind.PERSON, name="赵六", phone="13812345678", id_number=f.id_number()
    )
    department_admin = f.staff(two_departments.a, ["department_admin"]).user
    assert not selectors.applicant_list_for(user=department_admin).exists()
    department_admin = _grant(department_admin, "org.view_applicant")
    assert selectors.applicant_list_for(user=department_admin).count() == 1
    _take_from_role("window_clerk", "org.view_applicant")
    clerk = User.objects.get(pk=two_departments.clerk_a.user.pk)
    assert not selectors.applicant_list_for(user=clerk).exists()


def test_the_admin_site_follows_its_permission(two_departments):
    system_admin = f.staff(two_departments.bureau, ["system_admin"]).user
    assert system_admin.is_staff and may_use_admin_site(system_admin)
    _take_from_role("system_admin", "org.use_admin_site")
    assert not may_use_admin_site(User.objects.get(pk=system_admin.pk))
    bureau = two_departments.bureau_admin.user
    User.objects.filter(pk=bureau.pk).update(is_staff=True)
    bureau = User.objects.get(pk=bureau.pk)
    assert not may_use_admin_site(bureau)  # is_staff alone lets no one in
    assert may_use_admin_site(_grant(bureau, "org.use_admin_site"))


def test_audit_oversight_follows_its_permissions(two_departments):
    bureau = two_departments.bureau_admin.user
    assert sees_region_audit_events(bureau) and not sees_all_audit_events(bureau)
    bureau = _grant(bureau, "audit.view_all_events")
    assert sees_all_audit_events(bureau) and not sees_region_audit_events(bureau)
    _take_from_role("bureau_admin", "audit.view_region_events")
    other = f.staff(two_departments.bureau, ["bureau_admin"]).user
    assert not sees_region_audit_events(other) and not sees_all_audit_events(other)


def test_the_review_link_follows_the_permission(client, two_departments):
    user = two_departments.clerk_a.user
    client.force_login(user)
    review = reverse("catalog:review-list")
    assert f'href="{review}"' not in client.get(reverse("workbench:home")).content.decode()
    _grant(user, "catalog.review_item")
    assert f'href="{review}"' in client.get(reverse("workbench:home")).content.decode()


def test_the_admin_link_follows_the_admin_site_permission(client, two_departments):
    user = two_departments.bureau_admin.user
    User.objects.filter(pk=user.pk).update(is_staff=True)  # left is_staff by hand
    client.force_login(user)
    admin_index = reverse("admin:index")
    assert f'href="{admin_index}"' not in client.get(reverse("workbench:home")).content.decode()
    _grant(user, "org.use_admin_site")
    assert f'href="{admin_index}"' in client.get(reverse("workbench:home")).content.decode()


def test_the_region_scope_follows_its_permission(two_departments):
    clerk = two_departments.clerk_a.user
    assert selectors.data_scope_for(clerk).kind == "department"
    clerk = _grant(clerk, "org.region_scope")
    assert selectors.data_scope_for(clerk).kind == "region"
    leader = f.staff(two_departments.a, ["leader"]).user
    assert selectors.data_scope_for(leader).kind == "region"
    _take_from_role("leader", "org.region_scope")
    leader = User.objects.get(pk=leader.pk)
    assert selectors.data_scope_for(leader).kind == "department"
