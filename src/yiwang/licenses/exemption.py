"""免提交 and 免证办: which materials an applicant is not asked for because a licence stands in.

One home for the rule. A material (catalog.Material) is 免提交 when the catalogue marks it
exempt (共享获取) or when its name is linked to a licence type (licenses.LicenseMaterial); a
case then attaches the applicant's valid licence of that type through a recorded use instead of
an upload. Pages, cases and metrics all ask here.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from yiwang.licenses.models import LicenseMaterial


def licence_linked_q(prefix: str = "") -> Q:
    """Materials (rows reached by `prefix`, e.g. "materials__") whose name a licence type
    satisfies — for database filters and aggregates (metrics)."""
    linked = LicenseMaterial.objects.filter(material_name=OuterRef(f"{prefix}name"))
    return Q(Exists(linked))


def exempt_material_q(prefix: str = "") -> Q:
    """Materials not asked of the applicant: marked exempt, or satisfied by a licence type."""
    return Q(**{f"{prefix}exempt": True}) | licence_linked_q(prefix)
