"""Guided search (智能导办): citizens describe a need in everyday words and get the items and
bundles (一件事) that meet it, best first, with department, visits, whether it is fully online, and
links to the guide and to apply.

The index (search/index.py, built from the records of search/records.py) lives in each
process's memory. Before every search one primary-key read gives the catalogue generation
(catalog.generation), which database triggers change with every change to what the index
depends on — published, active items and their current versions, published bundles and their
members, the synonym dictionary, department and region names — and the index is rebuilt when it
differs. So every web worker notices a publication, suspension, withdrawal or synonym edit on
its next search, without any message between workers. Draft edits do not change the generation
and never cause a rebuild.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

from django.db import connection
from django.urls import reverse

from yiwang.catalog import generation
from yiwang.catalog.models import (
    Bundle,
    BundleStageItem,
    BundleStatus,
    ItemStatus,
    SearchSynonym,
    ServiceItem,
    ServiceItemVersion,
    VersionStatus,
)
from yiwang.catalog.search.index import BUNDLE, ITEM, Hit, IndexRecord, SearchIndex
from yiwang.catalog.search.records import catalogue_records
from yiwang.catalog.search.synonyms import Synonym, active_synonyms
from yiwang.catalog.search.text import normalise

MAX_QUERY_LENGTH = 100
KIND_LABELS = {ITEM: "事项", BUNDLE: "一件事"}


@dataclass(frozen=True)
class SearchResult:
    """One ranked result. `url` is the public guide; `apply_url` is an item's online
    application (which signs an anonymous visitor in first), a bundle's sign-in and back to its
    guide."""

    kind: str
    code: str
    name: str
    department: str
    visits: int
    fully_online: bool
    score: float
    url: str
    apply_url: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def is_bundle(self) -> bool:
        return self.kind == BUNDLE

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "score": round(self.score, 3)}


@dataclass(frozen=True)
class SearchOutcome:
    """A search page's content: the results, bundles the citizen may be looking for, and the
    everyday phrases the query was understood by."""

    query: str
    results: list[SearchResult]
    suggestions: list[SearchResult]
    understood: list[Synonym]


def guide_url(kind: str, code: str) -> str:
    return reverse(f"guide:{kind}", args=[code])  # guide:item, guide:bundle


def apply_url(url: str) -> str:
    """Sign in as a citizen, then come back to `url`."""
    return f"{reverse('org:citizen-sign-in')}?next={quote(url, safe='/')}"


def item_apply_url(code: str) -> str:
    """The 在线申请 button of an item: its online application (cases-portal:apply), which
    sends an anonymous visitor to the citizen sign-in and back."""
    return reverse("cases-portal:apply", args=[code])


# -- the per-process index and its fingerprint --------------------------------------------------


def catalogue_fingerprint() -> tuple[Any, ...]:
    """What the index depends on: the catalogue generation token (catalog.generation, one
    primary-key read), which database triggers change with every publication, suspension,
    withdrawal, resumption, bundle, synonym or department change — and not with draft work.
    Without the generation table (a database not migrated since), the aggregate below."""
    token = generation.current()
    if token is not None:
        return ("generation", token)
    return aggregate_fingerprint()


def aggregate_fingerprint() -> tuple[Any, ...]:
    """One query over what the index depends on. Count and sum of the current version ids of
    published active items identify the published set (a publication changes a version id;
    a suspension, withdrawal or resumption changes the set); the same for bundles and bundle
    members; count and latest change of the synonyms. The latest publication time adds a
    guard against ids reused after a rollback (tests)."""
    q = connection.ops.quote_name
    item = q(ServiceItem._meta.db_table)
    bundle = q(Bundle._meta.db_table)
    version = q(ServiceItemVersion._meta.db_table)
    member = q(BundleStageItem._meta.db_table)
    synonym = q(SearchSynonym._meta.db_table)
    published_item = f"FROM {item} WHERE status = %s AND published_version_id IS NOT NULL"
    published_bundle = f"FROM {bundle} WHERE status = %s"
    # Table names come from the models' metadata, quoted; values are parameters.
    sql = (
        f"SELECT (SELECT COUNT(*) {published_item}),"  # noqa: S608
        f" (SELECT SUM(published_version_id) {published_item}),"
        f" (SELECT MAX(published_at) FROM {version} WHERE status = %s),"
        f" (SELECT COUNT(*) {published_bundle}),"
        f" (SELECT SUM(id) {published_bundle}),"
        f" (SELECT MAX(published_at) {published_bundle}),"
        f" (SELECT COUNT(*) FROM {member}),"
        f" (SELECT MAX(id) FROM {member}),"
        f" (SELECT COUNT(*) FROM {synonym}),"
        f" (SELECT MAX(updated_at) FROM {synonym})"
    )
    # Plain strings: psycopg would send an Enum member's name, not its value.
    active, published = str(ItemStatus.ACTIVE.value), str(VersionStatus.PUBLISHED.value)
    params = [active, active, published] + [str(BundleStatus.PUBLISHED.value)] * 3
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(str(v) if v is not None else None for v in row)


@dataclass
class _Cached:
    fingerprint: tuple[Any, ...]
    index: SearchIndex
    built_at: float
    build_seconds: float


_lock = threading.Lock()
_cached: _Cached | None = None


def build_index(
    records: Iterable[IndexRecord], synonyms: Iterable[Synonym] | None = None
) -> SearchIndex:
    """An index over the given records (the catalogue's, or generated ones in the benchmark)."""
    return SearchIndex.build(
        list(records), list(active_synonyms() if synonyms is None else synonyms)
    )


def current_index() -> SearchIndex:
    """This process's index, rebuilt first if the catalogue or the synonyms changed."""
    global _cached
    fingerprint = catalogue_fingerprint()
    cached = _cached
    if cached is not None and cached.fingerprint == fingerprint:
        return cached.index
    if not _lock.acquire(blocking=cached is None):
        # Another thread is rebuilding: answer from the previous index meanwhile.
        return cached.index  # type: ignore[union-attr]
    try:
        cached = _cached
        if cached is not None and cached.fingerprint == fingerprint:
            return cached.index
        started = time.perf_counter()
        # Records are read after the fingerprint: a change in between only causes one more
        # rebuild on the next search, never a stale index.
        index = build_index(catalogue_records())
        _cached = _Cached(fingerprint, index, time.time(), time.perf_counter() - started)
        return index
    finally:
        _lock.release()


def forget_index() -> None:
    """Drop this process's index (tests; the fingerprint makes this unnecessary otherwise)."""
    global _cached
    with _lock:
        _cached = None


# -- searching ----------------------------------------------------------------------------------


def _result(index: SearchIndex, hit: Hit) -> SearchResult:
    record = index.records[hit.index]
    url = guide_url(record.kind, record.code)
    return SearchResult(
        kind=record.kind,
        code=record.code,
        name=record.name,
        department=record.department,
        visits=record.visits,
        fully_online=record.fully_online,
        score=hit.score,
        url=url,
        apply_url=item_apply_url(record.code) if record.kind == ITEM else apply_url(url),
    )


def clean_query(query: str) -> str:
    return " ".join((query or "").split())[:MAX_QUERY_LENGTH]


def search(query: str, *, limit: int = 10) -> list[SearchResult]:
    """Items and bundles for an everyday description of a need, best first."""
    query = clean_query(query)
    if not normalise(query):
        return []
    index = current_index()
    return [_result(index, hit) for hit in index.search(query, limit=limit)]


def guided_search(query: str, *, limit: int = 10, suggestions: int = 3) -> SearchOutcome:
    """`search`, plus the bundles (一件事) that contain the best items but did not make the top
    of the list themselves (“您是不是要找”)."""
    query = clean_query(query)
    if not normalise(query):
        return SearchOutcome(query, [], [], [])
    index = current_index()
    hits = index.search(query, limit=limit)
    results = [_result(index, hit) for hit in hits]
    shown = {(r.kind, r.code) for r in results[:3]}
    suggested: list[SearchResult] = []
    for result in results[:5]:
        for row in index.bundles_containing(result.kind, result.code):
            record = index.records[row]
            if (record.kind, record.code) in shown or len(suggested) >= suggestions:
                continue
            shown.add((record.kind, record.code))
            suggested.append(_result(index, Hit(row, 0.0)))
    matched = index.parse(query).matched
    # Shown to the citizen: a phrase inside a longer matched one (饭店 in 开饭店) adds nothing.
    understood = [s for s in matched if not any(s.phrase in o.phrase != s.phrase for o in matched)]
    return SearchOutcome(query, results, suggested, understood)
