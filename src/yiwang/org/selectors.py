"""Reads for the org app. Data scope is enforced here, for pages and API alike."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from yiwang.common.crypto import sm3_hex
from yiwang.common.personal import personal_hash
from yiwang.common.prepared import Prepared
from yiwang.common.validators import validate_mobile

from .models import (
    ApiKey,
    ApiToken,
    Applicant,
    Department,
    Region,
    ServiceHall,
    Staff,
    User,
    UserKind,
    Window,
)
from .roles import REGION_SCOPE_PERMISSION
from .scope import ALL_SCOPE, NO_SCOPE, DataScope

# Hot reads of every API call (the token, its user with his staff profile, his permissions):
# compiled once per process (common.prepared).
_STAFF_OF_USER: Prepared[Staff] = Prepared(
    lambda user: Staff.objects.select_related("department__region").filter(user_id=user),
    user=int,
)
_REGION_APP, _REGION_CODENAME = REGION_SCOPE_PERMISSION.split(".")


def _region_permission() -> QuerySet[Permission, Any]:
    return Permission.objects.filter(
        content_type__app_label=_REGION_APP, codename=_REGION_CODENAME
    ).values("pk")


# The token with its user, his staff profile and whether he holds the region scope permission
# (his own or a role's: what data_scope_for asks of every staff read), in one statement: the
# permission read then runs only when a request asks for another permission.
_TOKEN_BY_DIGEST: Prepared[ApiToken] = Prepared(
    lambda digest: (
        ApiToken.objects.select_related("user__staff__department__region")
        .annotate(
            _region_own=Exists(
                User.user_permissions.through.objects.filter(
                    user_id=OuterRef("user_id"), permission_id__in=_region_permission()
                )
            ),
            _region_role=Exists(
                Group.permissions.through.objects.filter(
                    group__user=OuterRef("user_id"), permission_id__in=_region_permission()
                )
            ),
        )
        .filter(digest=digest)
    ),
    digest=str,
)
# Two subqueries on the link tables: cheaper than joining both through an OR.
_PERMISSION_NAMES: Prepared[tuple[str, str]] = Prepared(
    lambda user: (
        Permission.objects.filter(
            Q(
                pk__in=User.user_permissions.through.objects.filter(user_id=user).values(
                    "permission_id"
                )
            )
            | Q(
                pk__in=Group.permissions.through.objects.filter(group__user=user).values(
                    "permission_id"
                )
            )
        )
        .values_list("content_type__app_label", "codename")
        .order_by()
    ),
    user=int,
)


def staff_for_user(user: User) -> Staff | None:
    if not user.is_authenticated:
        return None
    # Read with the user already (the token's read joins it): no second query.
    descriptor = User.staff  # type: ignore[attr-defined]
    if isinstance(user, User) and descriptor.is_cached(user):
        return cast(Staff | None, descriptor.related.get_cached_value(user))
    return _STAFF_OF_USER.first(user=user.pk)


def api_token_by_digest(digest: str) -> ApiToken | None:
    """The API token with this digest, its user and his staff profile (department, region)
    read with it."""
    found = _TOKEN_BY_DIGEST.first(digest=digest)
    if found is not None:
        user = found.user
        # As user.has_perm(REGION_SCOPE_PERMISSION) answers for this user now (an inactive
        # account holds none; a superuser's scope is everything before this is asked);
        # forgotten with his other role caches when his groups change (User.forget_roles).
        user._yiwang_region_scope = user.is_active and bool(  # type: ignore[attr-defined]
            found._region_own or found._region_role  # type: ignore[attr-defined]
        )
    return found


def api_key_for(secret: str, scope: str) -> ApiKey | None:
    """The active (not revoked) API key of this scope whose digest matches the secret, with
    its window, hall and department read with it; None for an unknown, revoked or
    other-scope key (the caller answers all three alike)."""
    if not secret or len(secret) > 200:
        return None
    return (
        ApiKey.objects.select_related("window__hall", "window__department", "department")
        .filter(digest=sm3_hex(secret.encode()), scope=scope, revoked_at__isnull=True)
        .first()
    )


def api_key_of_other_scope(secret: str, scope: str) -> bool:
    """Whether the secret is an active key of a scope other than `scope` (refused as
    forbidden rather than unknown by the endpoints that care)."""
    if not secret or len(secret) > 200:
        return False
    return (
        ApiKey.objects.filter(digest=sm3_hex(secret.encode()), revoked_at__isnull=True)
        .exclude(scope=scope)
        .exists()
    )


def api_key_list(*, scope: str | None = None, include_revoked: bool = False) -> QuerySet[ApiKey]:
    """API keys, newest first, with their windows."""
    keys = ApiKey.objects.select_related("window__hall")
    if scope:
        keys = keys.filter(scope=scope)
    if not include_revoked:
        keys = keys.filter(revoked_at__isnull=True)
    return keys


def window_by_code(code: str) -> Window | None:
    """A window named on the command line: `大厅名称/窗口号`, or just `窗口号` when one hall
    alone has that number. None when it names no window or more than one."""
    hall, sep, number = code.strip().rpartition("/")
    windows = Window.objects.select_related("hall").filter(number=number.strip())
    if sep:
        windows = windows.filter(hall__name=hall.strip())
    found = list(windows[:2])
    return found[0] if len(found) == 1 else None


def permission_names(user: User) -> set[str]:
    """The user's permissions from his groups (roles) and his own, as "app_label.codename" —
    what Django's ModelBackend gathers in two queries, in one."""
    return {f"{app}.{codename}" for app, codename in _PERMISSION_NAMES.tuples(user=user.pk)}


