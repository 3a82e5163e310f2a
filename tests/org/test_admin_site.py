"""The Django admin is for system administrators only: bureau administrators are not is_staff
and get no way in, even with the flag left on by hand; the migration takes it off old accounts."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from tests import factories as f
from yiwang.org import services
from yiwang.org.models import User

migration = importlib.import_module("yiwang.org.migrations.0004_bureau_admins_not_is_staff")


@pytest.fixture
def bureau(db):  # type: ignore[no-untyped-def]
    return f.department("县数据资源管理局", is_bureau=True)


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_only_system_admins_are_is_staff(bureau):
    bureau_admin = f.staff(bureau, ["bureau_admin"], username="bureau_admin")
    system_admin = f.staff(bureau, ["system_admin"], username="system_admin")
    assert not _fresh(bureau_admin.user).is_staff
    assert _fresh(system_admin.user).is_staff
    services.staff_set_roles(staff=bureau_admin, roles=["bureau_admin", "system_admin"])
    assert _fresh(bureau_admin.user).is_staff
    services.staff_set_roles(staff=bureau_admin, roles=["bureau_admin"])
    assert not _fresh(bureau_admin.user).is_staff


def test_bureau_admin_gets_no_admin_access_even_with_is_staff(client, bureau):
    bureau_admin = f.staff(bureau, ["bureau_admin"], username="bureau_admin")
    User.objects.filter(pk=bureau_admin.user_id).update(is_staff=True)  # left on by hand
    client.force_login(_fresh(bureau_admin.user))
    for url in ("/admin/", "/admin/org/region/", "/admin/catalog/searchsynonym/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/")


def test_system_admin_and_superuser_keep_the_admin(client, bureau):
    system_admin = f.staff(bureau, ["system_admin"], username="system_admin")
    client.force_login(_fresh(system_admin.user))
    assert client.get("/admin/").status_code == 200
    root = User.objects.create_superuser("root", password=f.PASSWORD)
    root.must_change_password = False
    root.save(update_fields=["must_change_password"])
    client.force_login(root)
    assert client.get("/admin/org/region/").status_code == 200


def test_workbench_shows_the_admin_link_to_system_admins_only(client, bureau):
    bureau_admin = f.staff(bureau, ["bureau_admin"], username="bureau_admin")
    system_admin = f.staff(bureau, ["system_admin"], username="system_admin")
    client.force_login(bureau_admin.user)
    assert 'href="/admin/"' not in client.get("/workbench/").content.decode()
    client.force_login(system_admin.user)
    assert 'href="/admin/"' in client.get("/workbench/").content.decode()


def test_migration_takes_is_staff_off_bureau_admins_only(bureau):
    bureau_admin = f.staff(bureau, ["bureau_admin"], username="bureau_admin")
    both = f.staff(bureau, ["bureau_admin", "system_admin"], username="both")
    root_bureau = f.staff(bureau, ["bureau_admin"], username="root_bureau")
    User.objects.filter(pk__in=[bureau_admin.user_id, root_bureau.user_id]).update(is_staff=True)
    User.objects.filter(pk=root_bureau.user_id).update(is_superuser=True)
    migration.bureau_admins_not_is_staff(apps, None)
    assert not _fresh(bureau_admin.user).is_staff
    assert _fresh(both.user).is_staff
    assert _fresh(root_bureau.user).is_staff
