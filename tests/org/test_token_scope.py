"""The API token's read also answers whether its user holds the region scope permission
(org.selectors.api_token_by_digest), so that a request's data scope needs no permission read:
the answer is has_perm's, for a role's permission and an account's own, and is forgotten with
the other role caches when the user's groups change (User.forget_roles)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from tests import factories as f
from yiwang.org import selectors, services
from yiwang.org.models import User
from yiwang.org.roles import REGION_SCOPE_PERMISSION


def _region_permission() -> Permission:
    app_label, codename = REGION_SCOPE_PERMISSION.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _token_user(user: User) -> User:
    token = services.api_token_issue(user=user)
    found = selectors.api_token_by_digest(services.api_token_digest(token))
    assert found is not None
    return found.user


def test_the_token_read_gives_the_scope_without_a_permission_read(
    two_departments, django_assert_num_queries
):
    clerk = f.staff(two_departments.a, ["window_clerk"]).user
    leader = f.staff(two_departments.a, ["leader"]).user  # region scope through his role
    direct = f.staff(two_departments.b, ["window_clerk"]).user
    direct.user_permissions.add(_region_permission())  # and through his own permission
    for user, kind in ((clerk, "department"), (leader, "region"), (direct, "region")):
        expected = selectors.data_scope_for(User.objects.get(pk=user.pk))
        assert expected.kind == kind
        read = _token_user(user)
        with django_assert_num_queries(0):  # staff profile and permission read with the token
            assert selectors.data_scope_for(read) == expected
        assert read.has_perm(REGION_SCOPE_PERMISSION) == (kind == "region")


def test_a_role_change_in_the_same_request_is_seen(two_departments):
    leader_role = Group.objects.get(name="leader")
    user = f.staff(two_departments.a, ["window_clerk"]).user
    read = _token_user(user)
    assert selectors.data_scope_for(read).kind == "department"
    read.groups.add(leader_role)  # org.signals: forget_roles on this instance
    assert selectors.data_scope_for(read).kind == "region"
    read.groups.remove(leader_role)
    assert selectors.data_scope_for(read).kind == "department"


def test_a_permission_taken_from_the_role_counts_at_the_next_request(two_departments):
    leader = f.staff(two_departments.a, ["leader"]).user
    token = services.api_token_issue(user=leader)
    digest = services.api_token_digest(token)
    first = selectors.api_token_by_digest(digest)
    assert first is not None and selectors.data_scope_for(first.user).kind == "region"
    Group.objects.get(name="leader").permissions.remove(_region_permission())
    again = selectors.api_token_by_digest(digest)
    assert again is not None and selectors.data_scope_for(again.user).kind == "department"


def test_an_inactive_account_holds_no_region_scope(two_departments):
    leader = f.staff(two_departments.a, ["leader"]).user
    token = services.api_token_issue(user=leader)
    User.objects.filter(pk=leader.pk).update(is_active=False)
    found = selectors.api_token_by_digest(services.api_token_digest(token))
    # (the authentication refuses the token anyway: tests/org/test_tokens.py)
    assert found is not None and found.user._yiwang_region_scope is False
    assert found.user.has_perm(REGION_SCOPE_PERMISSION) is False
