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
# A synonym phrase found with other characters between its parts (开店 in 开便利店) is a weaker
# clue: at most MAX_GAP characters between, its words count GAPPED_WEIGHT of a whole match.
MAX_GAP = 2
GAPPED_WEIGHT = 0.7
# A typed word the catalogue does not use (理发馆) is searched by its nearest catalogue words
# and synonym phrases by shared characters (理发店): up to NEAR_WORDS of them, similar at least
# NEAR_MIN_SIMILARITY, each counting NEAR_WEIGHT × its similarity of a typed word.
NEAR_WORDS = 3
NEAR_MIN_SIMILARITY = 0.6
NEAR_WEIGHT = 0.9
# A result found only by a synonym's words while others match the words typed.
SYNONYM_ONLY_FACTOR = 0.6
# Results scoring below this share of the best score are noise (a stray shared word).
RELATIVE_CUTOFF = 0.2
# The fallback for words the catalogue does not use (早餐店, 演唱会, 住院): characters. How much
# of the query's characters (weighted by how rare each is among the names) a name holds — its
# coverage — lifts the name by up to FALLBACK_BOOST × the best word score, so that among the
# word matches the one whose name says what was asked comes first (身份证丢了: 居民身份证补领,
# not 营业执照遗失补领). When no word matches at all, names covering at least
# FALLBACK_MIN_COVERAGE of the query are the results (开早餐店 → 开办餐饮店一件事), so a
# query made of unknown words (天气预报) still finds nothing.
FALLBACK_BOOST = 0.3
FALLBACK_POWER = 2
FALLBACK_MIN_COVERAGE = 0.5
# Coverage is mostly the share of the query a name holds, a little the share of the name the
# query holds (用电报装 before 低压非居民用电报装 for 装电).
FALLBACK_NAME_SHARE = 0.25
# A query character found only in an item's other elements (its conditions: 损坏 for 坏了,
# 饲养场 for 养鸡场) counts this share of one found in its name.
FALLBACK_ELEMENTS_SHARE = 0.4


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
    # Tokens of typed words no synonym phrase covers: the citizen's own words.
    typed: frozenset[str] = frozenset()


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
    # The character fallback, over distinct (name, elements) texts ("contents": a province's
    # million claims share a few thousand): each row's content, each character's contents by
    # name and by elements only, each character's weight (rarer among the names weighs more),
    # each content name's total character weight.
    row_content: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    content_count: int = 0
    char_in_name: dict[str, np.ndarray] = field(default_factory=dict)
    char_in_elements: dict[str, np.ndarray] = field(default_factory=dict)
    char_weight: dict[str, float] = field(default_factory=dict)
    absent_char_weight: float = 1.0
    name_char_weight: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    # Near words, for a typed word the catalogue does not use: the catalogue's words and the
    # synonym phrases, by character (理发馆 → 理发店, 养鸡场 → 养殖场).
    vocabulary: frozenset[str] = frozenset()
    near_words: list[str] = field(default_factory=list)
    near_synonym: list[Synonym | None] = field(default_factory=list)
    near_norm: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    char_near: dict[str, np.ndarray] = field(default_factory=dict)
    near_char_weight: dict[str, float] = field(default_factory=dict)

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
        index._build_characters()
        for synonym in index.synonyms:
            index.expansion_groups[synonym.phrase] = [
                text.word_groups(word) for word in synonym.expansions
            ]
        index._build_near_words()
        return index

    def _build_near_words(self) -> None:
        vocabulary: set[str] = set()
        for bm in self.fields.values():
            vocabulary.update(bm.vocab_dict)  # type: ignore[attr-defined]
        self.vocabulary = frozenset(vocabulary)
        targets: dict[str, Synonym | None] = {
            w: None for w in sorted(vocabulary) if len(w) >= 2 and text.cjk_characters(w)
        }
        for synonym in self.synonyms:
            targets[synonym.phrase] = synonym
        self.near_words = list(targets)
        self.near_synonym = list(targets.values())
        postings: dict[str, list[int]] = {}
        for n, word in enumerate(self.near_words):
            for char in text.cjk_characters(word):
                postings.setdefault(char, []).append(n)
        total = max(len(self.near_words), 1)
        self.near_char_weight = {
            c: math.log(1 + (total - len(ids) + 0.5) / (len(ids) + 0.5))
            for c, ids in postings.items()
        }
        self.char_near = {c: np.array(ids, dtype=np.int32) for c, ids in postings.items()}
        self.near_norm = np.array(
            [
                math.sqrt(sum(self.near_char_weight[c] ** 2 for c in text.cjk_characters(w))) or 1.0
                for w in self.near_words
            ],
            dtype=np.float32,
        )

    def near(self, word: str) -> list[tuple[int, float]]:
        """The catalogue words and synonym phrases nearest to a word by weighted shared
        characters (cosine), at least NEAR_MIN_SIMILARITY, sharing at least two characters and
        more than half of the word's (理发馆 ~ 理发店, not 明天 ~ 天然气), best NEAR_WORDS."""
        chars = text.cjk_characters(word)
        weights = [self.near_char_weight.get(c, 0.0) for c in chars]
        norm = math.sqrt(sum(w * w for w in weights))
        if not norm or not len(self.near_norm):
            return []
        dot = np.zeros(len(self.near_words), dtype=np.float32)
        shared = np.zeros(len(self.near_words), dtype=np.int32)
        for char, weight in zip(chars, weights, strict=True):
            ids = self.char_near.get(char)
            if ids is not None:
                dot[ids] += weight * weight
                shared[ids] += 1
        enough = (shared >= 2) & (2 * shared > len(chars))
        similarity = np.where(enough, dot / (self.near_norm * norm), 0)
        best = np.argsort(-similarity)[:NEAR_WORDS]
        return [
            (int(n), float(similarity[n])) for n in best if similarity[n] >= NEAR_MIN_SIMILARITY
        ]

    def _build_characters(self) -> None:
        """The character fallback's tables, over distinct (name, elements) texts, so they stay
        small whatever the row count."""
        contents: dict[tuple[str, str], int] = {}
        self.row_content = np.zeros(len(self.records), dtype=np.int32)
        for row, record in enumerate(self.records):
            key = (record.name, record.elements)
            self.row_content[row] = contents.setdefault(key, len(contents))
        self.content_count = len(contents)
        in_name: dict[str, list[int]] = {}
        in_elements: dict[str, list[int]] = {}
        name_chars: list[list[str]] = []
        for content, (name, elements) in enumerate(contents):
            chars = text.cjk_characters(text.normalise(name))
            name_chars.append(chars)
            for char in chars:
                in_name.setdefault(char, []).append(content)
            for char in set(text.cjk_characters(elements)) - set(chars):
                in_elements.setdefault(char, []).append(content)
        names_with: dict[str, int] = {}
        for name in self.names:
            for char in text.cjk_characters(text.normalise(name)):
                names_with[char] = names_with.get(char, 0) + 1
        total = max(len(self.names), 1)
        # BM25's idf over the distinct names: a character in most names (证, 登, 记) says
        # little. A character no name holds counts as much as the rarest.
        self.absent_char_weight = math.log(1 + (total - 0.5) / 1.5)
        self.char_weight = {
            char: math.log(1 + (total - count + 0.5) / (count + 0.5))
            for char, count in names_with.items()
        }
        self.char_in_name = {c: np.array(ids, dtype=np.int32) for c, ids in in_name.items()}
        self.char_in_elements = {c: np.array(ids, dtype=np.int32) for c, ids in in_elements.items()}
        self.name_char_weight = np.array(
            [sum(self.char_weight[c] for c in chars) or 1.0 for chars in name_chars],
            dtype=np.float32,
        )

    def character_coverage(self, normal: str) -> np.ndarray | None:
        """Per row, how much of the query's characters its name holds (0 … 1; a character found
        only in its other elements — conditions, flags — counts FALLBACK_ELEMENTS_SHARE of
        one), or None when nothing holds any."""
        chars = text.content_characters(normal)
        if not chars or not self.content_count:
            return None
        weights = [self.char_weight.get(c, self.absent_char_weight) for c in chars]
        in_name = np.zeros(self.content_count, dtype=np.float32)
        in_elements = np.zeros(self.content_count, dtype=np.float32)
        found = False
        for char, weight in zip(chars, weights, strict=True):
            ids = self.char_in_name.get(char)
            if ids is not None:
                in_name[ids] += weight
                found = True
            ids = self.char_in_elements.get(char)
            if ids is not None:
                in_elements[ids] += weight
                found = True
        if not found:
            return None
        held = in_name + FALLBACK_ELEMENTS_SHARE * in_elements
        share_of_name = in_name / self.name_char_weight
        coverage = (held / sum(weights)) * (
            1 - FALLBACK_NAME_SHARE + FALLBACK_NAME_SHARE * share_of_name
        )
        return coverage[self.row_content]

    # -- querying ------------------------------------------------------------------------------

    def parse(self, query: str) -> ParsedQuery:
        normal = text.normalise(query)
        matched, covered, gapped = self._match_synonyms(normal)
        weights: dict[str, float] = {}
        typed: set[str] = set()

        def add(groups: list[list[str]], weight: float, own: bool = False) -> None:
            for group in groups:
                if own and group[-1] not in covered:
                    typed.update(group)
                # Each word counts once whatever its length: its share is split among the
                # tokens it is searched by (个体工商户 → 个体, 工商, 商户, 工商户, 个体工商户).
                word_weight = weight * (COVERED_WEIGHT if group[-1] in covered else 1.0)
                if len(group[-1]) == 1:
                    word_weight *= SINGLE_CHARACTER_WEIGHT
                share = word_weight / len(group)
                for token in group:
                    weights[token] = max(weights.get(token, 0.0), share)

        own_groups = text.word_groups(text.strip_stop_phrases(normal))
        add(own_groups, TYPED_WEIGHT, own=True)
        fuzzy: list[tuple[Synonym, float]] = []
        for group in own_groups:
            word = group[-1]
            if len(word) < 2 or word in covered or any(t in self.vocabulary for t in group):
                continue
            # A word the catalogue does not use: its nearest words stand in for it, weaker.
            for n, similarity in self.near(word):
                target, synonym = self.near_words[n], self.near_synonym[n]
                if synonym is not None:
                    fuzzy.append((synonym, similarity))
                else:
                    add([[target]], NEAR_WEIGHT * similarity)
        for synonym in matched:
            # The words of one synonym are alternatives or facets of one need: together they
            # weigh about as much as one typed word, so 丢了 → 补领 挂失 遗失 cannot outweigh
            # the 身份证 the citizen typed.
            share = EXPANSION_WEIGHT / math.sqrt(len(synonym.expansions))
            if synonym.phrase in gapped:
                share *= GAPPED_WEIGHT
            for groups in self.expansion_groups[synonym.phrase]:
                add(groups, share / max(len(groups), 1))
        for synonym, similarity in fuzzy:
            share = NEAR_WEIGHT * similarity * EXPANSION_WEIGHT / math.sqrt(len(synonym.expansions))
            for groups in self.expansion_groups[synonym.phrase]:
                add(groups, share / max(len(groups), 1))
        return ParsedQuery(normal, matched, weights, text.is_latin_query(normal), frozenset(typed))

    def _match_synonyms(self, normal: str) -> tuple[tuple[Synonym, ...], set[str], set[str]]:
        """Synonym phrases found in the query on word boundaries (so 卖烟 does not match
        卖烟花爆竹), in the words as typed and with filler words left out (注册一家公司 matches
        注册公司). Returns the synonyms, the typed words they cover whole (租房 inside 租房合同
        still expands, but leaves the typed word its full weight), and the phrases found only
        with a few characters between their parts (开店 in 开便利店, 开个服装店)."""
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
        gapped: set[str] = set()
        joined = "".join(content)
        boundaries = text.fine_boundaries(content)
        for synonym in self.synonyms:
            if synonym.phrase not in matched and _gapped_match(joined, synonym.phrase, boundaries):
                matched[synonym.phrase] = synonym
                gapped.add(synonym.phrase)
        return tuple(s for s in self.synonyms if s.phrase in matched), covered, gapped

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
        if not parsed.weights and not text.content_characters(parsed.text):
            return []
        scores = np.zeros(len(self.records), dtype=np.float32)
        # Rows matching a word the citizen typed himself (not only a synonym's words).
        typed = np.zeros(len(self.records), dtype=bool) if parsed.typed else None
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
                if typed is not None and token in parsed.typed:
                    typed[indices[start:end]] = True
        if typed is not None and len(scores) and typed[int(scores.argmax())]:
            # 身份证丢了: 丢了 → 补领 遗失 also finds 营业执照遗失补领, but the citizen said
            # 身份证, and the best result has it: what matches only the synonym's words ranks
            # lower. (When the best has only the synonym's words — 大货车超重上路审批 — the
            # typed words are the vaguer clue, and nothing changes.)
            scores[~typed] *= SYNONYM_ONLY_FACTOR
        coverage = self.character_coverage(parsed.text)
        best = float(scores.max())
        if coverage is not None:
            if best > 0:
                scores += (FALLBACK_BOOST * best) * coverage**FALLBACK_POWER
            elif float(coverage.max()) >= FALLBACK_MIN_COVERAGE:
                scores = np.where(coverage >= FALLBACK_MIN_COVERAGE, coverage, 0).astype(np.float32)
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


def _gapped_match(joined: str, phrase: str, boundaries: set[int]) -> bool:
    """The phrase's characters in order, starting and ending on word boundaries, with at most
    MAX_GAP other characters between them (开店 in 开便利店)."""
    if len(phrase) < 2:
        return False
    at = joined.find(phrase[0])
    while at != -1:
        if at in boundaries:
            position, gap = at + 1, 0
            for char in phrase[1:]:
                found = joined.find(char, position, position + 1 + MAX_GAP - gap)
                if found == -1:
                    break
                gap += found - position
                position = found + 1
            else:
                if position in boundaries:
                    return True
        at = joined.find(phrase[0], at + 1)
    return False


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
