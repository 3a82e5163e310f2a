"""The guided-search quality gates on the demo catalogue, recall@1 and recall@3 (a query is found
at k when an acceptable result is among the first k):

- the development sets (search_queries: QUERIES, HELD_OUT — read while tuning, so development
  data now — DEV_EXTRA, DEV_COLLOQUIAL and DEV_EVERYDAY): QUERIES' recall@3 must stay ≥ 0.9, and
  DEV_COLLOQUIAL's everyday words keep the figures the CC-CEDICT layer gives them (ADR 0013);
- the held-out set (search_queries_held_out.HELD_OUT_NEW, never used for tuning): its recall
  and its count of queries finding nothing must stay at the figures docs/search.md reports,
  less a margin of two or three queries;
- precise queries stay precise: queries naming no need of the catalogue find nothing.

Run with -s to see the figures (they are quoted in docs/search.md)."""

from __future__ import annotations

import pytest

from tests.catalog.search_queries import (
    DEV_COLLOQUIAL,
    DEV_EVERYDAY,
    DEV_EXTRA,
    HELD_OUT,
    QUERIES,
    demo_catalogue,
    resolve,
)
from tests.catalog.search_queries_held_out import HELD_OUT_FIRST, HELD_OUT_NEW
from tests.catalog.search_queries_held_out_2 import HELD_OUT_2
from tests.catalog.search_queries_held_out_3 import HELD_OUT_3
from tests.catalog.search_queries_held_out_4 import HELD_OUT_4
from tests.catalog.search_queries_held_out_5 import HELD_OUT_5
from yiwang.catalog.search import query as search

__all__ = ["demo_catalogue"]

pytestmark = pytest.mark.usefixtures("demo_catalogue")

MIN_RECALL_AT_3 = 0.9
# DEV_COLLOQUIAL's figures with the CC-CEDICT layer (ADR 0013: 38 found first, 13 with no
# result of 92), less a margin; without the layer 33 and 24, so both gates fail without it.
COLLOQUIAL_MIN_AT_1 = 35
COLLOQUIAL_MAX_EMPTY = 16
# With the life-situation table (docs/search.md, third round): DEV_COLLOQUIAL 75 / 85 / 1,
# DEV_EVERYDAY 70 / 85 / 1 (without the table 46 / 58 / 2; 64 / 77 / 1 when first measured,
# before the table took its misses' words), less a margin; both fail without the table.
SITUATIONS_COLLOQUIAL_MIN_AT_3 = 80
EVERYDAY_MIN_AT_1 = 65
EVERYDAY_MIN_AT_3 = 81
EVERYDAY_MAX_EMPTY = 3
# The held-out figures docs/search.md reports, less a margin: with the Chinese Open Wordnet
# (ADR 0012) 99, 121 and 9 of 153 (before it 95, 118 and 10, so the first gate fails without
# it; before the character fallback 85, 113–114 and 11–12); with CC-CEDICT (ADR 0013) 96–97,
# 121 and 6 (the first gate is kept, never lowered; the last tightened from 10); with the
# life-situation table (third round, measured once after it was frozen) 139, 149 and 0.
HELD_OUT_MIN_AT_1 = 139
HELD_OUT_MIN_AT_3 = 147
HELD_OUT_MAX_EMPTY = 1
# The second held-out set (search_queries_held_out_2, written and measured before the second
# round of issue 7 §4, never used for tuning): the figures docs/search.md reports, less a margin
# (87 / 111 / 3 before the life-situation table, 121 / 133 / 0 with it, measured once after it
# was frozen; without it the gates fail; 126 / 136 / 0 after the fourth round, measured once).
HELD_OUT_2_MIN_AT_1 = 129
HELD_OUT_2_MIN_AT_3 = 134
HELD_OUT_2_MAX_EMPTY = 1
# The third held-out set (HELD_OUT_3, 145), written before the round that moved the life
# situations into the item model; measured once at the end of that round (docs/search.md). The
# floors sit just below that measurement (122 / 136 / 0), so that a later change cannot
# lower it unnoticed.
HELD_OUT_3_MIN_AT_1 = 126
HELD_OUT_3_MIN_AT_3 = 137
HELD_OUT_3_MAX_EMPTY = 1
# The fourth held-out set (HELD_OUT_4, 168), written before the fourth round of issue 7 §4 and
# committed with its baseline (134 / 156 / 1, the search of 2c0a64a); measured once more at the
# end of that round (141 / 156 / 1, docs/search.md). Floors: the figures less a margin (the
# first fails with the search as it was before the round).
HELD_OUT_4_MIN_AT_1 = 149
HELD_OUT_4_MIN_AT_3 = 159
HELD_OUT_4_MAX_EMPTY = 1
# The fifth held-out set (HELD_OUT_5, 227 after the queries already in other sets were taken
# out), written before the fifth round of issue 7 §4 and committed with its baseline, measured
# once with the search of caee885: 195 / 213 / 0; at the end of the fifth round (the richer
# 生活场景 of every demo item), 214 / 222 / 0 (docs/search.md). Floors: the figures less a
# margin; every held-out floor was raised with that round (the first fails without it).
HELD_OUT_5_MIN_AT_1 = 211
HELD_OUT_5_MIN_AT_3 = 219
HELD_OUT_5_MAX_EMPTY = 1
# Queries that name no need the catalogue meets: the fallback must not find noise for them.
UNRELATED = [
    "天气预报",
    "股票行情",
    "明天下雨吗",
    "电影票",
    "今天吃什么",
    "打游戏",
    "足球比赛",
    "手机充值",
    "谈恋爱",
    "买彩票",
    "怎么办",
]