def is_staff_user(user: Any) -> bool:
    """Staff accounts may use the workbench; citizens, enterprises and API systems may not."""
    return bool(getattr(user, "is_authenticated", False)) and user.kind == UserKind.STAFF


def _holds_region_scope(user: User) -> bool:
    known = user.__dict__.get("_yiwang_region_scope")  # read with the API token
    if known is not None:
        return bool(known)
    return bool(user.has_perm(REGION_SCOPE_PERMISSION))


def data_scope_for(user: User) -> DataScope:
    """The user's data scope: bureau staff and leaders see their region, others their department,
    a superuser (with or without a staff profile) everything.

    The region of a region-scoped user is the region of their department (the bureau of a county
    sees the county and every town and village under it)."""
    if not getattr(user, "is_authenticated", False) or user.kind not in (
        UserKind.STAFF,
        UserKind.SYSTEM,
    ):
        return NO_SCOPE
    cached = getattr(user, "_yiwang_scope", None)
    if cached is not None:
        return cached
    staff = None if user.is_superuser else staff_for_user(user)
    if user.is_superuser:
        scope = ALL_SCOPE
    elif staff is None:
        scope = NO_SCOPE
    else:
        department = staff.department
        if _holds_region_scope(user):
            scope = DataScope(
                kind="region",
                department_id=department.pk,
                region_prefix=department.region.prefix,
                region_name=department.region.name,
                department_name=department.name,
            )
        else:
            scope = DataScope(
                kind="department",
                department_id=department.pk,
                region_prefix=department.region.prefix,
                region_name=department.region.name,
                department_name=department.name,
            )
    user._yiwang_scope = scope  # type: ignore[attr-defined]
    return scope


