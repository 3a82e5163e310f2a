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


STAFF_ROLES = frozenset(set(Role) - {Role.CITIZEN, Role.ENTERPRISE})

# Permissions that belong to no model's default add/change/delete/view set: what each role may
# do (compile, review, publish …), checked with user.has_perm() so a superuser passes without a
# role. Created by roles_sync (not in the models' Meta), so the whole role table — what exists
# and who holds it — is read in this one file. "app_label.codename" → (model, name).
ROLE_ONLY_PERMISSIONS: dict[str, tuple[str, str]] = {
    "catalog.compile_item": ("serviceitem", "可认领、编制并提交事项"),
    "catalog.review_item": ("serviceitem", "可审核事项（退回、通过）"),
    "catalog.publish_item": ("serviceitem", "可发布、撤销事项"),
    "catalog.suspend_item": ("serviceitem", "可暂停、恢复事项"),
    "org.use_admin_site": ("user", "可使用管理后台（主数据）"),
    "org.region_scope": ("department", "数据范围为本区划各部门"),
    "audit.view_all_events": ("auditevent", "可查看全平台审计日志"),
    "audit.view_region_events": ("auditevent", "可查看本区划审计日志"),
    "cases.accept_case": ("case", "可受理办件（预审、受理、补正、不予受理、送达、出件）"),
    "cases.review_case": ("case", "可审查办件（完成审查环节）"),
    "cases.decide_case": ("case", "可作出办件决定、启动或结束特别程序"),
    "cases.approve_extension": ("case", "可批准延长审批期限（负责人）"),
    "cases.verify_commitment": ("case", "可核查告知承诺"),
    "hall.open_slots": ("slot", "可为本范围的大厅开放预约时段"),
    "evaluations.enter_rating": ("rating", "可录入热线评价"),
    "evaluations.view_rectification": ("rectification", "可查看差评整改（本范围）"),
    "evaluations.handle_rectification": ("rectification", "可核实、定性、整改差评并登记回访"),
    "evaluations.decide_rectification_appeal": ("rectification", "可复核差评申诉（数据资源局）"),
    "licenses.use_license": ("licenseuse", "可为办件调用申请人的电子证照（用证）"),
    "licenses.view_license_library": ("license", "可查看本范围的证照库"),
    "licenses.change_license_status": ("license", "可撤销、注销、吊销本范围的电子证照"),
    "licenses.manage_license_type": ("licensetype", "可为本范围的部门定义证照类型"),
    "licenses.manage_seal_key": ("sealkey", "可为本范围的部门轮换签章密钥"),
    "licenses.gather_license": ("license", "可为本范围的部门批量归集电子证照"),
}

ADMIN_SITE_PERMISSION = "org.use_admin_site"
# The data scope (org.selectors.data_scope_for): holders see every department of their
# department's region (bureau staff, leaders); every other staff member his own department.
REGION_SCOPE_PERMISSION = "org.region_scope"

_COMPILE = ("catalog.compile_item",)
# 差评整改 (evaluations.rectification): the handling units verify, classify and rectify; the
# bureau also decides appeals; leaders look on.
_VIEW_RECTIFY = ("evaluations.view_rectification",)
_RECTIFY = (*_VIEW_RECTIFY, "evaluations.handle_rectification")
_BUREAU_RECTIFY = (*_RECTIFY, "evaluations.decide_rectification_appeal")
# 证照库 (licenses.permissions): staff who handle or oversee cases read the licences in their
# scope; the administrators of a department (the bureau for its region) change a licence's
# status, define licence types and rotate seal keys; approvers may revoke what they decided.
_VIEW_LICENSES = ("licenses.view_license_library",)
_ADMIN_LICENSES = (
    *_VIEW_LICENSES,
    "licenses.change_license_status",
    "licenses.manage_license_type",
    "licenses.manage_seal_key",
    "licenses.gather_license",
)
_BUREAU_CATALOG = (
    "catalog.compile_item",
    "catalog.review_item",
    "catalog.publish_item",
    "catalog.suspend_item",
)

# Tickets (诉求工单): the bureau registers, dispatches, follows up and decides extensions;
# departments sign for, send back, handle and reply.
_HANDLE_APPEALS = ("appeals.view_ticket", "appeals.handle_ticket")
_BUREAU_APPEALS = (
    "appeals.view_ticket",
    "appeals.register_ticket",
    "appeals.dispatch_ticket",
    "appeals.follow_up_ticket",
    "appeals.decide_extension",
    "appeals.manage_sla",
    "appeals.change_responsibility",  # 职责清单 (dispatch help)
)