def recall(queries: list[tuple[str, set[str]]]) -> tuple[int, int, int, list[str]]:
    """(found first, found in the first three, found nothing, queries missed at 3)."""
    index = search.current_index()
    at1 = at3 = empty = 0
    missed = []
    for query, names in queries:
        expected = resolve(index, names)
        found = [(r.kind, r.code) for r in search.search(query, limit=3)]
        empty += not found
        at1 += bool(found[:1]) and found[0] in expected
        if expected & set(found):
            at3 += 1
        else:
            missed.append(query)
    return at1, at3, empty, missed


def line(label: str, queries: list[tuple[str, set[str]]], figures: tuple[int, ...]) -> str:
    """The figures of `recall(queries)` as docs/search.md quotes them."""
    at1, at3, empty = figures[:3]
    n = len(queries)
    return (
        f"{label} {n} 条：recall@1 = {at1 / n:.2f}，recall@3 = {at3 / n:.2f}，无结果 {empty} 条"
        f"（{at1} / {at3} / {empty}）"
    )


def test_query_sets_are_large_colloquial_and_apart(db):
    index = search.current_index()
    catalogue_names = {r.name for r in index.records}
    development = [q for q, _ in QUERIES + HELD_OUT + DEV_EXTRA + DEV_COLLOQUIAL + DEV_EVERYDAY]
    held_out = [q for q, _ in HELD_OUT_NEW + HELD_OUT_2 + HELD_OUT_3 + HELD_OUT_4 + HELD_OUT_5]
    assert len(QUERIES) >= 60
    assert len(DEV_COLLOQUIAL) >= 60
    assert len(DEV_EVERYDAY) >= 60
    assert len(HELD_OUT_NEW) >= 100
    assert len(HELD_OUT_2) >= 100
    assert len(HELD_OUT_3) >= 100
    assert len(HELD_OUT_4) >= 120
    assert len(HELD_OUT_5) >= 200
    assert len(set(development + held_out)) == len(development) + len(held_out)
    # Not copies of item names: no query contains a whole name of the catalogue.
    queries = development + held_out
    assert [q for q in queries if any(name in q for name in catalogue_names)] == []
    sets = (
        QUERIES
        + HELD_OUT
        + DEV_EXTRA
        + DEV_COLLOQUIAL
        + DEV_EVERYDAY
        + HELD_OUT_NEW
        + HELD_OUT_2
        + HELD_OUT_3
        + HELD_OUT_4
        + HELD_OUT_5
    )
    for _, names in sets:
        resolve(index, names)


