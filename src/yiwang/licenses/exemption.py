"""免提交 and 免证办: which materials an applicant is not asked for because a licence stands in.

One home for the rule. A material (catalog.Material) is 免提交 when the catalogue marks it
exempt (共享获取) or when its name is linked to a licence type (licenses.LicenseMaterial); a
case then attaches the applicant's valid licence of that type through a recorded use instead of
an upload. Pages, cases and metrics all ask here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from yiwang.licenses.models import (
    License,
    LicenseMaterial,
    LicenseStatus,
    LicenseType,
    LicenseUse,
    UsePurpose,
)


def licence_linked_q(prefix: str = "") -> Q:
    """Materials (rows reached by `prefix`, e.g. "materials__") whose name a licence type
    satisfies — for database filters and aggregates (metrics)."""
    linked = LicenseMaterial.objects.filter(material_name=OuterRef(f"{prefix}name"))
    return Q(Exists(linked))


def exempt_material_q(prefix: str = "") -> Q:
    """Materials not asked of the applicant: marked exempt, or satisfied by a licence type."""
    return Q(**{f"{prefix}exempt": True}) | licence_linked_q(prefix)


# --- The rule in Python: a version's licence-linked materials, the applicant's licences --------


@dataclass(frozen=True)
class LicenceMaterial:
    """A material of an item version that a licence type satisfies, and the applicant's valid
    licence of the type (None: he holds none, so he is asked for the material as usual)."""

    order: int
    name: str
    license_type: LicenseType
    licence: License | None = None

    @property
    def exempt(self) -> bool:
        return self.licence is not None


# Inside linked_types_cached(): each name's licence type (None: not linked), as read once.
_TYPES: ContextVar[dict[str, LicenseType | None] | None] = ContextVar("licence_types", default=None)


@contextmanager
def linked_types_cached() -> Iterator[None]:
    """Within the block, linked_types reads each material name's licence type once and then
    answers from memory — for a bulk path in which the catalogue's links cannot change (a batch
    of the demo simulation). Licences themselves (valid_licence) are always read. Outside such a
    block nothing is cached."""
    token = _TYPES.set({}) if _TYPES.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _TYPES.reset(token)


def forget_linked_types() -> None:
    """A link was made or removed (licenses.services): what linked_types_cached remembers is
    read again."""
    cache = _TYPES.get()
    if cache is not None:
        cache.clear()


def _read_types(names: set[str]) -> dict[str, LicenseType]:
    rows = LicenseMaterial.objects.select_related("license_type").filter(material_name__in=names)
    return {row.material_name: row.license_type for row in rows}


def linked_types(names: Iterable[str]) -> dict[str, LicenseType]:
    """The licence type each of `names` is linked to (names not linked are left out)."""
    wanted = {name.strip() for name in names}
    cache = _TYPES.get()
    if cache is None:
        return _read_types(wanted)
    unknown = wanted - cache.keys()
    if unknown:
        read = _read_types(unknown)
        for name in unknown:
            cache[name] = read.get(name)
    return {name: kind for name in wanted if (kind := cache[name]) is not None}


def valid_q(on: dt.date | None = None) -> Q:
    """Licences valid on `on` (today): status 有效 and within their validity."""
    on = on or timezone.localdate()
    return Q(status=LicenseStatus.VALID, valid_from__lte=on) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


def valid_licence(
    applicant: Any, license_type: LicenseType, on: dt.date | None = None
) -> License | None:
    """The applicant's newest licence of `license_type` valid on `on` (today), or None."""
    from yiwang.licenses.selectors import licenses_of

    return (
        licenses_of(applicant)
        .filter(valid_q(on), license_type=license_type)
        .order_by("-issued_at", "-pk")
        .first()
    )


def version_licence_materials(
    version: Any, applicant: Any = None, on: dt.date | None = None
) -> dict[int, LicenceMaterial]:
    """The materials of `version` (by order) a licence type satisfies — not those the catalogue
    marks exempt (共享获取), which are never asked for anyway — each with `applicant`'s valid
    licence of the type, if any."""
    materials = [m for m in version.materials.all() if not m.exempt]
    types = linked_types(m.name for m in materials)
    found: dict[int, LicenceMaterial] = {}
    held: dict[int, License | None] = {}
    for material in materials:
        kind = types.get(material.name.strip())
        if kind is None:
            continue
        if applicant is not None and kind.pk not in held:
            held[kind.pk] = valid_licence(applicant, kind, on)
        found[material.order] = LicenceMaterial(
            material.order, material.name, kind, held.get(kind.pk)
        )
    return found


def case_licence_orders(case: Any) -> set[int]:
    """The case's materials (orders) its applicant is not asked for because he holds a valid
    licence that stands in (cases.services._missing asks here)."""
    found = version_licence_materials(case.version, case.applicant)
    return {order for order, row in found.items() if row.exempt}


def attach_case_licences(case: Any, *, actor: Any = None) -> list[LicenseUse]:
    """Record, for each material of `case` a valid licence of its applicant stands in for, the
    use of that licence (purpose 免提交材料), once per material; returns the uses recorded now.
    Called when the case is submitted (licenses.receivers)."""
    from yiwang.licenses.services import license_use_for_material

    done = set(
        LicenseUse.objects.filter(case=case, purpose=UsePurpose.MATERIAL).values_list(
            "material_order", flat=True
        )
    )
    recorded = []
    for order, row in sorted(version_licence_materials(case.version, case.applicant).items()):
        if row.licence is None or order in done:
            continue
        recorded.append(
            license_use_for_material(
                license=row.licence,
                case=case,
                material_order=order,
                material_name=row.name,
                actor=actor,
            )
        )
    return recorded


def guide_licence_types(version: Any) -> dict[int, LicenseType]:
    """The licence type standing in for each licence-linked material of `version` (guides show
    it as 免提交 with the type's name)."""
    return {order: row.license_type for order, row in version_licence_materials(version).items()}


def versions_licence_types(versions: Iterable[Any]) -> dict[int, dict[int, LicenseType]]:
    """guide_licence_types for several versions at once (a bundle's items; one query): by
    version pk, the licence type standing in for each licence-linked material, by order."""
    versions = list(versions)
    materials = [(v.pk, m) for v in versions for m in v.materials.all() if not m.exempt]
    types = linked_types(m.name for _pk, m in materials)
    found: dict[int, dict[int, LicenseType]] = {v.pk: {} for v in versions}
    for pk, material in materials:
        kind = types.get(material.name.strip())
        if kind is not None:
            found[pk][material.order] = kind
    return found


def held_licences(
    applicant: Any, kinds: Iterable[LicenseType], on: dt.date | None = None
) -> dict[int, License]:
    """`applicant`'s valid licence of each of `kinds` he holds one of, by type pk (a bundle
    application asks for a licence-linked material only when its type is missing here)."""
    found: dict[int, License] = {}
    for kind in kinds:
        if kind.pk in found:
            continue
        licence = valid_licence(applicant, kind, on)
        if licence is not None:
            found[kind.pk] = licence
    return found


def case_material_uses(case: Any) -> dict[int, LicenceMaterial]:
    """The materials of `case` a licence was attached for (the recorded uses, purpose
    免提交材料), by order — what the case pages show once the case is submitted."""
    uses = (
        LicenseUse.objects.filter(case=case, purpose=UsePurpose.MATERIAL)
        .select_related("license__license_type")
        .order_by("used_at", "pk")
    )
    return {
        use.material_order: LicenceMaterial(
            use.material_order, use.material_name, use.license.license_type, use.license
        )
        for use in uses
        if use.material_order is not None
    }
