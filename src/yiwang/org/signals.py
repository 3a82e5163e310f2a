"""Sign-ins and sign-outs in the audit trail: Django's auth signals, for staff and citizens,
pages, admin and API alike. Also: a user instance forgets its cached roles when its groups
change.

The trail records why a sign-in failed (unknown account, wrong password, locked, deactivated);
what the user is told never distinguishes these. The name typed is stored masked: citizens
sign in with their mobile number and a staff user name may be one too.

Only sign-ins that arrive as requests are recorded (AuditContextMiddleware is active): a test
client's force_login or a shell calling login() is not somebody signing in.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import m2m_changed
from django.http import HttpRequest

from yiwang.audit.context import current_audit_context, in_request
from yiwang.audit.services import audit_change, audit_operation
from yiwang.common.masking import mask_identifier, mask_phone

from . import selectors
from .models import User, UserKind

FAILURE_REASONS = {
    "unknown_account": "账号不存在",
    "wrong_password": "密码错误",
    "locked": "账号已锁定",
    "inactive": "账号已停用",
}


def _path(request: HttpRequest | None) -> str:
    # The path only: a query string may carry anything (next=…, a phone number).
    return request.path[:200] if request is not None else ""


def _channel(user: User) -> str:
    return "citizen" if user.kind in (UserKind.CITIZEN, UserKind.ENTERPRISE) else "staff"


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if not in_request():
        return
    with transaction.atomic():
        audit_change(
            action="org.sign_in",
            obj=user,
            after={
                "result": "success",
                "channel": _channel(user),
                "path": _path(request),
                "last_login": user.last_login,
            },
            actor=user,
        )


def on_logged_out(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not in_request():
        return  # signing out while signed out changes nothing
    with transaction.atomic():
        audit_change(
            action="org.sign_out",
            obj=user,
            after={"result": "success", "channel": _channel(user), "path": _path(request)},
            actor=user,
        )


def _failed_account(credentials: dict[str, Any]) -> tuple[User | None, str, str]:
    """The account the credentials name (if any), the name as typed (masked) and the channel."""
    mobile = credentials.get("mobile")
    if mobile is not None:
        return selectors.citizen_user_by_mobile(str(mobile)), mask_phone(str(mobile)), "citizen"
    username = str(credentials.get("username") or "")
    user = User.objects.filter(
        username=username, kind__in=[UserKind.STAFF, UserKind.SYSTEM]
    ).first()
    return user, mask_identifier(username), "staff"


def _failure_reason(user: User | None) -> str:
    if user is None:
        return "unknown_account"
    if selectors.account_is_locked(user):
        # Includes the attempt that just locked it (its org.account_locked event precedes).
        return "locked"
    if not user.is_active:
        return "inactive"
    return "wrong_password"


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if not in_request():
        return
    user, typed, channel = _failed_account(credentials)
    reason = _failure_reason(user)
    changes = {
        "result": {"before": None, "after": "failure"},
        "reason": {"before": None, "after": reason},
        "username": {"before": None, "after": typed},
        "channel": {"before": None, "after": channel},
        "path": {"before": None, "after": _path(request)},
    }
    with transaction.atomic():
        audit_operation(
            action="org.sign_in_failed",
            object_type="org.user",
            object_id=str(user.pk) if user is not None else "",
            object_label=typed,
            changes=changes,
            actor=None,  # nobody is signed in; the name typed is in the changes
            reason=FAILURE_REASONS[reason],
        )


def on_groups_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[Any] | None = None,
    **kwargs: Any,
) -> None:
    """A user's groups (roles) changed: that instance forgets its cached roles and scope, and
    so does the current request's user when it is the same account held as another instance
    (a bureau admin changing his own roles through the staff list's record of him), so the rest
    of the request sees the new roles. From the group's side (group.user_set) the changed
    users are `pk_set` (None for a clear: any of them may have been in it)."""
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:
        changed = pk_set
    else:
        instance.forget_roles()
        changed = {instance.pk}
    acting = current_audit_context().user
    if acting is None or acting is instance or not getattr(acting, "is_authenticated", False):
        return
    if changed is None or acting.pk in changed:
        acting.forget_roles()


def connect() -> None:
    m2m_changed.connect(
        on_groups_changed, sender=User.groups.through, dispatch_uid="yiwang.org.forget_roles"
    )
    user_logged_in.connect(on_logged_in, dispatch_uid="yiwang.org.audit_sign_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="yiwang.org.audit_sign_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="yiwang.org.audit_sign_in_failed")
