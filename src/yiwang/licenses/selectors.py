"""Reads of the licences app. The command line reads the whole registry; pages and the API
(later) apply the data scope here."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from yiwang.common.prepared import Prepared
from yiwang.licenses.models import (
    HolderKind,
    License,
    LicenseStatus,
    LicenseType,
    LicenseUse,
    SealKey,
)
from yiwang.org.models import Applicant, Department, User, UserKind

if TYPE_CHECKING:
    from yiwang.cases.models import Case


def license_by_identifier(identifier: str) -> License | None:
    return (
        License.objects.select_related("license_type", "issuer", "seal_key")
        .filter(identifier=identifier)
        .first()
    )


class VerificationRecord(NamedTuple):
    """What checking a licence file needs of the registry's licence: its issuer, stored bytes,
    status and the seal key it names (a named tuple: made from the row in one step)."""

    identifier: str
    issuer_id: int
    issuer_uscc: str
    canonical: bytes
    status: str
    status_reason: str
    seal_key_id: int
    seal_key_department_id: int
    seal_key_public_key: str


# The registry's record for checking a licence file: one plain-equality read by identifier,
# compiled once per process (common.prepared). Verification runs on every scan of a QR code
# and every file checked, and building and compiling the ORM query each time cost more than
# the SM2 verification itself (bench/seal.py, docs/performance.md). Every call reads the
# database: nothing about a licence's status or its key is remembered.
_VERIFICATION: Prepared[tuple] = Prepared(
    lambda identifier: (
        License.objects.filter(identifier=identifier)
        .order_by()
        .values_list(
            "identifier",
            "issuer_id",
            "issuer__uscc",
            "canonical",
            "status",
            "status_reason",
            "seal_key_id",
            "seal_key__department_id",
            "seal_key__public_key",
        )
    ),
    identifier=str,
)


def license_for_verification(identifier: str) -> VerificationRecord | None:
    """The licence's issuer, bytes, status and seal key in one short statement (identifiers
    are unique)."""
    rows = _VERIFICATION.tuples(identifier=identifier)
    if not rows:
        return None
    row = rows[0]
    if type(row[3]) is not bytes:  # PostgreSQL gives a memoryview
        row = (*row[:3], bytes(row[3]), *row[4:])
    return VerificationRecord._make(row)


def license_list() -> QuerySet[License]:
    return License.objects.select_related("license_type", "issuer").order_by("identifier")


def current_seal_key(department: Department) -> SealKey | None:
    return SealKey.objects.filter(department=department, retired_at=None).first()


_SIGNING_FIELDS = ("id", "department_id", "key_id", "public_key", "private_key")
# The department's current key, compiled once per process (common.prepared): sealing runs for
# every licence issued or gathered, and compiling the ORM query each time cost more than the
# signature (bench/seal.py). At most one key is current (seal_key_one_current_per_department),
# so no ordering is needed. Read on every call: a rotation in another process is seen at once.
_SIGNING_KEY: Prepared[SealKey] = Prepared(
    lambda department: (
        SealKey.objects.filter(department_id=department, retired_at=None)
        .order_by()
        .only(*_SIGNING_FIELDS)
    ),
    department=int,
)


def signing_key(department_id: int) -> SealKey | None:
    """The department's current seal key with the fields sealing uses (the rest deferred), in
    one short statement."""
    return _SIGNING_KEY.first(department=department_id)


def registered_seal_key(*, issuer_uscc: str, public_key: str) -> SealKey | None:
    """The seal key registered for the issuer with this public key — current or retired, since
    rotation keeps old licences verifiable — or None."""
    return (
        SealKey.objects.select_related("department")
        .filter(department__uscc=issuer_uscc, public_key=public_key.lower())
        .first()
    )


# --- 我的证照 and 用证 ---------------------------------------------------------------------------

LICENSE_NOT_FOUND = "未找到该电子证照。"


def _holder_q(applicant: Applicant | None) -> Q | None:
    # A licence is the applicant's when its holder is him: the same ID number (by its keyed
    # hash; both fields hash the same way) for a person, the same USCC for an enterprise.
    if applicant is None:
        return None
    if applicant.id_number_hash:
        return Q(holder_kind=HolderKind.PERSON, holder_id_number_hash=applicant.id_number_hash)
    if applicant.uscc:
        return Q(holder_kind=HolderKind.ENTERPRISE, holder_uscc=applicant.uscc)
    return None


def licenses_of(applicant: Applicant | None) -> QuerySet[License]:
    """The licences whose holder is `applicant` (newest first)."""
    holder = _holder_q(applicant)
    if holder is None:
        return License.objects.none()
    return License.objects.select_related("license_type", "issuer", "seal_key").filter(holder)


def licenses_for_holder(*, user: User) -> QuerySet[License]:
    """我的证照: the signed-in citizen's or enterprise's licences; anyone else none."""
    from yiwang.cases.selectors import applicant_for

    if getattr(user, "kind", None) not in (UserKind.CITIZEN, UserKind.ENTERPRISE):
        return License.objects.none()
    return licenses_of(applicant_for(user))


def license_get_for_holder(*, user: User, pk: int | str) -> License:
    """One of the user's own licences, else 404 (another holder's alike)."""
    try:
        value = int(pk)
    except (TypeError, ValueError):
        raise Http404(LICENSE_NOT_FOUND) from None
    found = licenses_for_holder(user=user).filter(pk=value).first() if 0 < value < 2**63 else None
    if found is None:
        raise Http404(LICENSE_NOT_FOUND)
    return found


def license_uses(license: License) -> QuerySet[LicenseUse]:
    """用证记录 of a licence, newest first."""
    return license.uses.select_related("case", "case__version")


def case_license_uses(case: Case) -> QuerySet[LicenseUse]:
    """The licences used for a case, newest first."""
    return LicenseUse.objects.filter(case=case).select_related("license", "license__license_type")


# --- 证照库 on the workbench (staff; the data scope by the licence's issuer) ------------------


def licenses_for_staff(*, user: User) -> QuerySet[License]:
    """The licences whose issuer is in the staff member's data scope (org.scope.DataScope),
    newest first."""
    from yiwang.org.selectors import data_scope_for

    return data_scope_for(user).filter(
        License.objects.select_related("license_type", "issuer"), path="issuer"
    )


def license_search_for(
    *,
    user: User,
    license_type_id: int | None = None,
    status: str = "",
    origin: str = "",
    holder: str = "",
) -> QuerySet[License]:
    """证照库's list: the licences in scope, by type, status, origin and holder name."""
    rows = licenses_for_staff(user=user)
    if license_type_id:
        rows = rows.filter(license_type_id=license_type_id)
    if status:
        rows = rows.filter(status=status)
    if origin:
        rows = rows.filter(origin=origin)
    if holder:
        rows = rows.filter(holder_name__icontains=holder)
    return rows