def test_recall_on_the_development_sets(db):
    sets = {
        "QUERIES": QUERIES,
        "HELD_OUT": HELD_OUT,
        "DEV_EXTRA": DEV_EXTRA,
        "DEV_COLLOQUIAL": DEV_COLLOQUIAL,
    }
    figures = {label: recall(queries) for label, queries in sets.items()}
    for label, queries in sets.items():
        print(f"\n{line(f'开发集 {label}', queries, figures[label])}")
    _, at3, _, missed = figures["QUERIES"]
    assert at3 / len(QUERIES) >= MIN_RECALL_AT_3, f"recall@3 {at3}; missed: {missed}"
    colloquial_at1, colloquial_at3, colloquial_empty, _ = figures["DEV_COLLOQUIAL"]
    assert colloquial_at1 >= COLLOQUIAL_MIN_AT_1
    assert colloquial_empty <= COLLOQUIAL_MAX_EMPTY
    assert colloquial_at3 >= SITUATIONS_COLLOQUIAL_MIN_AT_3


def test_recall_on_the_everyday_development_set(db):
    figures = recall(DEV_EVERYDAY)
    at1, at3, empty, missed = figures
    print(f"\n{line('开发集 DEV_EVERYDAY', DEV_EVERYDAY, figures)}")
    assert at1 >= EVERYDAY_MIN_AT_1
    assert at3 >= EVERYDAY_MIN_AT_3, f"missed: {missed}"
    assert empty <= EVERYDAY_MAX_EMPTY


# Each held-out set with its floors (found first, found in three, most queries finding nothing).
HELD_OUT_SETS = [
    ("HELD_OUT_NEW", HELD_OUT_NEW, HELD_OUT_MIN_AT_1, HELD_OUT_MIN_AT_3, HELD_OUT_MAX_EMPTY),
    ("HELD_OUT_2", HELD_OUT_2, HELD_OUT_2_MIN_AT_1, HELD_OUT_2_MIN_AT_3, HELD_OUT_2_MAX_EMPTY),
    ("HELD_OUT_3", HELD_OUT_3, HELD_OUT_3_MIN_AT_1, HELD_OUT_3_MIN_AT_3, HELD_OUT_3_MAX_EMPTY),
    ("HELD_OUT_4", HELD_OUT_4, HELD_OUT_4_MIN_AT_1, HELD_OUT_4_MIN_AT_3, HELD_OUT_4_MAX_EMPTY),
    ("HELD_OUT_5", HELD_OUT_5, HELD_OUT_5_MIN_AT_1, HELD_OUT_5_MIN_AT_3, HELD_OUT_5_MAX_EMPTY),
]


@pytest.mark.parametrize(
    ("label", "queries", "min_at_1", "min_at_3", "max_empty"),
    HELD_OUT_SETS,
    ids=[label for label, *_ in HELD_OUT_SETS],
)
def test_recall_on_a_held_out_set(db, label, queries, min_at_1, min_at_3, max_empty):
    figures = recall(queries)
    at1, at3, empty, _ = figures
    print(f"\n{line(f'留出集 {label}', queries, figures)}")
    assert at1 >= min_at_1
    assert at3 >= min_at_3
    assert empty <= max_empty


@pytest.mark.parametrize(("query", "name"), HELD_OUT_FIRST)
def test_held_out_query_finds_its_item_first(db, query, name):
    assert search.search(query)[0].name == name


@pytest.mark.parametrize("query", UNRELATED)
def test_query_naming_no_catalogue_need_finds_nothing(db, query):
    assert search.search(query) == []
