"""Reads of the licences app. The command line reads the whole registry; pages and the API
(later) apply the data scope here."""

from __future__ import annotations

from django.db.models import QuerySet

from yiwang.licenses.models import License, SealKey
from yiwang.org.models import Department


def license_by_identifier(identifier: str) -> License | None:
    return (
        License.objects.select_related("license_type", "issuer", "seal_key")
        .filter(identifier=identifier)
        .first()
    )


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
