"""Every write of the org app. Keyword-only, atomic, audited."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from yiwang.audit.services import audit_change, snapshot
from yiwang.common.crypto import sm3_hex
from yiwang.common.personal import personal_hash
from yiwang.common.validators import validate_id_number, validate_mobile, validate_uscc

from . import selectors
from .models import (
    ApiKey,
    ApiKeyScope,
    ApiToken,
    Applicant,
    ApplicantKind,
    Department,
    Region,
    ServiceHall,
    Staff,
    User,
    UserKind,
    Window,
)
from .roles import ADMIN_SITE_ROLES, REGION_SCOPE_ROLES, STAFF_ROLES, Role

# --- Roles ----------------------------------------------------------------------------------


# --- Regions, departments, halls, windows --------------------------------------------------


@transaction.atomic
def region_create(
    *, code: str, name: str, level: int, parent: Region | None = None, actor: User | None = None
) -> Region:
    """Add a region; its code must extend its parent's prefix."""
    region = Region(code=code, name=name, level=level, parent=parent)
    region.full_clean()
    region.save()
    audit_change(
        action="org.region_create",
        obj=region,
        after=snapshot(region, ["code", "name"]),
        actor=actor,
    )
    return region


@transaction.atomic
def department_create(
    *,
    name: str,
    uscc: str,
    kind: str,
    region: Region,
    short_name: str = "",
    is_bureau: bool = False,
    actor: User | None = None,
) -> Department:
    """Add a department (部门/单位). The USCC must pass its check character."""
    department = Department(
        name=name,
        short_name=short_name,
        uscc=validate_uscc(uscc, "部门统一社会信用代码"),
        kind=kind,
        region=region,
        is_bureau=is_bureau,
    )
    department.full_clean()
    department.save()
    audit_change(
        action="org.department_create",
        obj=department,
        after=snapshot(department, ["name", "short_name", "uscc", "kind", "region", "is_bureau"]),
        actor=actor,
    )
    return department


@transaction.atomic
def service_hall_create(
    *,
    name: str,
    level: str,
    region: Region,
    address: str = "",
    opening_hours: str = "",
    phone: str = "",
    actor: User | None = None,
) -> ServiceHall:
    """Add a service hall (政务服务大厅 / 便民服务中心 / 便民服务站)."""
    hall = ServiceHall(
        name=name,
        level=level,
        region=region,
        address=address,
        opening_hours=opening_hours,
        phone=phone,
    )
    hall.full_clean()
    hall.save()
    audit_change(
        action="org.service_hall_create",
        obj=hall,
        after=snapshot(hall, ["name", "level", "region", "address"]),
        actor=actor,
    )
    return hall


@transaction.atomic
def window_create(
    *,
    hall: ServiceHall,
    number: str,
    name: str,
    kind: str,
    department: Department | None = None,
    actor: User | None = None,
) -> Window:
    """Add a window to a hall; a 专窗 must name its department."""
    window = Window(hall=hall, number=number, name=name, kind=kind, department=department)
    window.full_clean()
    window.save()
    audit_change(
        action="org.window_create",
        obj=window,
        after=snapshot(window, ["hall", "number", "name", "kind", "department"]),
        actor=actor,
    )
    return window


# --- Staff ----------------------------------------------------------------------------------


def _check_may_manage_staff(
    actor: User | None, department: Department, roles: Iterable[str]
) -> None:
    """None means the platform itself (demo seeding, migrations); people need the permission,
    the department in their scope, and may not grant roles wider than their own scope."""
    if actor is None or actor.is_superuser:
        return
    if not actor.has_perm("org.manage_staff"):
        raise PermissionDenied("您没有管理工作人员的权限。")
    scope = selectors.data_scope_for(actor)
    if not selectors.departments_in_scope(user=actor).filter(pk=department.pk).exists():
        raise PermissionDenied("该部门不在您的数据范围内。")
    if scope.kind != "region" and set(roles) & set(REGION_SCOPE_ROLES):
        raise PermissionDenied("部门管理员不能授予数据资源局或领导角色。")


def _validate_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in STAFF_ROLES]
    if unknown:
        raise ValidationError({"roles": f"未知或不适用于工作人员的角色：{'、'.join(unknown)}。"})
    if not roles:
        raise ValidationError({"roles": "工作人员至少需要一个角色。"})
    return roles


