"""Roles (one Django group each) and the permissions they carry."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    BUREAU_ADMIN = "bureau_admin", "数据资源局管理员"
    DEPARTMENT_ADMIN = "department_admin", "部门管理员"
    WINDOW_CLERK = "window_clerk", "窗口工作人员"
    APPROVER = "approver", "审批人员"
    GRID_WORKER = "grid_worker", "网格员"
    LEADER = "leader", "领导"
    CITIZEN = "citizen", "个人用户"
    ENTERPRISE = "enterprise", "企业用户"


# Roles whose data scope is the whole region of the staff member (bureau staff, leaders);
# every other staff role sees its own department only.
REGION_SCOPE_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.BUREAU_ADMIN, Role.LEADER})
STAFF_ROLES = frozenset(set(Role) - {Role.CITIZEN, Role.ENTERPRISE})
# The Django admin (master data of the whole platform) is for system administrators only:
# their accounts get is_staff, and the admin site lets in no one else (superusers aside).
# Bureau administrators work on the workbench, within their region.
ADMIN_SITE_ROLES = frozenset({Role.SYSTEM_ADMIN})


def may_use_admin_site(user: object) -> bool:
    """Active superusers, and active system administrators whose account is marked is_staff."""
    if not getattr(user, "is_active", False) or not getattr(user, "is_staff", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return bool(getattr(user, "role_codes", set()) & ADMIN_SITE_ROLES)


# Permissions ("app_label.codename") granted to each role's group by the data migration.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.SYSTEM_ADMIN: (
        "audit.reveal_personal_data",
        "audit.view_auditevent",
        "org.manage_staff",
    ),
    Role.BUREAU_ADMIN: ("audit.reveal_personal_data", "audit.view_auditevent", "org.manage_staff"),
    Role.DEPARTMENT_ADMIN: ("org.manage_staff",),
    Role.WINDOW_CLERK: ("audit.reveal_personal_data",),
    Role.APPROVER: ("audit.reveal_personal_data",),
    Role.GRID_WORKER: (),
    Role.LEADER: (),
    Role.CITIZEN: (),
    Role.ENTERPRISE: (),
}


def roles_sync() -> None:
    """Create one group per role and grant it the role's permissions (idempotent; run after
    every migrate so new permissions reach the roles)."""
    from django.contrib.auth.models import Group, Permission

    for code, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=code)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)
