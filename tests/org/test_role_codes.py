"""role_codes: read once per user instance (a request's user, a listed staff member whose groups
were prefetched), and forgotten with everything derived from them (data scope, permissions)
the moment the user's groups change."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from tests import factories as f
from yiwang.audit.context import audit_context
from yiwang.org import selectors, services
from yiwang.org.models import User

ROLE_QUERY = 'FROM "auth_group" INNER JOIN "org_user_groups"'


def _role_queries(captured: CaptureQueriesContext) -> int:
    return sum(ROLE_QUERY in q["sql"] for q in captured.captured_queries)


def _list_role_queries(client, user: User) -> int:  # type: ignore[no-untyped-def]
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("org:staff-list")).status_code == 200
    return _role_queries(captured)


def test_the_staff_list_reads_roles_in_one_query_however_long(client, two_departments):
    few = _list_role_queries(client, two_departments.bureau_admin.user)
    for n in range(5):
        f.staff(two_departments.a, ["window_clerk"], username=f"more{n}")
    assert _list_role_queries(client, two_departments.bureau_admin.user) == few
    # the signed-in user's roles (once) and the listed staff's (prefetched with the list)
    assert few <= 2


def test_a_page_reads_the_users_roles_once(client, two_departments):
    client.force_login(two_departments.bureau_admin.user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("workbench:home")).status_code == 200
    assert _role_queries(captured) == 1


def test_changed_groups_are_seen_at_once_with_the_scope(two_departments):
    user = two_departments.clerk_a.user
    assert user.role_codes == {"window_clerk"}
    assert selectors.data_scope_for(user).kind == "department"
    assert not user.has_perm("org.manage_staff")
    user.groups.add(Group.objects.get(name="bureau_admin"))
    assert user.role_codes == {"window_clerk", "bureau_admin"}
    assert selectors.data_scope_for(user).kind == "region"
    assert user.has_perm("org.manage_staff")
    user.groups.clear()
    assert user.role_codes == set()
    assert selectors.data_scope_for(user).kind == "department"


def test_staff_set_roles_refreshes_the_scope_of_the_same_instance(two_departments):
    staff = two_departments.clerk_a
    assert selectors.data_scope_for(staff.user).kind == "department"
    services.staff_set_roles(staff=staff, roles=["leader"])
    assert staff.user.role_codes == {"leader"}
    assert selectors.data_scope_for(staff.user).kind == "region"


def test_the_requests_user_sees_a_change_made_through_another_instance(two_departments):
    """The acting user (the request's, as the audit context holds it) is another instance of
    the same account than the one whose groups change: it forgets its roles too."""
    acting = User.objects.get(pk=two_departments.bureau_admin.user_id)
    assert acting.role_codes == {"bureau_admin"} and acting.has_perm("org.manage_staff")
    with audit_context(user=SimpleLazyObject(lambda: acting)):
        record = selectors.staff_get_for(user=acting, pk=two_departments.bureau_admin.pk)
        assert record.user is not acting
        services.staff_set_roles(staff=record, roles=["leader"], actor=acting)
        assert acting.role_codes == {"leader"}
        assert not acting.has_perm("org.manage_staff")
        # and from the group's side
        Group.objects.get(name="approver").user_set.add(acting.pk)
        assert acting.role_codes == {"leader", "approver"}
        assert selectors.data_scope_for(acting).kind == "region"


def test_a_change_of_someone_else_leaves_the_requests_user_alone(two_departments):
    acting = User.objects.get(pk=two_departments.bureau_admin.user_id)
    assert acting.role_codes == {"bureau_admin"}
    with audit_context(user=acting):
        services.staff_set_roles(staff=two_departments.clerk_a, roles=["approver"], actor=acting)
        assert "_role_codes" in acting.__dict__  # still cached: nothing to forget
        assert acting.role_codes == {"bureau_admin"}
