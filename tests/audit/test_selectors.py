"""audit.selectors: scoping and per-object history."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, Permission

from yiwang.audit.context import audit_context
from yiwang.audit.selectors import audit_event_list, audit_events_for_object
from yiwang.audit.services import audit_change
from yiwang.org.models import User


def test_bureau_admin_sees_all_and_filters_combine(people, make_region):
    a, b = make_region("甲"), make_region("乙")
    audit_change(action="t.one", obj=a, after={"n": 1}, actor=people.clerk.user)
    audit_change(action="t.two", obj=b, after={"n": 1}, actor=people.bureau_admin.user)
    admin = people.bureau_admin.user
    everything = audit_event_list(user=admin)
    assert list(everything) == sorted(everything, key=lambda e: -e.sequence)
    only = audit_event_list(
        user=admin, object_type="org.region", object_id=str(a.pk), action="t.one", kind="change"
    )
    assert [e.action for e in only] == ["t.one"]
    assert [e.action for e in audit_event_list(user=admin, actor=people.clerk.user.pk)] == ["t.one"]
    assert not audit_event_list(user=admin, kind="access").exists()


def test_superuser_sees_all(people, make_region):
    root = User.objects.create_superuser("root", password="x")
    audit_change(action="t", obj=make_region(), after={"n": 1}, actor=people.clerk.user)
    assert audit_event_list(user=root).filter(action="t").count() == 1


def test_others_with_the_permission_see_only_their_own(people, make_region):
    clerk = people.clerk.user
    clerk.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    clerk = User.objects.get(pk=clerk.pk)  # fresh permission cache
    region = make_region()
    audit_change(action="t.mine", obj=region, after={"n": 1}, actor=clerk)
    with audit_context(user=people.bureau_admin.user):
        audit_change(action="t.theirs", obj=region, after={"n": 2})
    assert [e.action for e in audit_event_list(user=clerk)] == ["t.mine"]


def test_without_permission_nothing(people, make_region):
    audit_change(action="t", obj=make_region(), after={"n": 1}, actor=people.clerk.user)
    assert not audit_event_list(user=people.clerk.user).exists()
    assert not audit_event_list(user=AnonymousUser()).exists()


def test_history_of_one_object_oldest_first(make_region):
    a, b = make_region(), make_region()
    audit_change(action="t.1", obj=a, after={"n": 1})
    audit_change(action="t.x", obj=b, after={"n": 1})
    audit_change(action="t.2", obj=a, before={"n": 1}, after={"n": 2})
    assert [e.action for e in audit_events_for_object(a)] == ["t.1", "t.2"]
