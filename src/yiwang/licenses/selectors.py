"""Reads of the licences app. The command line reads the whole registry; pages and the API
(later) apply the data scope here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from yiwang.licenses.models import HolderKind, License, LicenseUse, SealKey
from yiwang.org.models import Applicant, Department, User, UserKind

if TYPE_CHECKING:
    from yiwang.cases.models import Case


def license_by_identifier(identifier: str) -> License | None:
    return (
        License.objects.select_related("license_type", "issuer", "seal_key")
        .filter(identifier=identifier)
        .first()
    )


def license_for_verification(identifier: str) -> License | None:
    """The licence with its issuer and seal key in one query, unordered (identifiers are
    unique): verification runs on every scan of a QR code."""
    rows = list(
        License.objects.select_related("issuer", "seal_key", "license_type")
        .filter(identifier=identifier)
        .order_by()[:1]
    )
    return rows[0] if rows else None


def license_list() -> QuerySet[License]:
    return License.objects.select_related("license_type", "issuer").order_by("identifier")


def current_seal_key(department: Department) -> SealKey | None:
    return SealKey.objects.filter(department=department, retired_at=None).first()


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
