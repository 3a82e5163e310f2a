"""What a licence shows to anyone who holds its link or paper (the verification page, the PDF):
read from the sealed bytes, the holder masked — a person's name to its surname, the ID number
as sealed (already masked); an enterprise's name and USCC are public."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from yiwang.licenses import files
from yiwang.licenses.models import License


def mask_person_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


@dataclass(frozen=True)
class PublicLicense:
    identifier: str
    type_name: str
    issuer_name: str
    issuer_uscc: str
    holder_kind: str
    holder_name: str
    holder_id_number: str
    fields: list[tuple[str, Any]]
    valid_from: str
    valid_until: str | None


def public_license(license: License, *, full_name: bool = False) -> PublicLicense:
    """The licence as sealed; `full_name` only for the PDF its holder downloads."""
    content = files.sealed_content(license)
    holder = content["holder"]
    name = holder["name"]
    if holder["kind"] == "person" and not full_name:
        name = mask_person_name(name)
    values = content["fields"]
    # The type's fields in the type's order, then any the type no longer lists.
    ordered = [f["name"] for f in license.license_type.fields if f.get("name") in values]
    ordered += [n for n in values if n not in ordered]
    return PublicLicense(
        identifier=content["identifier"],
        type_name=content["type"]["name"],
        issuer_name=content["issuer"]["name"],
        issuer_uscc=content["issuer"]["uscc"],
        holder_kind=holder["kind"],
        holder_name=name,
        holder_id_number=holder["id_number"],
        fields=[(n, values[n]) for n in ordered],
        valid_from=content["validity"]["from"],
        valid_until=content["validity"]["until"],
    )


def verification_url(identifier: str) -> str:
    """The absolute link of the public verification page (the QR code on the PDF)."""
    from yiwang.catalog.guides.pdf import public_url

    return public_url(reverse("licenses-public:verify", args=[identifier]))
