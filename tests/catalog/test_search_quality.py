"""The guided-search quality gate: recall@1 and recall@3 of the everyday test set
(search_queries.QUERIES) on the demo catalogue. recall@3 must stay ≥ 0.9. The held-out set is
reported alongside. Run with -s to see the figures (they are quoted in docs/search.md)."""

from __future__ import annotations

import pytest

from tests.catalog.search_queries import HELD_OUT, QUERIES, demo_catalogue, resolve
from yiwang.catalog.search import query as search

__all__ = ["demo_catalogue"]

pytestmark = pytest.mark.usefixtures("demo_catalogue")

MIN_RECALL_AT_3 = 0.9


def recall(queries: list[tuple[str, set[str]]]) -> tuple[float, float, list[str]]:
    """(recall@1, recall@3, queries missed at 3)."""
    index = search.current_index()
    at1 = at3 = 0
    missed = []
    for query, names in queries:
        expected = resolve(index, names)
        found = [(r.kind, r.code) for r in search.search(query, limit=3)]
        at1 += bool(found[:1]) and found[0] in expected
        if expected & set(found):
            at3 += 1
        else:
            missed.append(query)
    return at1 / len(queries), at3 / len(queries), missed


def test_test_set_is_large_and_colloquial(db):
    index = search.current_index()
    catalogue_names = {r.name for r in index.records}
    queries = [q for q, _ in QUERIES + HELD_OUT]
    assert len(QUERIES) >= 60
    assert len(set(queries)) == len(queries)
    # Not copies of item names: no query contains a whole name of the catalogue.
    assert [q for q in queries if any(name in q for name in catalogue_names)] == []


def test_recall_on_everyday_queries(db):
    at1, at3, missed = recall(QUERIES)
    held_at1, held_at3, held_missed = recall(HELD_OUT)
    print(
        f"\n测试集 {len(QUERIES)} 条：recall@1 = {at1:.2f}，recall@3 = {at3:.2f}"
        f"\n留出集 {len(HELD_OUT)} 条：recall@1 = {held_at1:.2f}，recall@3 = {held_at3:.2f}"
        f"\n留出集前三未命中：{'、'.join(held_missed)}"
    )
    assert at3 >= MIN_RECALL_AT_3, f"recall@3 {at3:.2f} < {MIN_RECALL_AT_3}; missed: {missed}"