def _pk(pk: int | str) -> int | None:
    # A number past the keys' range is none (the databases' keys are 64-bit).
    try:
        value = int(pk)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None


def license_get_for_staff(*, user: User, pk: int | str) -> License:
    """A licence in the staff member's scope with its type, issuer and seal key; else 404
    (another department's alike)."""
    value = _pk(pk)
    found = (
        licenses_for_staff(user=user).select_related("seal_key").filter(pk=value).first()
        if value
        else None
    )
    if found is None:
        raise Http404(LICENSE_NOT_FOUND)
    return found


def license_successors(license: License) -> QuerySet[License]:
    return license.successors.order_by("version")


LICENSE_TYPE_NOT_FOUND = "未找到该证照类型。"


def license_types_for_staff() -> QuerySet[LicenseType]:
    """Every licence type (the list of types is readable by all staff), with its department,
    the items that produce it and the materials it satisfies."""
    return (
        LicenseType.objects.select_related("department")
        .prefetch_related("items", "materials")
        .annotate(license_count=Count("licenses"))
        .order_by("department__name", "code")
    )


def license_type_get(pk: int | str) -> LicenseType:
    value = _pk(pk)
    found = license_types_for_staff().filter(pk=value).first() if value else None
    if found is None:
        raise Http404(LICENSE_TYPE_NOT_FOUND)
    return found


def seal_keys_of(department: Department) -> QuerySet[SealKey]:
    """A department's seal keys, the current first (then newest first); the private key is
    deferred — pages never read it."""
    return (
        SealKey.objects.filter(department=department)
        .defer("private_key")
        .annotate(license_count=Count("licenses"))
        .order_by(F("retired_at").desc(nulls_first=True), "-created_at")
    )


def license_status_history(license: License) -> list[dict[str, object]]:
    """The licence's status over time: issued (有效), then each status change with its reason
    and who made it (from the audit trail, which the services write)."""
    from yiwang.audit.selectors import audit_events_for_object

    rows: list[dict[str, object]] = [
        {"at": license.issued_at, "status": LicenseStatus.VALID.label, "reason": "", "actor": ""}
    ]
    for event in audit_events_for_object(license).filter(action="licenses.status_change"):
        after = (event.changes.get("status") or {}).get("after")
        label = LicenseStatus(after).label if after in LicenseStatus.values else str(after)
        rows.append(
            {
                "at": event.occurred_at,
                "status": label,
                "reason": event.reason,
                "actor": event.actor_label,
            }
        )
    if len(rows) == 1 and license.status != LicenseStatus.VALID:
        # A change made outside the services (none should be) still shows.
        rows.append(
            {
                "at": license.status_changed_at,
                "status": LicenseStatus(license.status).label,
                "reason": license.status_reason,
                "actor": "",
            }
        )
    return rows
