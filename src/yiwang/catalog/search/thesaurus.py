"""The guided search's shipped thesaurus: synonym sets of the Chinese Open Wordnet (COW, Francis
Bond and Shan Wang; licence and disclaimer in data/COW-LICENSE.txt, which must travel with the
table), derived by scripts/build-thesaurus into data/thesaurus_cow.tsv.

Read from the package at index build, never fetched. The index keeps only the sets holding a
word of the catalogue or whose hypernyms (broader sets) hold one, so a word the catalogue does
not use can stand for one it does (弄坏 → 损坏 by synonym, 旅社 → 旅馆 by hypernym).
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def synsets() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each synonym set by its Princeton WordNet 3.0 id: its lemmas (2–6 Chinese characters,
    nouns and verbs) and its hypernyms' ids (the broader sets: 旅社 → 旅馆)."""
    path = resources.files("yiwang.catalog").joinpath("data/thesaurus_cow.tsv")
    found: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                found[parts[0]] = (tuple(parts[1].split()), tuple(parts[2].split()))
    return found
