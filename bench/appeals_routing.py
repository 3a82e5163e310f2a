"""Dispatch help (派单建议) accuracy: recall@1 and recall@3 of the router on a labelled set of
appeals, built from the demo responsibility lists (src/yiwang/demo/data/responsibilities.csv)
without any ticket history — what a county starts with.

A row is a hit at k when the expected department, or one of its acceptable alternates, is among
the first k suggestions ("strict" counts the expected department only). Also prints the median
and p99 time of a suggestion (warm).

    .venv/bin/python bench/appeals_routing.py                 # the development set
    .venv/bin/python bench/appeals_routing.py --set dev2      # the second development set
    .venv/bin/python bench/appeals_routing.py --set heldout   # only once the router is final
    .venv/bin/python bench/appeals_routing.py --misses        # also list the misses (dev sets)
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")

import django  # noqa: E402

django.setup()

from yiwang.appeals.dispatch.routing import Router  # noqa: E402
from yiwang.demo import county  # noqa: E402
from yiwang.demo.responsibilities import demo_entries  # noqa: E402

SETS = {
    "dev": ROOT / "bench/appeals/routing_dev.tsv",
    "dev2": ROOT / "bench/appeals/routing_dev2.tsv",
    "heldout": ROOT / "bench/appeals/routing_heldout.tsv",
}


def demo_router() -> Router:
    places = [town for town, _ in county.TOWNS]
    for t, (_, villages) in enumerate(county.TOWNS):
        places += county.village_names(t, villages)
    return Router(demo_entries(), places=places)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    with SETS[args.set].open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    router = demo_router()
    known = set(router.names.values())
    hits = {1: 0, 3: 0}
    strict = {1: 0, 3: 0}
    times = []
    unknown = 0
    router.suggest("预热")
    for row in rows:
        expected = row["department"].strip()
        alternates = {a.strip() for a in (row.get("alternates") or "").split("|") if a.strip()}
        if expected not in known:
            unknown += 1
        start = time.perf_counter()
        found = [s.department for s in router.suggest(row["text"], limit=3)]
        times.append((time.perf_counter() - start) * 1000)
        for k in (1, 3):
            top = found[:k]
            if expected in top:
                strict[k] += 1
            if expected in top or alternates & set(top):
                hits[k] += 1
        if args.misses and args.set != "heldout" and expected not in found[:1]:
            print(f"MISS {expected} ← {found} | {row['text']}")
    n = len(rows)
    print(f"set {args.set}: {n} appeals, {len(known)} departments in the lists")
    if unknown:
        print(f"  {unknown} expected departments are not in the lists")
    for k in (1, 3):
        print(f"  recall@{k}: {hits[k] / n:.3f} (strict {strict[k] / n:.3f})")
    times.sort()
    print(
        f"  suggestion time: median {statistics.median(times):.2f} ms, "
        f"p99 {times[int(0.99 * (n - 1))]:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