@transaction.atomic
def staff_create(
    *,
    username: str,
    full_name: str,
    department: Department,
    roles: Iterable[str],
    password: str,
    must_change_password: bool = True,
    title: str = "",
    window: Window | None = None,
    phone: str = "",
    actor: User | None = None,
    kind: str = UserKind.STAFF,
) -> Staff:
    """Create a staff account. New accounts must change their password at first sign-in.
    kind=UserKind.SYSTEM makes a 对接系统 account of the department instead (a department's
    own approval system pushing case status through the API with its token: the department
    is its data scope, its roles what it may do; it has no pages)."""
    roles = _validate_roles(roles)
    _check_may_manage_staff(actor, department, roles)
    if kind not in (UserKind.STAFF, UserKind.SYSTEM):
        raise ValidationError({"kind": "工作人员账号的类型只能是工作人员或对接系统。"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"用户名 {username} 已被使用。"})
    user = User(
        username=username,
        kind=kind,
        must_change_password=must_change_password,
        is_staff=bool(set(roles) & ADMIN_SITE_ROLES),
        first_name=full_name,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.password_changed_at = None if must_change_password else timezone.now()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    staff = Staff(
        user=user,
        department=department,
        full_name=full_name,
        title=title,
        window=window,
        phone=validate_mobile(phone) if phone else "",
    )
    staff.full_clean(exclude=["user"])
    staff.save()
    audit_change(
        action="org.staff_create",
        obj=staff,
        after={
            **snapshot(staff, ["full_name", "department", "title", "phone"]),
            "roles": sorted(roles),
            "username": username,
        },
        actor=actor,
    )
    return staff


@transaction.atomic
def staff_set_roles(*, staff: Staff, roles: Iterable[str], actor: User | None = None) -> Staff:
    """Replace a staff member's roles."""
    roles = _validate_roles(roles)
    _check_may_manage_staff(actor, staff.department, roles)
    before = sorted(staff.user.role_codes)
    staff.user.groups.set(Group.objects.filter(name__in=roles))  # forgets cached roles, scope
    staff.user.is_staff = bool(set(roles) & ADMIN_SITE_ROLES)
    staff.user.save(update_fields=["is_staff"])
    audit_change(
        action="org.staff_set_roles",
        obj=staff,
        before={"roles": before},
        after={"roles": sorted(roles)},
        actor=actor,
    )
    return staff


# --- Sign-in, lockout, passwords -----------------------------------------------------------


def sign_in_succeeded(*, user: User) -> None:
    """Reset the failure counter (a conditional update: no write when already zero)."""
    User.objects.filter(pk=user.pk, failed_sign_in_count__gt=0).update(failed_sign_in_count=0)
    user.failed_sign_in_count = 0


@transaction.atomic
def sign_in_failed(*, user: User) -> bool:
    """Count a failed attempt; lock the account when the limit is reached. Returns True when
    this attempt locked it. The counter is incremented in the database so that parallel
    attempts cannot undercount."""
    User.objects.filter(pk=user.pk).update(failed_sign_in_count=F("failed_sign_in_count") + 1)
    count = User.objects.values_list("failed_sign_in_count", flat=True).get(pk=user.pk)
    user.failed_sign_in_count = count
    if count < settings.YIWANG_LOCKOUT_ATTEMPTS:
        return False
    locked_until = timezone.now() + dt.timedelta(minutes=settings.YIWANG_LOCKOUT_MINUTES)
    User.objects.filter(pk=user.pk).update(locked_until=locked_until, failed_sign_in_count=0)
    user.locked_until, user.failed_sign_in_count = locked_until, 0
    audit_change(
        action="org.account_locked",
        obj=user,
        after={"locked_until": locked_until.isoformat()},
        actor=None,
        reason=f"连续 {count} 次登录失败",
    )
    _end_sessions(user)
    api_tokens_revoke(user=user, reason="账号锁定")
    return True


def _end_sessions(user: User) -> None:
    """End every session of the account: sessions carry an HMAC that includes the session
    epoch (User._get_session_auth_hash), so raising it invalidates them all, in any store."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.session_epoch = User.objects.values_list("session_epoch", flat=True).get(pk=user.pk)


@transaction.atomic
def account_unlock(*, user: User, actor: User | None = None) -> User:
    """Lift a lock before it expires (administrators)."""
    before = snapshot(user, ["locked_until", "failed_sign_in_count"])
    User.objects.filter(pk=user.pk).update(locked_until=None, failed_sign_in_count=0)
    user.locked_until, user.failed_sign_in_count = None, 0
    audit_change(
        action="org.account_unlock",
        obj=user,
        before=before,
        after=snapshot(user, ["locked_until", "failed_sign_in_count"]),
        actor=actor,
    )
    return user


@transaction.atomic
def password_change(*, user: User, new_password: str) -> User:
    """Set a new password chosen by the user; clears the first-sign-in obligation."""
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    if user.check_password(new_password):
        raise ValidationError({"new_password1": [gettext("新密码不能与原密码相同。")]})
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_change(
        action="org.password_change",
        obj=user,
        after={"password_changed_at": user.password_changed_at.isoformat()},
        actor=user,
    )
    # The new password hash already ends the other sessions (the page keeps its own with
    # update_session_auth_hash); tokens are not tied to the password, so revoke them.
    api_tokens_revoke(user=user, reason="修改密码")
    return user


@transaction.atomic
def password_reset(*, user: User, new_password: str, actor: User | None = None) -> User:
    """An administrator sets a temporary password; the user must change it at next sign-in."""
    if actor is not None and not actor.is_superuser:
        staff = getattr(user, "staff", None)
        if staff is None:
            raise PermissionDenied("只能重置工作人员的密码。")
        _check_may_manage_staff(actor, staff.department, [])
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(new_password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit_change(
        action="org.password_reset", obj=user, after={"must_change_password": True}, actor=actor
    )
    api_tokens_revoke(user=user, reason="管理员重置密码", actor=actor)
    return user


@transaction.atomic
def account_deactivate(*, user: User, actor: User | None = None, reason: str = "") -> User:
    """Deactivate an account (停用): it can no longer sign in, and its sessions and API tokens
    end now."""
    if actor is not None and not actor.is_superuser:
        staff = getattr(user, "staff", None)
        if staff is None:
            raise PermissionDenied("只能停用工作人员的账号。")
        _check_may_manage_staff(actor, staff.department, [])
    before = snapshot(user, ["is_active"])
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    audit_change(
        action="org.account_deactivate",
        obj=user,
        before=before,
        after=snapshot(user, ["is_active"]),
        actor=actor,
        reason=reason,
    )
    _end_sessions(user)
    api_tokens_revoke(user=user, reason="账号停用", actor=actor)
    return user


# --- Applicants -----------------------------------------------------------------------------


@transaction.atomic
def applicant_register(
    *,
    kind: str,
    name: str,
    phone: str,
    id_number: str = "",
    uscc: str = "",
    legal_representative: str = "",
    legal_representative_id_number: str = "",
    password: str | None = None,
    actor: User | None = None,
) -> Applicant:
    """Register a natural or legal person; with a password, also create their sign-in account
    (citizens sign in with the mobile number). An ID number, USCC or (for an account) mobile
    number already registered is an error with code "duplicate", checked only once everything
    else is valid (so that `citizen_register` can hide it)."""
    errors: dict[str, list[str]] = {}

    def check(field: str, func, value: str, label: str) -> str:  # type: ignore[no-untyped-def]
        try:
            return func(value, label)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            return value

    name = (name or "").strip()
    if not name:
        errors["name"] = ["姓名/名称不能为空。"]
    phone = check("phone", validate_mobile, phone, "手机号码")
    if kind == ApplicantKind.PERSON:
        id_number = check("id_number", validate_id_number, id_number, "居民身份证号码")
        uscc = legal_representative = legal_representative_id_number = ""
    elif kind == ApplicantKind.LEGAL_PERSON:
        uscc = check("uscc", validate_uscc, uscc, "统一社会信用代码")
        if not legal_representative.strip():
            errors["legal_representative"] = ["法定代表人不能为空。"]
        legal_representative_id_number = check(
            "legal_representative_id_number",
            validate_id_number,
            legal_representative_id_number,
            "法定代表人身份证号码",
        )
        id_number = ""
    else:
        errors["kind"] = ["申请人类型只能是自然人或法人。"]
    for field, value in (("name", name), ("legal_representative", legal_representative)):
        # The model field's own checks (length, no bidirectional control characters): the
        # applicant is saved without full_clean (its encrypted fields are checked above).
        if value and field not in errors:
            try:
                model_field = Applicant._meta.get_field(field)
                assert isinstance(model_field, models.Field)
                model_field.clean(value, None)
            except ValidationError as exc:
                errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)

    user = None
    if password is not None:
        phone_digest = personal_hash("phone", phone)
        user = User(
            username=f"citizen-{phone_digest[:24]}",
            kind=UserKind.CITIZEN if kind == ApplicantKind.PERSON else UserKind.ENTERPRISE,
            must_change_password=False,
            first_name=name[:150],
            password_changed_at=timezone.now(),
        )
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
    duplicates = _registered_already(id_number=id_number, uscc=uscc, phone=phone, account=user)
    if duplicates:
        raise ValidationError(
            {
                field: ValidationError(message, code="duplicate")
                for field, message in duplicates.items()
            }
        )
    if user is not None:
        assert password is not None
        user.set_password(password)
        user.save()
        role = Role.CITIZEN if kind == ApplicantKind.PERSON else Role.ENTERPRISE
        user.groups.set(Group.objects.filter(name=role))
    applicant = Applicant(
        kind=kind,
        name=name,
        id_number=id_number,
        uscc=uscc,
        legal_representative=legal_representative.strip(),
        legal_representative_id_number=legal_representative_id_number,
        phone=phone,
        user=user,
    )
    applicant.save()
    audit_change(
        action="org.applicant_register",
        obj=applicant,
        after=snapshot(applicant, ["kind", "name", "id_number", "uscc", "phone"]),
        actor=actor,
    )
    return applicant


# --- API tokens -----------------------------------------------------------------------------


def api_token_digest(token: str) -> str:
    """What the database keeps of a token: its SM3 digest (a token is 256 random bits, so an
    unkeyed digest cannot be reversed by guessing)."""
    return sm3_hex(token.encode())


def _registered_already(
    *, id_number: str, uscc: str, phone: str, account: User | None
) -> dict[str, str]:
    found: dict[str, str] = {}
    if (
        id_number
        and Applicant.objects.filter(id_number_hash=personal_hash("id_number", id_number)).exists()
    ):
        found["id_number"] = "该身份证号码已注册。"
    if uscc and Applicant.objects.filter(uscc=uscc).exists():
        found["uscc"] = "该统一社会信用代码已注册。"
    if account is not None and selectors.citizen_user_by_mobile(phone) is not None:
        found["phone"] = "该手机号码已注册账号。"
    return found


def _only_duplicates(exc: ValidationError) -> bool:
    return hasattr(exc, "error_dict") and all(
        error.code == "duplicate" for errors in exc.error_dict.values() for error in errors
    )


def citizen_register(
    *,
    kind: str,
    name: str,
    phone: str,
    password: str,
    id_number: str = "",
    uscc: str = "",
    legal_representative: str = "",
    legal_representative_id_number: str = "",
) -> Applicant | None:
    """Self-registration on the portal. Returns the new applicant, or None when the ID number,
    USCC or mobile number is already registered: the page then answers exactly as for a new
    registration, so it cannot be used to learn who is registered. Nothing is created then;
    the attempt is audited on the existing record and the password hasher runs as it would for
    a new account, so the answer takes as long. Any other error is raised as usual."""
    try:
        return applicant_register(
            kind=kind,
            name=name,
            phone=phone,
            id_number=id_number,
            uscc=uscc,
            legal_representative=legal_representative,
            legal_representative_id_number=legal_representative_id_number,
            password=password,
        )
    except ValidationError as exc:
        if not _only_duplicates(exc):
            raise
        fields = sorted(exc.error_dict)
    make_password(password)
    _audit_refused_registration(id_number=id_number, uscc=uscc, phone=phone, fields=fields)
    return None


@transaction.atomic
def _audit_refused_registration(
    *, id_number: str, uscc: str, phone: str, fields: list[str]
) -> None:
    existing = (
        Applicant.objects.filter(id_number_hash=personal_hash("id_number", id_number)).first()
        if id_number
        else None
    )
    if existing is None and uscc:
        existing = Applicant.objects.filter(uscc=uscc).first()
    if existing is None:
        account = selectors.citizen_user_by_mobile(phone)
        existing = getattr(account, "applicant", None)
    if existing is not None:
        audit_change(
            action="org.applicant_register_refused",
            obj=existing,
            after={"duplicate_fields": fields},
            reason="自助注册时证件号码或手机号码已注册",
        )


@transaction.atomic
def api_token_issue(*, user: User) -> str:
    """Issue a new API token to an authenticated staff or system account and return it in
    clear: the only time it exists outside the caller. Only its digest is stored; it expires
    after YIWANG_API_TOKEN_HOURS. The account's expired tokens are removed. Audited."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    issued = ApiToken.objects.create(
        user=user,
        digest=api_token_digest(token),
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.YIWANG_API_TOKEN_HOURS),
    )
    audit_change(
        action="org.api_token_issue",
        obj=user,
        after={
            "token": "issued",
            "token_id": issued.pk,
            "expires_at": issued.expires_at.isoformat(),
        },
        actor=user,
    )
    return token


