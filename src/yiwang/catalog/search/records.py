"""The published catalogue as guided-search index records: items with their materials and
elements, bundles (一件事) with their members. Two queries plus prefetches; the index itself is
built from these plain values (search/index.py)."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from django.db.models import Prefetch

from yiwang.catalog import selectors
from yiwang.catalog.models import BundleStage, BundleStageItem, Material
from yiwang.catalog.search.index import BUNDLE, ITEM, IndexRecord

__all__ = [
    "bundle_records",
    "catalogue_records",
    "item_records",
    "situation_phrases",
    "situations",
]


@cache
def situations() -> dict[str, tuple[str, ...]]:
    """The shipped life situations of the demo catalogue by item or bundle name (身份证丢了,
    坐月子, 五保户): data/situations.csv, one line per base item (docs/search.md). Only the seed:
    migration 0008 and the demo county copy it into the items' 生活场景 element and the bundles'
    field, which the index reads; read once per process."""
    path = resources.files("yiwang.catalog").joinpath("data/situations.csv")
    with path.open(encoding="utf-8") as fh:
        return {
            row["name"].strip(): tuple(dict.fromkeys(row["situations"].split()))
            for row in csv.DictReader(fh)
        }


def situation_phrases(
    value: str, _seen: dict[str, tuple[str, ...]] | None = None
) -> tuple[str, ...]:
    """A 生活场景 element as the index's phrases: split at white space, repeats dropped, in the
    order written. With `_seen`, equal texts share one tuple (a province's claims of one base
    item form one group without a tuple each)."""
    if _seen is None:
        return tuple(dict.fromkeys(value.split()))
    phrases = _seen.get(value)
    if phrases is None:
        phrases = _seen[value] = tuple(dict.fromkeys(value.split()))
    return phrases


def item_records() -> list[IndexRecord]:
    """Published, active items with their materials and life situations (the published
    version's 生活场景), as index records."""
    items = selectors.published_items().prefetch_related(
        Prefetch(
            "published_version__materials",
            queryset=Material.objects.only("id", "version_id", "order", "name"),
        )
    )
    records = []
    seen: dict[str, tuple[str, ...]] = {}
    for item in items:
        version = item.published_version
        assert version is not None  # published_items() guarantees it
        flags = [
            label
            for flag, label in (
                (version.fully_online, "全程网办"),
                (version.cross_province, "跨省通办"),
                (version.in_province, "省内通办"),
                (version.commitment_based, "告知承诺"),
                (version.self_service_24h, "自助办理"),
            )
            if flag
        ]
        records.append(
            IndexRecord(
                kind=ITEM,
                code=item.code,
                name=version.name,
                department=item.department.name,
                department_short=item.department.short_name,
                region=item.region.name,
                visits=version.visits,
                fully_online=version.fully_online,
                elements=" ".join(
                    [
                        version.get_item_type_display(),
                        item.get_business_type_display(),
                        version.get_handling_kind_display(),
                        version.conditions,
                        *flags,
                    ]
                ),
                materials=tuple(m.name for m in version.materials.all()),
                situations=situation_phrases(version.situations, seen),
            )
        )
    return records


def bundle_records() -> list[IndexRecord]:
    """Published bundles: their name, summary, member items, departments and materials. Visits
    are the most any member needs and the bundle is fully online when every member is (the
    rule the bundle notice uses)."""
    entries = BundleStageItem.objects.select_related(
        "item__published_version", "item__department"
    ).prefetch_related(
        Prefetch(
            "item__published_version__materials",
            queryset=Material.objects.only("id", "version_id", "order", "name"),
        )
    )
    bundles = selectors.published_bundles().prefetch_related(
        Prefetch(
            "stages",
            queryset=BundleStage.objects.prefetch_related(Prefetch("entries", queryset=entries)),
        )
    )
    records = []
    for bundle in bundles:
        members = [e.item for stage in bundle.stages.all() for e in stage.entries.all()]
        versions = [m.published_version for m in members if m.published_version is not None]
        records.append(
            IndexRecord(
                kind=BUNDLE,
                code=bundle.code,
                name=bundle.name,
                department=bundle.lead_department.name,
                department_short=bundle.lead_department.short_name,
                visits=max((v.visits for v in versions), default=0),
                fully_online=bool(versions) and all(v.fully_online for v in versions),
                elements=" ".join(["高效办成一件事", bundle.summary]),
                members=tuple(v.name for v in versions),
                member_codes=tuple(m.code for m in members),
                member_departments=tuple(dict.fromkeys(m.department.name for m in members)),
                materials=tuple(
                    dict.fromkeys(mat.name for v in versions for mat in v.materials.all())
                ),
                situations=situation_phrases(bundle.situations),
            )
        )
    return records


def catalogue_records() -> list[IndexRecord]:
    return item_records() + bundle_records()
