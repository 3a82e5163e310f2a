"""The guided-search index: BM25 (bm25s) over jieba tokens, one BM25 index per field combined
with field weights, a query expanded by the synonym dictionary, and a pinyin fallback.

It is built from plain `IndexRecord` values, so the benchmark can build a 10,000-item index from
generated records through exactly the code the site uses (see search.py for the database side).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from yiwang.catalog.search import text
from yiwang.catalog.search.synonyms import Synonym

logger = logging.getLogger(__name__)

ITEM = "item"
BUNDLE = "bundle"

# How much a match in each field counts. The name says what the item is; a bundle's member
# items say what it covers; materials and the other elements only help to break ties.
FIELD_WEIGHTS: dict[str, float] = {
    "name": 3.0,
    "members": 1.2,
    "departments": 0.6,
    "materials": 0.5,
    "elements": 0.3,
}
# Words the user typed count fully; words a synonym added count a little less, so that a
# catalogue word the user typed themself outranks one we guessed.
TYPED_WEIGHT = 1.0
EXPANSION_WEIGHT = 0.9
# Typed words that a synonym phrase explains (开 and 饭店 in 开饭店) count for less: the
# dictionary says better what they mean.
COVERED_WEIGHT = 0.5
# A lone character (领, 查, 开) is a weak clue in Chinese.
SINGLE_CHARACTER_WEIGHT = 0.3
# Names with one of these words are a follow-up to an earlier application. When the query asks
# for none of them (办社保卡, 办个体户营业执照) the first application is what is meant, so these
# rank a little lower.
FOLLOW_UP_ACTIONS = ("挂失", "补领", "遗失", "注销", "变更", "延续", "换领", "换证")
FOLLOW_UP_FACTOR = 0.8
# Results scoring below this share of the best score are noise (a stray shared word).
RELATIVE_CUTOFF = 0.2


@dataclass(frozen=True)
class IndexRecord:
    """One searchable item or bundle, as plain values."""

    kind: str
    code: str
    name: str
    department: str
    visits: int
    fully_online: bool
    department_short: str = ""
    region: str = ""
    elements: str = ""
    materials: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    member_codes: tuple[str, ...] = ()
    member_departments: tuple[str, ...] = ()

    def field_parts(self, name: str) -> Sequence[str]:
        """The texts of one searchable field (kept apart so each is tokenised once per build,
        however many items share it)."""
        if name == "name":
            return (self.name,)
        if name == "members":
            return self.members
        if name == "departments":
            names = [self.department, self.department_short, self.region, *self.member_departments]
            return tuple(dict.fromkeys(filter(None, names)))
        if name == "materials":
            return self.materials
        return (self.elements,)


@dataclass(frozen=True)
class ParsedQuery:
    """What the query became: its words, the synonyms it matched and the weighted tokens."""

    text: str
    matched: tuple[Synonym, ...]
    weights: dict[str, float]
    latin: bool


@dataclass(frozen=True)
class Hit:
    index: int
    score: float


@dataclass
class SearchIndex:
    """An immutable-after-build index over records; safe to share between threads."""

    records: list[IndexRecord]
    synonyms: list[Synonym]
    fields: dict[str, object] = field(default_factory=dict)
    # Pinyin keys per distinct name (claims share names), and the rows bearing each name.
    names: list[str] = field(default_factory=list)
    name_rows: list[np.ndarray] = field(default_factory=list)
    pinyin_full: list[str] = field(default_factory=list)
    pinyin_initials: list[str] = field(default_factory=list)
    name_boundaries: list[frozenset[int]] = field(default_factory=list)
    name_follow_up: list[bool] = field(default_factory=list)
    # Tie-break keys per row: bundles first, then fewer visits, then code.
    is_item: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    visits: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    code_rank: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    bundle_rows: list[int] = field(default_factory=list)
    follow_up: dict[str, np.ndarray] = field(default_factory=dict)
    synonym_pinyin: dict[str, str] = field(default_factory=dict)
    # Pinyin keys are made on the first Latin query: pypinyin's dictionaries take ~57 MB and a
    # worker that never sees a pinyin query never loads them.
    _pinyin_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _pinyin_ready: bool = False
    # Each synonym's expansion words, already tokenised: [word][group][token].
    expansion_groups: dict[str, list[list[list[str]]]] = field(default_factory=dict)
    rows_by_code: dict[tuple[str, str], int] = field(default_factory=dict)

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def build(cls, records: Sequence[IndexRecord], synonyms: Sequence[Synonym]) -> SearchIndex:
        import bm25s

        # bm25s logs every index build at DEBUG level on its own logger.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        text.add_words(_catalogue_words(records, synonyms))
        index = cls(
            records=list(records),
            synonyms=sorted(synonyms, key=lambda s: len(s.phrase), reverse=True),
        )
        # Claims of one base item repeat the same names, materials and conditions: each distinct
        # text is tokenised once.
        token_cache: dict[str, list[str]] = {}

        def tokens_of(value: str) -> list[str]:
            found = token_cache.get(value)
            if found is None:
                found = token_cache[value] = text.text_tokens(value)
            return found

        for name in FIELD_WEIGHTS:
            corpus = [[t for part in r.field_parts(name) for t in tokens_of(part)] for r in records]
            if any(corpus):
                bm = bm25s.BM25()
                bm.index(corpus, show_progress=False)
                index.fields[name] = bm
        for action in FOLLOW_UP_ACTIONS:
            rows = [row for row, r in enumerate(records) if action in r.name]
            if rows:
                index.follow_up[action] = np.array(rows, dtype=np.int64)
        rows_by_name: dict[str, list[int]] = {}
        for row, record in enumerate(records):
            rows_by_name.setdefault(record.name, []).append(row)
            index.rows_by_code[(record.kind, record.code)] = row
            if record.kind == BUNDLE:
                index.bundle_rows.append(row)
        for name, rows in rows_by_name.items():
            compact = text.normalise(name).replace(" ", "")
            index.names.append(name)
            index.name_rows.append(np.array(rows, dtype=np.int64))
            index.name_boundaries.append(frozenset(text.fine_boundaries(text.words(compact))))
            index.name_follow_up.append(any(a in name for a in FOLLOW_UP_ACTIONS))
        index.is_item = np.array([r.kind != BUNDLE for r in records], dtype=np.int8)
        index.visits = np.array([r.visits for r in records], dtype=np.int32)
        index.code_rank = np.argsort(
            np.argsort(np.array([r.code for r in records], dtype=object), kind="stable"),
            kind="stable",
        ).astype(np.int32)
        for synonym in index.synonyms:
            index.expansion_groups[synonym.phrase] = [
                text.word_groups(word) for word in synonym.expansions
            ]
        return index

    # -- querying ------------------------------------------------------------------------------

    def parse(self, query: str) -> ParsedQuery:
        normal = text.normalise(query)
        matched, covered = self._match_synonyms(normal)
        weights: dict[str, float] = {}

        def add(groups: list[list[str]], weight: float) -> None:
            for group in groups:
                # Each word counts once whatever its length: its share is split among the
                # tokens it is searched by (个体工商户 → 个体, 工商, 商户, 工商户, 个体工商户).
                word_weight = weight * (COVERED_WEIGHT if group[-1] in covered else 1.0)
                if len(group[-1]) == 1:
                    word_weight *= SINGLE_CHARACTER_WEIGHT
                share = word_weight / len(group)
                for token in group:
                    weights[token] = max(weights.get(token, 0.0), share)

        add(text.word_groups(text.strip_stop_phrases(normal)), TYPED_WEIGHT)
        for synonym in matched:
            # The words of one synonym are alternatives or facets of one need: together they
            # weigh about as much as one typed word, so 丢了 → 补领 挂失 遗失 cannot outweigh
            # the 身份证 the citizen typed.
            share = EXPANSION_WEIGHT / math.sqrt(len(synonym.expansions))
            for groups in self.expansion_groups[synonym.phrase]:
                add(groups, share / max(len(groups), 1))
        return ParsedQuery(normal, matched, weights, text.is_latin_query(normal))

    def _match_synonyms(self, normal: str) -> tuple[tuple[Synonym, ...], set[str]]:
        """Synonym phrases found in the query on word boundaries (so 卖烟 does not match
        卖烟花爆竹), in the words as typed and with filler words left out (注册一家公司 matches
        注册公司). Returns the synonyms and the typed words they cover whole (租房 inside 租房合同
        still expands, but leaves the typed word its full weight)."""
        words = text.words(normal)
        content = [w for w in words if w not in text.STOP_TOKENS and w not in text.STOP_WORDS]
        matched: dict[str, Synonym] = {}
        covered: set[str] = set()
        for sequence in (words, content):
            joined = "".join(sequence)
            spans = text.word_spans(sequence)
            boundaries = text.fine_boundaries(sequence)
            for synonym in self.synonyms:
                at = joined.find(synonym.phrase)
                while at != -1:
                    stop = at + len(synonym.phrase)
                    if at in boundaries and stop in boundaries:
                        matched.setdefault(synonym.phrase, synonym)
                        covered.update(w for w, (a, b) in spans if a >= at and b <= stop)
                        break
                    at = joined.find(synonym.phrase, at + 1)
        return tuple(s for s in self.synonyms if s.phrase in matched), covered

    def search(self, query: str, *, limit: int = 10) -> list[Hit]:
        if not self.records or limit <= 0:
            return []
        parsed = self.parse(query)
        if parsed.latin and not parsed.matched:
            self._make_pinyin_keys()
            hits = self._pinyin_hits(parsed.text, limit)
            if hits:
                return hits
            # Pinyin of an everyday phrase (shebaoka → 社保卡) searches as that phrase.
            phrase = self.synonym_pinyin.get(parsed.text.replace(" ", "").replace("'", ""))
            if phrase:
                return self._bm25_hits(self.parse(phrase), limit)
        return self._bm25_hits(parsed, limit)

    def _bm25_hits(self, parsed: ParsedQuery, limit: int) -> list[Hit]:
        if not parsed.weights:
            return []
        scores = np.zeros(len(self.records), dtype=np.float32)
        for name, bm in self.fields.items():
            field_weight = FIELD_WEIGHTS[name]
            # bm25s keeps each token's precomputed BM25 scores as a sparse column (documents
            # and scores); adding the weighted columns straight into one array avoids a
            # full-size array per token.
            matrix = bm.scores  # type: ignore[attr-defined]
            vocab = bm.vocab_dict  # type: ignore[attr-defined]
            data, indices, indptr = matrix["data"], matrix["indices"], matrix["indptr"]
            for token, weight in parsed.weights.items():
                column = vocab.get(token)
                if column is None:
                    continue
                start, end = indptr[column], indptr[column + 1]
                # A document appears once per column, so fancy-index += is exact.
                scores[indices[start:end]] += (field_weight * weight) * data[start:end]
        asked = "".join(parsed.weights)
        for action, rows in self.follow_up.items():
            if action not in asked:
                scores[rows] *= FOLLOW_UP_FACTOR
        return self._rank(scores, limit, RELATIVE_CUTOFF)

    def _rank(self, scores: np.ndarray, limit: int, cutoff: float) -> list[Hit]:
        """Rows by score, best first; below `cutoff` × the best score left out. Ties: bundles
        before items (a life event covers more), then the fewest visits, then the code, so that
        the order is stable."""
        best = float(scores.max()) if len(scores) else 0.0
        if best <= 0:
            return []
        candidates = np.flatnonzero(scores >= best * cutoff)
        rounded = np.round(scores[candidates], 4)
        order = np.lexsort(
            (
                self.code_rank[candidates],
                self.visits[candidates],
                self.is_item[candidates],
                -rounded,
            )
        )[:limit]
        return [Hit(int(candidates[i]), float(scores[candidates[i]])) for i in order]

    def _make_pinyin_keys(self) -> None:
        if self._pinyin_ready:
            return
        with self._pinyin_lock:
            if self._pinyin_ready:
                return
            keys = [text.pinyin_keys(name) for name in self.names]
            self.pinyin_full = [full for full, _ in keys]
            self.pinyin_initials = [initials for _, initials in keys]
            for synonym in self.synonyms:
                full, _ = text.pinyin_keys(synonym.phrase)
                if full != synonym.phrase:
                    self.synonym_pinyin.setdefault(full, synonym.phrase)
            self._pinyin_ready = True

    def _pinyin_hits(self, query: str, limit: int) -> list[Hit]:
        """Names whose pinyin contains the query: full pinyin ("shenfenzheng") scores above
        initials ("sfz"); several words must all match."""
        parts = [p.replace("'", "") for p in query.split() if p.replace("'", "")]
        if not parts:
            return []
        joined = "".join(parts)
        scores = np.zeros(len(self.records), dtype=np.float32)
        for n, (full, initials) in enumerate(
            zip(self.pinyin_full, self.pinyin_initials, strict=True)
        ):
            score = 0.0
            if joined in full:
                score = 2.0 + len(joined) / len(full)
            elif len(joined) >= 2 and joined in initials:
                # Initials count fully when they spell whole words of the name (sfz → 身份证 in
                # 居民身份证补领), less when they straddle words (二手房转移: esfz).
                boundaries = self.name_boundaries[n]
                aligned = any(
                    at in boundaries and at + len(joined) in boundaries
                    for at in _occurrences(initials, joined)
                )
                score = (1.0 if aligned else 0.4) + len(joined) / len(initials)
            elif len(parts) > 1 and all(p in full or p in initials for p in parts):
                score = 0.5 + sum(len(p) for p in parts) / (len(full) + 1)
            if score:
                if self.name_follow_up[n]:
                    score *= FOLLOW_UP_FACTOR
                scores[self.name_rows[n]] = score
        return self._rank(scores, limit, 0.0)

    # -- related bundles -----------------------------------------------------------------------

    def bundles_containing(self, kind: str, code: str) -> list[int]:
        if kind != ITEM:
            return []
        return [row for row in self.bundle_rows if code in self.records[row].member_codes]

    def memory_bytes(self) -> int:
        """Rough size of the numeric index arrays (the records and jieba come on top)."""
        total = sum(a.nbytes for a in (self.is_item, self.visits, self.code_rank))
        for bm in self.fields.values():
            scores = getattr(bm, "scores", {})
            for key in ("data", "indices", "indptr"):
                array = scores.get(key)
                if array is not None:
                    total += int(array.nbytes)
        return total


def _occurrences(haystack: str, needle: str) -> list[int]:
    found, at = [], haystack.find(needle)
    while at != -1:
        found.append(at)
        at = haystack.find(needle, at + 1)
    return found


def _catalogue_words(records: Sequence[IndexRecord], synonyms: Sequence[Synonym]) -> set[str]:
    """Words jieba should keep whole: synonym targets, short material names, department short
    names and the parts of item names between brackets."""
    words: set[str] = set()
    for synonym in synonyms:
        words.update(synonym.expansions)
    for record in records:
        if record.department_short:
            words.add(record.department_short)
        for material in record.materials:
            if len(material) <= 6:
                words.add(material)
        for part in text.normalise(record.name).split():
            if 2 <= len(part) <= 6:
                words.add(part)
    return words