@transaction.atomic
def api_tokens_revoke(*, user: User, reason: str, actor: User | None = None) -> int:
    """Revoke (delete) every API token of the account; audited when there was one. Returns how
    many were revoked."""
    revoked, _ = ApiToken.objects.filter(user=user).delete()
    if revoked:
        audit_change(
            action="org.api_tokens_revoke",
            obj=user,
            after={"revoked_tokens": revoked},
            actor=actor,
            reason=reason,
        )
    return revoked


# --- API keys of outside systems ------------------------------------------------------------

# What starts every key: tells it from a staff token at a glance (and in a leak scanner).
API_KEY_LEAD = "ywk_"


@transaction.atomic
def api_key_create(
    *,
    name: str,
    scope: str,
    window: Window | None = None,
    department: Department | None = None,
    actor: User | None = None,
) -> tuple[ApiKey, str]:
    """Create an API key for an outside system and return it with the key in clear: the only
    time the key exists outside the caller (only its SM3 digest and its first characters are
    stored). A rating-device key needs its window, a licence-gathering key its department;
    an Open311 key takes neither. Audited."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写接口密钥的名称。"})
    if scope not in ApiKeyScope.values:
        allowed = "、".join(ApiKeyScope.values)
        raise ValidationError({"scope": f"接口密钥的用途“{scope}”不存在，可选：{allowed}。"})
    if scope == ApiKeyScope.RATING_DEVICE and window is None:
        raise ValidationError({"window": "窗口评价器的密钥必须绑定一个窗口。"})
    if scope != ApiKeyScope.RATING_DEVICE and window is not None:
        raise ValidationError({"window": "只有窗口评价器的密钥可以绑定窗口。"})
    if scope == ApiKeyScope.LICENSE_GATHER and department is None:
        raise ValidationError({"department": "证照归集的密钥必须绑定一个部门。"})
    if scope != ApiKeyScope.LICENSE_GATHER and department is not None:
        raise ValidationError({"department": "只有证照归集的密钥可以绑定部门。"})
    if window is not None and not window.active:
        raise ValidationError({"window": f"窗口“{window}”已停用，不能为它创建密钥。"})
    secret = API_KEY_LEAD + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        scope=scope,
        window=window,
        department=department,
        digest=api_token_digest(secret),
        prefix=secret[:12],
    )
    key.full_clean()
    key.save()
    audit_change(
        action="org.api_key_create",
        obj=key,
        after={
            "name": name,
            "scope": scope,
            "window": window.pk if window else None,
            "department": department.pk if department else None,
        },
        actor=actor,
    )
    return key, secret


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: User | None = None, reason: str = "") -> ApiKey:
    """Revoke an API key at once (it stays on record with revoked_at). Revoking a revoked key
    is refused. Audited."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        at = timezone.localtime(key.revoked_at)
        raise ValidationError({"key": f"接口密钥“{key}”已于 {at:%Y-%m-%d %H:%M} 撤销。"})
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit_change(
        action="org.api_key_revoke",
        obj=key,
        before={"revoked_at": None},
        after={"revoked_at": key.revoked_at.isoformat()},
        actor=actor,
        reason=reason,
    )
    return key


def api_key_touch(*, key: ApiKey) -> None:
    """Note that the key was used. At most once per YIWANG_API_KEY_TOUCH_SECONDS (a conditional
    update, so busy devices do not write on every call and two workers do not fight)."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.YIWANG_API_KEY_TOUCH_SECONDS)
    if key.last_used_at is not None and key.last_used_at > stale:
        return
    ApiKey.objects.filter(pk=key.pk).filter(
        models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lte=stale)
    ).update(last_used_at=now)
    key.last_used_at = now