# Permissions ("app_label.codename") granted to each role's group by roles_sync.
# The Django admin (master data of the whole platform) is for system administrators only
# (org.use_admin_site; their accounts get is_staff); bureau administrators work on the
# workbench, within their region. Window clerks and approvers serve any applicant at the
# counter (org.view_applicant).
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.SYSTEM_ADMIN: (
        "evaluations.view_rating",  # 好差评
        *_ADMIN_LICENSES,
        *_BUREAU_RECTIFY,
        "audit.reveal_personal_data",
        "audit.view_auditevent",
        "audit.view_all_events",
        "org.manage_staff",
        "org.use_admin_site",
        "org.region_scope",
        *_BUREAU_CATALOG,
        "cases.view_case",
        "hall.open_slots",
        "appeals.view_ticket",
        "appeals.manage_sla",
    ),
    Role.BUREAU_ADMIN: (
        "evaluations.view_rating",  # 好差评 (the bureau runs the 12345 hotline)
        *_ADMIN_LICENSES,
        "evaluations.enter_rating",
        *_BUREAU_RECTIFY,
        "audit.reveal_personal_data",
        "audit.view_auditevent",
        "audit.view_region_events",
        "org.manage_staff",
        "org.region_scope",
        *_BUREAU_CATALOG,
        "cases.view_case",
        "hall.open_slots",
        *_BUREAU_APPEALS,
    ),
    Role.DEPARTMENT_ADMIN: (
        "evaluations.view_rating",  # 好差评
        *_ADMIN_LICENSES,
        *_RECTIFY,
        "org.manage_staff",
        *_COMPILE,
        "catalog.suspend_item",
        "cases.view_case",
        "cases.approve_extension",
        "cases.verify_commitment",
        *_HANDLE_APPEALS,
    ),
    Role.WINDOW_CLERK: (
        *_RECTIFY,
        "audit.reveal_personal_data",
        "org.view_applicant",
        *_COMPILE,
        "cases.view_case",
        "cases.accept_case",
        "licenses.use_license",
        *_VIEW_LICENSES,
        # 12345 / 涉企 / 办不成事 clerks register tickets and call back (回访); a department's
        # clerk handles its tickets.
        "appeals.view_ticket",
        "appeals.register_ticket",
        "appeals.follow_up_ticket",
        "appeals.handle_ticket",
    ),
    Role.APPROVER: (
        *_RECTIFY,
        "audit.reveal_personal_data",
        "org.view_applicant",
        *_COMPILE,
        "cases.view_case",
        "cases.review_case",
        "cases.decide_case",
        "cases.verify_commitment",
        "licenses.use_license",
        *_VIEW_LICENSES,
        "licenses.change_license_status",
        *_HANDLE_APPEALS,
    ),
    Role.GRID_WORKER: (),
    Role.LEADER: (
        "org.region_scope",
        "cases.view_case",
        "appeals.view_ticket",
        *_VIEW_RECTIFY,
        "evaluations.view_rating",
        *_VIEW_LICENSES,
    ),
    Role.CITIZEN: (),
    Role.ENTERPRISE: (),
}


def roles_granting(permission: str) -> frozenset[str]:
    """The roles whose group carries `permission` (for writes that follow from a role, such as
    is_staff for the admin site)."""
    return frozenset(role for role, perms in ROLE_PERMISSIONS.items() if permission in perms)


ADMIN_SITE_ROLES = roles_granting(ADMIN_SITE_PERMISSION)
REGION_SCOPE_ROLES = roles_granting(REGION_SCOPE_PERMISSION)


def may_use_admin_site(user: object) -> bool:
    """Active accounts marked is_staff that hold org.use_admin_site (superusers hold every
    permission)."""
    if not getattr(user, "is_active", False) or not getattr(user, "is_staff", False):
        return False
    return bool(user.has_perm(ADMIN_SITE_PERMISSION))  # type: ignore[attr-defined]


def roles_sync() -> None:
    """Create one group per role and grant it the role's permissions (idempotent; run after
    every migrate so new permissions reach the roles)."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    for perm, (model, name) in ROLE_ONLY_PERMISSIONS.items():
        app_label, codename = perm.split(".")
        # get_for_model creates the content type if this runs before the app's own post_migrate
        content_type = ContentType.objects.get_for_model(apps.get_model(app_label, model))
        Permission.objects.update_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
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
