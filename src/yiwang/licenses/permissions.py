"""Who may do what in 证照库 (the one home of these rules; the workbench pages ask here).

Every staff member with licenses.view_license_library reads the licences in his data scope (by the
issuer, licenses.selectors) and the list of licence types. Changing a licence's status, defining
a licence type and rotating a seal key also need their permission (org.roles) and the department
concerned in the actor's data scope: a department administrator for his own department, the
bureau for every department of its region."""

from __future__ import annotations

from typing import Any

from yiwang.org.models import Department

VIEW_PERMISSION = "licenses.view_license_library"
STATUS_PERMISSION = "licenses.change_license_status"
TYPE_PERMISSION = "licenses.manage_license_type"
SEAL_KEY_PERMISSION = "licenses.manage_seal_key"


def _in_scope(user: Any, department: Department) -> bool:
    from yiwang.org.selectors import data_scope_for

    return data_scope_for(user).contains(department)


def may_view(user: Any) -> bool:
    return bool(user.has_perm(VIEW_PERMISSION))


def may_change_status(user: Any, department: Department) -> bool:
    """撤销 / 注销 / 吊销 a licence issued by `department`."""
    return bool(user.has_perm(STATUS_PERMISSION)) and _in_scope(user, department)


def may_manage_types(user: Any, department: Department) -> bool:
    """Define (and link) the licence types `department` issues."""
    return bool(user.has_perm(TYPE_PERMISSION)) and _in_scope(user, department)


def may_rotate_seal_key(user: Any, department: Department) -> bool:
    return bool(user.has_perm(SEAL_KEY_PERMISSION)) and _in_scope(user, department)


GATHER_PERMISSION = "licenses.gather_license"


def may_gather(user: Any, department: Department) -> bool:
    """Gather (证照归集) the licences `department` issues: its administrator, or the bureau."""
    return bool(user.has_perm(GATHER_PERMISSION)) and _in_scope(user, department)
