"""The guided search's shipped thesaurus: synonym sets of the Chinese Open Wordnet (COW, Francis
Bond and Shan Wang; licence and disclaimer in data/COW-LICENSE.txt, which must travel with the
table), derived by scripts/build-thesaurus into data/thesaurus_cow.tsv.

Read from the package at index build, never fetched. The index keeps only the sets holding a
word of the catalogue or whose hypernyms (broader sets) hold one, so a word the catalogue does
not use can stand for one it does (弄坏 → 损坏 by synonym, 旅社 → 旅馆 by hypernym).
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
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


# The first word of a sense taken from a verb gloss ("to fish"): a marker, not a gloss word.
VERB = "to"


@dataclass(frozen=True)
class Cedict:
    """The colloquial thesaurus derived from CC-CEDICT (CC BY-SA 4.0, data/CEDICT-LICENSE.txt
    and CEDICT-NOTICE.txt): each word's senses as the content words of its English glosses,
    and the words a gloss refers it to (医保 → 医疗保险). Kept as the file's raw lines (about
    86,000 words) and parsed per word on demand, so a process holds a few MB, not a parsed
    table."""

    lines: dict[str, str]
    # Each gloss word's weight: rarer among all senses weighs more (shop ≫ to).
    weight: dict[str, float]

    def senses(self, word: str) -> tuple[tuple[str, ...], ...]:
        line = self.lines.get(word)
        if not line:
            return ()
        senses = line.split("\t", 1)[0]
        return tuple(tuple(s.split()) for s in senses.split("|") if s)

    def refers(self, word: str) -> tuple[str, ...]:
        line = self.lines.get(word)
        if not line or "\t" not in line:
            return ()
        return tuple(line.split("\t", 1)[1].split())


@cache
def cedict() -> Cedict:
    """Read data/thesaurus_cedict.tsv.gz (built by scripts/build-cedict-thesaurus) once per
    process; nothing is fetched."""
    path = resources.files("yiwang.catalog").joinpath("data/thesaurus_cedict.tsv.gz")
    lines: dict[str, str] = {}
    counts: dict[str, int] = {}
    total = 0
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            word, _, rest = line.rstrip("\n").partition("\t")
            lines[word] = rest
            for sense in rest.split("\t", 1)[0].split("|"):
                if sense:
                    total += 1
                    for token in set(sense.split()) - {VERB}:
                        counts[token] = counts.get(token, 0) + 1
    weight = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in counts.items()}
    return Cedict(lines=lines, weight=weight)


# The English broader words (data/hypernyms_oewn.tsv.gz) the search may step to: at most this
# many steps up, and none that stands above more than this many words of the table within those
# steps (food, above 432 words, is kept; activity, artifact, event, worker are too general to
# say what a need is).
HYPERNYM_MAX_DEPTH = 4
HYPERNYM_MAX_BELOW = 500


@cache
def hypernyms() -> dict[str, dict[str, int]]:
    """Each English noun's broader one-word lemmas in the Open English WordNet (CC BY 4.0,
    data/OEWN-LICENSE.txt, THESAURUS-NOTICE.txt), stemmed like the CC-CEDICT gloss words, with
    their distance (hotpot → stew 1, dish 2, food 4); built by scripts/build-hypernym-table,
    read once per process, never fetched. Kept to HYPERNYM_MAX_DEPTH steps and to words no
    more general than HYPERNYM_MAX_BELOW."""
    path = resources.files("yiwang.catalog").joinpath("data/hypernyms_oewn.tsv.gz")
    table: dict[str, list[tuple[str, int]]] = {}
    below: dict[str, int] = {}
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            word, _, rest = line.rstrip("\n").partition("\t")
            found = []
            for pair in rest.split():
                above, _, depth = pair.rpartition(":")
                if int(depth) <= HYPERNYM_MAX_DEPTH:
                    found.append((above, int(depth)))
                    below[above] = below.get(above, 0) + 1
            table[word] = found
    return {
        word: {above: depth for above, depth in found if below[above] <= HYPERNYM_MAX_BELOW}
        for word, found in table.items()
    }