def get_in_scope_or_404(queryset: QuerySet, **lookup: object):  # type: ignore[no-untyped-def]
    """Out-of-scope objects are indistinguishable from missing ones."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404(gettext("未找到该记录。"))
    return obj


# --- Regions and departments -------------------------------------------------------------


def region_list(*, parent: Region | None = None) -> QuerySet[Region]:
    qs = Region.objects.all()
    return qs.filter(parent=parent) if parent is not None else qs


def department_list(*, region: Region | None = None) -> QuerySet[Department]:
    """Departments are public master data (citizens see who provides a service)."""
    qs = Department.objects.select_related("region")
    if region is not None:
        qs = qs.filter(region__code__startswith=region.prefix)
    return qs


def departments_in_scope(*, user: User) -> QuerySet[Department]:
    """The departments whose records the user may see."""
    scope = data_scope_for(user)
    qs = Department.objects.select_related("region")
    if scope.kind == "region":
        return qs.filter(region__code__startswith=scope.region_prefix)
    if scope.kind == "department" and scope.department_id is not None:
        return qs.filter(pk=scope.department_id)
    return qs.none()


def department_by_name_or_id(value: str) -> Department | None:
    """A department named on the command line: its full name, its USCC or its number."""
    value = (value or "").strip()
    if not value:
        return None
    found = Department.objects.filter(Q(name=value) | Q(uscc=value.upper())).first()
    if found is None and value.isdigit() and len(value) < 19:
        found = Department.objects.filter(pk=int(value)).first()
    return found


def department_bureau(*, region: Region | None = None) -> Department | None:
    qs = Department.objects.filter(is_bureau=True)
    if region is not None:
        qs = qs.filter(region=region)
    return qs.first()


def service_hall_list() -> QuerySet[ServiceHall]:
    """County hall first, then town centres and village stations."""
    from django.db.models import Case, IntegerField, Value, When

    order = Case(
        When(level="county", then=Value(0)),
        When(level="town", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        ServiceHall.objects.select_related("region")
        .annotate(_order=order)
        .order_by("_order", "region__code", "name")
    )


# --- Staff and windows (scoped) ------------------------------------------------------------


def staff_list_for(*, user: User) -> QuerySet[Staff]:
    scope = data_scope_for(user)
    return scope.filter(
        Staff.objects.select_related("user", "department", "window__hall").prefetch_related(
            "user__groups"
        )
    )


def staff_get_for(*, user: User, pk: int) -> Staff:
    return get_in_scope_or_404(staff_list_for(user=user), pk=pk)


def window_list_for(*, user: User) -> QuerySet[Window]:
    """Dedicated windows belong to a department; shared windows (综合窗口 …) are visible to
    region-scoped staff and to staff who work at them."""
    scope = data_scope_for(user)
    qs = Window.objects.select_related("hall", "department")
    if scope.kind == "region":
        return qs.filter(hall__region__code__startswith=scope.region_prefix)
    if scope.kind == "department":
        return qs.filter(Q(department_id=scope.department_id) | Q(staff__user=user)).distinct()
    return qs.none()


# --- Applicants -----------------------------------------------------------------------------


def applicant_list_for(*, user: User) -> QuerySet[Applicant]:
    """Applicants are visible to region-scoped staff and to holders of org.view_applicant
    (window clerks and approvers, who serve any applicant at the counter). Until cases link
    applicants to departments, other department staff see none."""
    scope = data_scope_for(user)
    if scope.kind == "none":
        return Applicant.objects.none()
    if scope.kind == "region" or user.has_perm("org.view_applicant"):
        return Applicant.objects.all()
    return Applicant.objects.none()


def applicant_get_for(*, user: User, pk: int) -> Applicant:
    return get_in_scope_or_404(applicant_list_for(user=user), pk=pk)


def applicant_find_by_id_number(*, user: User, id_number: str) -> Applicant | None:
    """The applicant in `user`'s scope with this resident-ID number (exact, by keyed hash)."""
    return (
        applicant_list_for(user=user)
        .filter(id_number_hash=personal_hash("id_number", id_number))
        .first()
    )


def applicant_lookup_for(*, user: User, id_number: str) -> Applicant:
    """Like applicant_find_by_id_number, but none (or out of scope) is a 404."""
    found = applicant_find_by_id_number(user=user, id_number=id_number)
    if found is None:
        raise Http404(gettext("没有找到该身份证号码的申请人。"))
    return found


# --- Accounts ------------------------------------------------------------------------------


def account_is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > timezone.now()


def user_by_username(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def citizen_user_by_mobile(mobile: str) -> User | None:
    """The citizen or enterprise account registered with this mobile number, if any."""
    try:
        mobile = validate_mobile(mobile)
    except Exception:
        return None
    return (
        User.objects.filter(
            kind__in=[UserKind.CITIZEN, UserKind.ENTERPRISE],
            applicant__phone_hash=personal_hash("phone", mobile),
        )
        .select_related("applicant")
        .first()
    )
