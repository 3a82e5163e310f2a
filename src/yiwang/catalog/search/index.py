"""The guided-search index: BM25 (bm25s) over jieba tokens, one BM25 index per field combined
with field weights, a query expanded by the synonym dictionary, and a pinyin fallback.

It is built from plain `IndexRecord` values, so the benchmark can build a 10,000-item index from
generated records through exactly the code the site uses (see search.py for the database side).
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from yiwang.catalog.search import text, thesaurus
from yiwang.catalog.search.synonyms import Synonym

logger = logging.getLogger(__name__)

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")

ITEM = "item"
BUNDLE = "bundle"

# BM25's parameters (bm25s's defaults, which the index used before it stored groups).
BM25_K1 = 1.5
BM25_B = 0.75
# Fields that are lists of alternatives rather than prose: the life situations (and their
# character pairs) are phrases each naming one situation the item meets, so an item meeting
# many (食品经营许可: 饭馆, 卤菜, 奶茶店 …) must not count each of them for less, as BM25's length
# normalisation (b) would make it. Tuned on the development sets (b 0.75 → 0: 322 → 332 found
# first of 367).
FIELD_B: dict[str, float] = {"situations": 0.0, "grams": 0.0}
# Tokens in nearly all rows (idf below this, over 98 % of them) are not stored.
MIN_IDF = 0.02
# The life situations an item meets, as people say them (身份证丢了, 坐月子, 五保户: the shipped
# data/situations.csv, one line per base item, docs/search.md): weaker than the name, which says
# what the item is, stronger than a bundle's members.
SITUATIONS_WEIGHT = 2.5
# How much a match in each field counts. The name says what the item is; a bundle's member
# items say what it covers; materials and the other elements only help to break ties.
FIELD_WEIGHTS: dict[str, float] = {
    "name": 3.0,
    "situations": SITUATIONS_WEIGHT,
    "members": 1.2,
    "departments": 0.6,
    "materials": 0.5,
    "elements": 0.3,
    # The character pairs of the life situations (被偷 of 身份证被偷, 咬坏 of 执照咬坏), which
    # jieba cuts into lone characters that the situations field leaves out.
    "grams": 1.0,
}
# A character pair's tokens are marked so that they never meet a word token (身份 the pair is
# not 身份 the word); each pair of the query counts GRAM_WEIGHT of a typed word (0.3–1.2 give
# the same development totals within three queries).
GRAM_MARK = "\x01"
GRAM_WEIGHT = 0.5
# A result matching a word the citizen typed (two characters or more, in any field but
# departments) counts as the best for the typed-words-first rule when it scores at least this
# share of the best (开个美甲店: 公共场所卫生许可 holds 美甲, the best holds only 开店's words).
TYPED_LEAD_SHARE = 0.4
# Words the user typed count fully; words a synonym added count a little less, so that a
# catalogue word the user typed themself outranks one we guessed.
TYPED_WEIGHT = 1.0
EXPANSION_WEIGHT = 0.9
# Typed words that a synonym phrase explains (开 and 饭店 in 开饭店) count for less: the
# dictionary says better what they mean.
COVERED_WEIGHT = 0.5
# A lone character (领, 查, 开) is a weak clue in Chinese.
SINGLE_CHARACTER_WEIGHT = 0.3
# Names with one of these words are a follow-up to an earlier application, or a variant of it
# (临时). When the query asks for none of them (办社保卡, 办个体户营业执照, 孩子满16岁办身份证)
# the first application is what is meant, so these rank a little lower.
FOLLOW_UP_ACTIONS = ("挂失", "补领", "遗失", "注销", "变更", "延续", "换领", "换证", "临时")
FOLLOW_UP_FACTOR = 0.8
# A synonym phrase found with other characters between its parts (开店 in 开便利店) is a weaker
# clue: at most MAX_GAP characters between, its words count GAPPED_WEIGHT of a whole match.
MAX_GAP = 2
GAPPED_WEIGHT = 0.7
# A typed word the catalogue does not use (理发馆) is searched by its nearest catalogue words
# and synonym phrases by shared characters (理发店): up to NEAR_WORDS of them, similar at least
# NEAR_MIN_SIMILARITY, each counting NEAR_WEIGHT × its similarity of a typed word.
NEAR_WORDS = 3
NEAR_MIN_SIMILARITY = 0.55
NEAR_WEIGHT = 0.9
# A typed word the catalogue does not use that shares a synonym set of the shipped thesaurus
# (COW, ADR 0012) with catalogue words or synonym phrases (弄坏 ~ 损坏, 补贴 ~ 津贴) is also
# searched by them: together they count THESAURUS_WEIGHT of a typed word, split by √n like a
# synonym's words.
THESAURUS_WEIGHT = 0.6
# The fields whose words a thesaurus word may stand for (with the synonym phrases and targets).
THESAURUS_FIELDS = ("name", "members", "situations")
# A hypernym's catalogue words (旅社 → 旅馆) count this share of a synonym's.
HYPERNYM_SHARE = 0.7
# A typed word the catalogue does not use, found in the colloquial thesaurus derived from
# CC-CEDICT (ADR 0013: 暂住证, 托儿所, 演唱会 — everyday words the Chinese Open Wordnet lacks), is
# also searched by the catalogue words and synonym phrases whose English senses are nearest to
# one of its own (cosine over gloss words weighted by rarity: 暂住证 "temporary residence
# permit" ~ 居住证 "residence permit"), at least CEDICT_MIN_SIMILARITY, the best CEDICT_WORDS,
# together CEDICT_WEIGHT × their similarity of a typed word, split by √n.
CEDICT_WEIGHT = 0.6
CEDICT_MIN_SIMILARITY = 0.7
CEDICT_WORDS = 3
# A word sharing no character with the target must be nearer (恋爱 "affair" is not 人事 "human
# affairs", 股票 "share certificate" not 证明 "certificate").
CEDICT_MIN_SIMILARITY_APART = 0.9
# A target whose sense is the head of the word's (旅店 "small hotel" → 酒店 "hotel": a kind of
# it) counts at least this similar, when the Chinese heads agree too (the last character: 店;
# 青年 "youthful year" is no kind of 年度 "year", 小区 "housing estate" none of 产业 "estate").
CEDICT_KIND_OF = 0.8
# Two words with no character in common are linked only through a rare English word (nursery,
# concert), not a common one that means many things (work, exercise: 健身 is not 劳动 or 活动).
CEDICT_APART_MIN_RARITY = 8.5
# A verb's sense (from a gloss "to …") compared with a noun's counts this share of its cosine.
CEDICT_OTHER_KIND = 0.9
# A colloquial word whose English sense is a kind of a catalogue word's sense by the Open English
# WordNet's hypernyms (火锅 "hotpot" → stew → dish → … → food: 食品 "food") stands for it at
# CEDICT_BROADER × CEDICT_BROADER_DECAY per step beyond the first — when its senses name no
# catalogue word directly.
CEDICT_BROADER = 0.8
CEDICT_BROADER_DECAY = 0.9
# A word of the items' conditions or materials only (沐浴: 洗浴 "to bathe") is a weaker target.
CEDICT_CONDITION_SHARE = 0.5
# Words that ask for the same kind of item (money paid out): a typed one is searched by all of
# them, together weighing one typed word, split by √n (生小孩有补助吗 → 生育津贴支付: 补助 alone
# would lead to the names holding 补助, whatever the need).
EQUIVALENT_WORDS: tuple[tuple[str, ...], ...] = (("补助", "补贴", "津贴"),)
# A group's score is multiplied by 1 − COORDINATION + COORDINATION × the share of the typed
# words' weight it matches.
COORDINATION = 0.3
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
FALLBACK_BOOST = 0.5
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
    # Everyday phrasings of the life situations the item meets (data/situations.csv).
    situations: tuple[str, ...] = ()

    def field_parts(self, name: str) -> Sequence[str]:
        """The texts of one searchable field (kept apart so each is tokenised once per build,
        however many items share it)."""
        if name == "name":
            return (self.name,)
        if name == "members":
            return self.members
        if name in ("situations", "grams"):
            return self.situations
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
    # The weights the life-situations field is searched by.
    situation_weights: dict[str, float] = field(default_factory=dict)
    # The query's character pairs, searched in the situations' pairs.
    grams: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    index: int
    score: float


@dataclass
class SearchIndex:
    """An immutable-after-build index over records; safe to share between threads."""

    records: list[IndexRecord]
    synonyms: list[Synonym]
    # Claims of one base item share their name, materials and elements and differ in
    # department: rows with the same texts form one group, scored once, so a search costs what
    # the distinct texts cost, not the row count (docs/performance.md). Departments are scored
    # per distinct department text and added to the rows that bear it.
    postings: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    row_group: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    group_rows: list[np.ndarray] = field(default_factory=list)
    group_name: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    row_department: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    department_rows: list[np.ndarray] = field(default_factory=list)
    _group_keys: list[tuple[object, ...]] = field(default_factory=list, repr=False)
    _department_keys: list[tuple[str, ...]] = field(default_factory=list, repr=False)
    _vocabulary: set[str] = field(default_factory=set, repr=False)
    # Pinyin keys per distinct name (claims share names), and the rows bearing each name.
    names: list[str] = field(default_factory=list)
    name_groups: list[np.ndarray] = field(default_factory=list)
    pinyin_full: list[str] = field(default_factory=list)
    pinyin_initials: list[str] = field(default_factory=list)
    name_boundaries: list[frozenset[int]] = field(default_factory=list)
    name_follow_up: list[bool] = field(default_factory=list)
    # Tie-break keys per row: bundles first, then fewer visits, then code.
    is_item: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    visits: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    code_rank: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    bundle_rows: list[int] = field(default_factory=list)
    # Groups whose name holds each follow-up action.
    follow_up: dict[str, np.ndarray] = field(default_factory=dict)
    synonym_pinyin: dict[str, str] = field(default_factory=dict)
    # Pinyin keys are made on the first Latin query: pypinyin's dictionaries take ~57 MB and a
    # worker that never sees a pinyin query never loads them.
    _pinyin_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _pinyin_ready: bool = False
    # Each synonym's expansion words, already tokenised: [word][group][token].
    expansion_groups: dict[str, list[list[list[str]]]] = field(default_factory=dict)
    rows_by_code: dict[tuple[str, str], int] = field(default_factory=dict)
    # The character fallback, over the groups: each character's groups by name and by
    # elements only, each character's weight (rarer among the names weighs more), each group
    # name's total character weight.
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
    # The thesaurus, kept to the words it can help: a word → the catalogue words and synonym
    # phrases sharing one of its synonym sets.
    thesaurus: dict[str, tuple[str, ...]] = field(default_factory=dict)
    thesaurus_broader: dict[str, tuple[str, ...]] = field(default_factory=dict)
    synonym_by_phrase: dict[str, Synonym] = field(default_factory=dict)
    # The CEDICT layer: the words a colloquial word may stand for (catalogue words and synonym
    # phrases, weaker those only in conditions and materials), their senses as unit vectors
    # over gloss words, each gloss word's senses, and the answers already worked out per word
    # (bounded).
    cedict_targets: list[str] = field(default_factory=list)
    cedict_target_set: frozenset[str] = frozenset()
    cedict_sense_target: list[int] = field(default_factory=list)
    cedict_target_share: list[float] = field(default_factory=list)
    cedict_sense_vector: list[dict[str, float]] = field(default_factory=list)
    cedict_sense_words: list[frozenset[str]] = field(default_factory=list)
    cedict_sense_verb: list[bool] = field(default_factory=list)
    cedict_postings: dict[str, list[int]] = field(default_factory=dict)
    cedict_cache: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict, repr=False)

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def build(cls, records: Sequence[IndexRecord], synonyms: Sequence[Synonym]) -> SearchIndex:
        text.add_words(_catalogue_words(records, synonyms))
        index = cls(
            records=list(records),
            synonyms=sorted(synonyms, key=lambda s: len(s.phrase), reverse=True),
        )
        index._build_rows()
        index._build_postings()
        index._build_characters()
        for synonym in index.synonyms:
            index.expansion_groups[synonym.phrase] = [
                text.word_groups(word) for word in synonym.expansions
            ]
        index._build_near_words()
        index._build_thesaurus()
        index._build_cedict()
        return index

    def _build_rows(self) -> None:
        """Groups of rows with the same texts, departments, names, tie-break keys."""
        records = self.records
        self.is_item = np.array([r.kind != BUNDLE for r in records], dtype=np.int8)
        self.visits = np.array([r.visits for r in records], dtype=np.int32)
        self.code_rank = np.argsort(
            np.argsort(np.array([r.code for r in records], dtype=object), kind="stable"),
            kind="stable",
        ).astype(np.int32)
        groups: dict[tuple[object, ...], int] = {}
        departments: dict[tuple[str, ...], int] = {}
        names: dict[str, int] = {}
        self.row_group = np.zeros(len(records), dtype=np.int32)
        self.row_department = np.zeros(len(records), dtype=np.int32)
        group_name: list[int] = []
        for row, record in enumerate(records):
            self.rows_by_code[(record.kind, record.code)] = row
            if record.kind == BUNDLE:
                self.bundle_rows.append(row)
            key = (
                record.kind,
                record.name,
                record.materials,
                record.elements,
                record.members,
                record.situations,
            )
            group = groups.setdefault(key, len(groups))
            if group == len(group_name):
                group_name.append(names.setdefault(record.name, len(names)))
            self.row_group[row] = group
            self.row_department[row] = departments.setdefault(
                tuple(record.field_parts("departments")), len(departments)
            )
        self.group_name = np.array(group_name, dtype=np.int32)
        # Each group's rows in tie-break order: the first rows of a group are its best.
        order = np.lexsort((self.code_rank, self.visits, self.is_item, self.row_group))
        bounds = np.searchsorted(self.row_group[order], np.arange(len(groups) + 1))
        self.group_rows = [order[bounds[g] : bounds[g + 1]] for g in range(len(groups))]
        order = np.argsort(self.row_department, kind="stable")
        bounds = np.searchsorted(self.row_department[order], np.arange(len(departments) + 1))
        self.department_rows = [order[bounds[d] : bounds[d + 1]] for d in range(len(departments))]
        self._group_keys = list(groups)
        self._department_keys = list(departments)
        self.names = list(names)
        by_name: dict[int, list[int]] = {}
        for group, name_id in enumerate(group_name):
            by_name.setdefault(name_id, []).append(group)
        self.name_groups = [np.array(by_name[n], dtype=np.int32) for n in range(len(names))]
        for title in self.names:
            compact = text.normalise(title).replace(" ", "")
            self.name_boundaries.append(frozenset(text.fine_boundaries(text.words(compact))))
            self.name_follow_up.append(any(a in title for a in FOLLOW_UP_ACTIONS))
        for action in FOLLOW_UP_ACTIONS:
            hit = [g for g, n in enumerate(group_name) if action in self.names[n]]
            if hit:
                self.follow_up[action] = np.array(hit, dtype=np.int32)

    def _build_postings(self) -> None:
        """BM25 (Lucene variant, as bm25s computes it: k1 = 1.5, b = 0.75) per field, with the
        statistics of the rows — document count, document frequency, average length — but
        stored once per group (or per department text)."""
        token_cache: dict[str, list[str]] = {}

        def tokens_of(value: str) -> list[str]:
            found = token_cache.get(value)
            if found is None:
                found = token_cache[value] = text.text_tokens(value)
            return found

        group_size = np.array([len(rows) for rows in self.group_rows], dtype=np.float64)
        department_size = np.array([len(rows) for rows in self.department_rows], dtype=np.float64)
        total = len(self.records)
        for name in FIELD_WEIGHTS:
            if name == "departments":
                keys: list[tuple[object, ...]] = list(self._department_keys)
                docs = [[t for part in key for t in tokens_of(str(part))] for key in keys]
                sizes = department_size
            else:
                docs = []
                for kind, title, materials, elements, members, situations in self._group_keys:
                    record = IndexRecord(
                        kind=str(kind),
                        code="",
                        name=str(title),
                        department="",
                        visits=0,
                        fully_online=False,
                        elements=str(elements),
                        materials=materials,  # type: ignore[arg-type]
                        members=members,  # type: ignore[arg-type]
                        situations=situations,  # type: ignore[arg-type]
                    )
                    found = [t for part in record.field_parts(name) for t in tokens_of(part)]
                    if name == "grams":
                        # Character pairs inside each situation (被偷 of 身份证被偷, which jieba
                        # cuts into lone characters), except those of the name.
                        title_pairs = set(_pairs(str(title)))
                        found = [
                            GRAM_MARK + p
                            for part in record.field_parts(name)
                            for p in _pairs(part)
                            if p not in title_pairs
                        ]
                    elif name == "situations":
                        # What the name does not say: a lone character (买 of 买农药) says
                        # nothing, and the name's own words (身份证 of 身份证丢了) are the name
                        # field's, not to be counted again for every situation repeating them.
                        own = set(tokens_of(str(title)))
                        found = [t for t in found if len(t) > 1 and t not in own]
                    docs.append(found)
                sizes = group_size
            lengths = np.array([len(d) for d in docs], dtype=np.float64)
            if not lengths.any():
                continue
            average = float((lengths * sizes).sum() / max(total, 1))
            frequencies: dict[str, dict[int, int]] = {}
            for doc, tokens in enumerate(docs):
                for token in tokens:
                    counts = frequencies.setdefault(token, {})
                    counts[doc] = counts.get(doc, 0) + 1
            field_postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            self._vocabulary.update(frequencies)
            for token, counts in frequencies.items():
                ids = np.fromiter(counts, dtype=np.int32, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                df = float(sizes[ids].sum())
                idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
                if idf < MIN_IDF:
                    # In nearly every row (便民服务站 in a province's village departments): it
                    # adds next to nothing to any score and would cost the most to add.
                    continue
                b = FIELD_B.get(name, BM25_B)
                norm = BM25_K1 * ((1 - b) + b * lengths[ids] / average)
                field_postings[token] = (ids, (idf * tf / (norm + tf)).astype(np.float32))
            self.postings[name] = field_postings

    def _build_near_words(self) -> None:
        self.vocabulary = frozenset(self._vocabulary)
        # Not the situations' words: they are phrases, and sharing two characters with one is no
        # likeness (手机 ~ 机器伤手).
        catalogue = set().union(
            *(
                postings
                for name, postings in self.postings.items()
                if name not in ("situations", "grams")
            )
        )
        targets: dict[str, Synonym | None] = {
            w: None for w in sorted(catalogue) if len(w) >= 2 and text.cjk_characters(w)
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

    def _build_thesaurus(self) -> None:
        """The shipped thesaurus kept to the words it can help: each word the catalogue does not
        use → the catalogue words and synonym phrases of its synonym sets, and of its broader
        sets when they share a character with it."""
        self.synonym_by_phrase = {s.phrase: s for s in self.synonyms}
        phrases = self.synonym_by_phrase
        # Targets: words of the fields that say what an item is, the synonym phrases and their
        # catalogue words. A word only in conditions or department names (配备, 健康 of
        # 卫生健康局) is too loose a link.
        wanted = {w for s in self.synonyms for w in s.expansions}
        for name in THESAURUS_FIELDS:
            wanted.update(self.postings.get(name, {}))
        sets = thesaurus.synsets()
        same: dict[str, dict[str, None]] = {}
        broader: dict[str, dict[str, None]] = {}
        for lemmas, hypernyms in sets.values():
            targets = [w for w in lemmas if w in wanted or w in phrases]
            above = [
                w
                for h in hypernyms
                for w in sets.get(h, ((), ()))[0]
                if w in wanted or w in phrases
            ]
            if not targets and not above:
                continue
            for word in lemmas:
                if word in self.vocabulary or word in phrases:
                    continue
                if targets:
                    same.setdefault(word, {}).update(dict.fromkeys(targets))
                # A broader word that shares no character with the word is too loose a link
                # (恋爱 → 关系, 东西 → 动产); one that does is a kind of it (旅社 → 旅馆).
                close = [w for w in above if set(w) & set(word)]
                if close:
                    broader.setdefault(word, {}).update(dict.fromkeys(close))
        self.thesaurus = {word: tuple(targets) for word, targets in same.items()}
        self.thesaurus_broader = {
            word: tuple(t for t in targets if t not in same.get(word, {}))
            for word, targets in broader.items()
        }

    def _cedict_targets(self) -> tuple[set[str], set[str]]:
        """Words a CEDICT word may stand for: the words of names and bundle members as jieba
        cuts them, and their parts (居住证 of 居住证申领, but not the dictionary words across
        them: 制备 of 公章刻制备案), the synonym phrases and their catalogue words; and, weaker,
        those only in the conditions and materials (沐浴 of 公共场所卫生许可's conditions).
        Department names are no target (健康 of 卫生健康局). Over the distinct texts (the
        groups), so a province's claims cost nothing more."""

        def words_of(texts: set[str]) -> set[str]:
            found: set[str] = set()
            for value in texts:
                for word in text.words(text.normalise(value)):
                    found.add(word)
                    found.update(_sure_parts(word))
            return {w for w in found if len(w) >= 2 and text.cjk_characters(w)}

        named = {w for s in self.synonyms for w in s.expansions}
        named.update(s.phrase for s in self.synonyms)
        names: set[str] = set()
        others: set[str] = set()
        # A group's key: kind, name, materials, elements, members, situations.
        for _, name, materials, elements, members, situations in self._group_keys:
            names.add(str(name))
            names.update(cast(tuple[str, ...], members))
            names.update(cast(tuple[str, ...], situations))
            others.add(str(elements))
            others.update(cast(tuple[str, ...], materials))
        named |= words_of(names)
        return named, words_of(others) - named

    def _build_cedict(self) -> None:
        """The CEDICT senses of the words a colloquial word may stand for (a few thousand,
        whatever the row count)."""
        table = thesaurus.cedict()
        named, weak = self._cedict_targets()
        for word in sorted(named | weak):
            senses = table.senses(word)
            if not senses:
                continue
            target = len(self.cedict_targets)
            self.cedict_targets.append(word)
            self.cedict_target_share.append(CEDICT_CONDITION_SHARE if word in weak else 1.0)
            for sense in senses:
                vector = _unit(sense, table.weight)
                if not vector:
                    continue
                n = len(self.cedict_sense_vector)
                self.cedict_sense_vector.append(vector)
                self.cedict_sense_words.append(frozenset(sense) - {thesaurus.VERB})
                self.cedict_sense_verb.append(sense[0] == thesaurus.VERB)
                self.cedict_sense_target.append(target)
                for token in vector:
                    self.cedict_postings.setdefault(token, []).append(n)
        self.cedict_target_set = frozenset(self.cedict_targets)

    def cedict_related(
        self, word: str, typed: str = "", *, broader: bool = False
    ) -> tuple[tuple[str, float], ...]:
        """The catalogue words and synonym phrases nearest in meaning to a word by CC-CEDICT's
        English senses: the best sense pair's cosine (or CEDICT_KIND_OF when the target's sense
        is the word's sense's head), at least CEDICT_MIN_SIMILARITY — CEDICT_MIN_SIMILARITY_APART
        when the target shares no character with the word as typed (`typed`, the word it is
        part of: 洗浴 in 洗浴中心) — best CEDICT_WORDS; a word whose gloss refers to a target
        (an abbreviation, a variant) is that target at 1.0."""
        typed = typed or word
        key = f"{word}\t{typed}\t{broader}"
        cached = self.cedict_cache.get(key)
        if cached is not None:
            return cached
        typed_chars = set(typed)
        table = thesaurus.cedict()
        best: dict[str, float] = {}
        senses = list(table.senses(word))
        for referred in table.refers(word):
            if referred in self.cedict_target_set or referred in self.synonym_by_phrase:
                best[referred] = 1.0
            else:
                senses.extend(table.senses(referred))
        for sense in senses:
            vector = _unit(sense, table.weight)
            dots: dict[int, float] = {}
            for token, weight in vector.items():
                for n in self.cedict_postings.get(token, ()):
                    dots[n] = dots.get(n, 0.0) + weight * self.cedict_sense_vector[n][token]
            # The head of a noun phrase is its last word (noodle restaurant); a verb's is not.
            head = sense[-1] if len(sense) >= 2 and sense[0] != thesaurus.VERB else ""
            verb = sense[0] == thesaurus.VERB
            for n, dot in dots.items():
                target = self.cedict_targets[self.cedict_sense_target[n]]
                if target == word:
                    continue
                if self.cedict_sense_verb[n] != verb:
                    # A thing is less like an action on it than two things or two actions are:
                    # 房子 "house" is not 租房 "to rent a house", 当兵 "to be a soldier" is
                    # still 士兵 "soldier".
                    dot *= CEDICT_OTHER_KIND
                close = bool(set(target) & typed_chars)
                words = self.cedict_sense_words[n]
                if (
                    head
                    and head in words
                    and words <= set(sense) - {thesaurus.VERB}
                    and target[-1] in (word[-1], typed[-1])
                ):
                    dot = max(dot, CEDICT_KIND_OF)
                if not close:
                    rarity = max((table.weight.get(t, 0.0) for t in words & set(sense)), default=0)
                    if dot < CEDICT_MIN_SIMILARITY_APART or rarity < CEDICT_APART_MIN_RARITY:
                        continue
                elif dot < CEDICT_MIN_SIMILARITY:
                    continue
                dot *= self.cedict_target_share[self.cedict_sense_target[n]]
                best[target] = max(best.get(target, 0.0), dot)
        if broader and not best:
            self._cedict_broader(senses, word, best)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:CEDICT_WORDS]
        found = tuple((target, round(similarity, 4)) for target, similarity in ranked)
        if len(self.cedict_cache) < 10_000:
            self.cedict_cache[key] = found
        return found

    def _cedict_broader(
        self, senses: Sequence[tuple[str, ...]], word: str, best: dict[str, float]
    ) -> None:
        """The catalogue words whose sense is a broader one of a noun sense of the word: every
        word of the target's sense is above the sense's head (its last word) in the Open English
        WordNet (火锅 "hotpot" → 食品 "food"; 早餐 "breakfast" → "meal", "food")."""
        table = thesaurus.hypernyms()
        for sense in senses:
            if not sense or sense[0] == thesaurus.VERB:
                continue
            above = table.get(sense[-1])
            if not above:
                continue
            for broader in above:
                for n in self.cedict_postings.get(broader, ()):
                    words = self.cedict_sense_words[n]
                    if self.cedict_sense_verb[n] or not words <= above.keys():
                        continue
                    if self.cedict_target_share[self.cedict_sense_target[n]] < 1:
                        # A word of conditions only is too loose a link two steps away.
                        continue
                    target = self.cedict_targets[self.cedict_sense_target[n]]
                    if target == word:
                        continue
                    steps = max(above[w] for w in words)
                    similarity = CEDICT_BROADER * CEDICT_BROADER_DECAY ** (steps - 1)
                    best[target] = max(best.get(target, 0.0), similarity)

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
        """The character fallback's tables, over the groups (a few thousand texts whatever the
        row count)."""
        contents = [(str(key[1]), str(key[3])) for key in self._group_keys]
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
        """Per group, how much of the query's characters its name holds (0 … 1; a character found
        only in its other elements — conditions, flags — counts FALLBACK_ELEMENTS_SHARE of
        one), or None when nothing holds any."""
        chars = text.content_characters(normal)
        if not chars or not len(self.group_rows):
            return None
        weights = [self.char_weight.get(c, self.absent_char_weight) for c in chars]
        in_name = np.zeros(len(self.group_rows), dtype=np.float32)
        in_elements = np.zeros(len(self.group_rows), dtype=np.float32)
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
        return coverage

    # -- querying ------------------------------------------------------------------------------

    def parse(self, query: str, *, broader: bool = False) -> ParsedQuery:
        normal = text.normalise(query)
        matched, covered, gapped = self._match_synonyms(normal)
        weights: dict[str, float] = {}
        typed: set[str] = set()

        # Tokens a synonym phrase's catalogue words brought in, and those anything else did.
        synonym_tokens: set[str] = set()
        other_tokens: set[str] = set()

        def add(
            groups: list[list[str]], weight: float, own: bool = False, synonym: bool = False
        ) -> None:
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
                    (synonym_tokens if synonym else other_tokens).add(token)

        own_groups = text.word_groups(text.strip_stop_phrases(normal))
        for group in own_groups:
            alike = next((g for g in EQUIVALENT_WORDS if group[-1] in g), None)
            if alike is None:
                add([group], TYPED_WEIGHT, own=True)
            else:
                add([[word] for word in alike], TYPED_WEIGHT / math.sqrt(len(alike)), own=True)
        fuzzy: list[tuple[Synonym, float]] = []
        for group in own_groups:
            word = group[-1]
            if len(word) < 2 or word in covered or any(t in self.vocabulary for t in group):
                continue
            # A word the catalogue does not use: the catalogue words of its thesaurus sets (or
            # of those of the words inside it: 房子 in 新房子), weaker those of the broader sets
            # (旅社 → 旅馆), and its nearest words by characters stand in for it, weaker.
            for table, weight in (
                (self.thesaurus, THESAURUS_WEIGHT),
                (self.thesaurus_broader, THESAURUS_WEIGHT * HYPERNYM_SHARE),
            ):
                related = tuple(
                    dict.fromkeys(t for token in reversed(group) for t in table.get(token, ()))
                )
                for target in related:
                    share = weight / math.sqrt(len(related))
                    synonym = self.synonym_by_phrase.get(target)
                    if synonym is not None:
                        fuzzy.append((synonym, share))
                    else:
                        groups = text.word_groups(target)
                        add(groups, share / max(len(groups), 1))
            # Then CC-CEDICT's English senses (网店 "online shop" ~ 开店 "open shop"): the word
            # itself, or failing that the longest dictionary word inside it.
            meanings: tuple[tuple[str, float], ...] = ()
            for token in sorted(group, key=len, reverse=True):
                meanings = (
                    self.cedict_related(token, word, broader=broader) if len(token) >= 2 else ()
                )
                if meanings:
                    break
            for target, similarity in meanings:
                share = CEDICT_WEIGHT * similarity / math.sqrt(len(meanings))
                synonym = self.synonym_by_phrase.get(target)
                if synonym is not None:
                    fuzzy.append((synonym, share))
                else:
                    groups = text.word_groups(target)
                    add(groups, share / max(len(groups), 1))
            for n, similarity in self.near(word):
                target, synonym = self.near_words[n], self.near_synonym[n]
                if synonym is not None:
                    fuzzy.append((synonym, NEAR_WEIGHT * similarity))
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
                add(groups, share / max(len(groups), 1), synonym=True)
        for synonym, similarity in fuzzy:
            share = similarity * EXPANSION_WEIGHT / math.sqrt(len(synonym.expansions))
            for groups in self.expansion_groups[synonym.phrase]:
                add(groups, share / max(len(groups), 1), synonym=True)
        # The query's character pairs, stop phrases left out but not filler (被 and 了 are in
        # the situations' phrases too: 身份证被偷了 ~ 身份证被偷).
        grams: dict[str, float] = {}
        if not text.is_latin_query(normal):
            kept = text.strip_stop_phrases(normal).replace(" ", "")
            grams = {GRAM_MARK + pair: GRAM_WEIGHT for pair in _pairs(kept)}
        # A token that only a synonym's catalogue words brought in is not looked for in the life
        # situations: they are the citizen's words, and the synonym already leads to the names
        # (餐饮 of 开饭店 → 餐饮 would count again for 食品经营许可, whose situations say 餐饮).
        situation_weights = {
            t: w for t, w in weights.items() if t not in synonym_tokens or t in other_tokens
        }
        return ParsedQuery(
            normal,
            matched,
            weights,
            text.is_latin_query(normal),
            frozenset(typed),
            situation_weights,
            grams,
        )

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
        hits = self._bm25_hits(parsed, limit)
        if not hits:
            # Nothing found: a last try with the broader English senses of the words the
            # catalogue does not use (火锅 "hotpot" → 食品 "food"), kept to this case so that a
            # query that finds something is never led further from what it said.
            hits = self._bm25_hits(self.parse(query, broader=True), limit)
        return hits

    def _bm25_hits(self, parsed: ParsedQuery, limit: int) -> list[Hit]:
        if not parsed.weights and not text.content_characters(parsed.text):
            return []
        groups = np.zeros(len(self.group_rows), dtype=np.float32)
        departments = np.zeros(len(self.department_rows), dtype=np.float32)
        # Groups and departments matching a word the citizen typed himself (not only a
        # synonym's words).
        typed_groups = np.zeros(len(groups), dtype=bool)
        typed_departments = np.zeros(len(departments), dtype=bool)
        # The groups each typed token matches (in any field but departments).
        typed_hits: dict[str, list[np.ndarray]] = {}
        # Groups whose life situations hold a word the citizen typed (被偷 of 身份证被偷了).
        situation_groups = np.zeros(len(groups), dtype=bool)
        # Groups matching a typed word of two characters or more (not a lone 开 or 店).
        strong_groups = np.zeros(len(groups), dtype=bool)
        for name, field_postings in self.postings.items():
            target, typed = (
                (departments, typed_departments)
                if name == "departments"
                else (groups, typed_groups)
            )
            field_weight = FIELD_WEIGHTS[name]
            searched = (
                parsed.situation_weights
                if name == "situations"
                else parsed.grams
                if name == "grams"
                else parsed.weights
            )
            for token, weight in searched.items():
                found = field_postings.get(token)
                if found is None:
                    continue
                ids, scores = found
                # A document appears once per token, so fancy-index += is exact.
                target[ids] += (field_weight * weight) * scores
                if token in parsed.typed:
                    typed[ids] = True
                    if name != "departments" and len(token) > 1:
                        strong_groups[ids] = True
                    if name != "departments":
                        typed_hits.setdefault(token, []).append(ids)
                    if name == "situations":
                        situation_groups[ids] = True
        typed_total = sum(w for t, w in parsed.weights.items() if t in parsed.typed)
        if len(typed_hits) > 1 and typed_total > 0:
            # Coordination: a group matching more of what was typed (生小孩 and 补助) ranks above
            # one matching a single word of it strongly (补助 in a name).
            held = np.zeros(len(groups), dtype=np.float32)
            for token, matches in typed_hits.items():
                mask = np.zeros(len(groups), dtype=bool)
                for ids in matches:
                    mask[ids] = True
                held += parsed.weights[token] * mask
            groups *= 1 - COORDINATION + COORDINATION * np.minimum(held / typed_total, 1.0)
        # Rows of a matched department score their group's score plus the department's.
        matched = np.flatnonzero(departments)
        rows = (
            np.concatenate([self.department_rows[d] for d in matched])
            if len(matched)
            else np.zeros(0, dtype=np.int64)
        )
        row_scores = groups[self.row_group[rows]] + departments[self.row_department[rows]]
        best_group = int(groups.argmax()) if len(groups) else 0
        group_best = float(groups[best_group]) if len(groups) else 0.0
        if len(rows) and float(row_scores.max()) > group_best:
            at = int(row_scores.argmax())
            best = float(row_scores[at])
            best_typed = bool(
                typed_groups[self.row_group[rows[at]]]
                or typed_departments[self.row_department[rows[at]]]
            )
        else:
            best, best_typed = group_best, bool(typed_groups[best_group]) if len(groups) else False
        if (
            not best_typed
            and strong_groups.any()
            and float(groups[strong_groups].max()) >= TYPED_LEAD_SHARE * best
        ):
            # The best holds only a synonym's words (开店 → 个体工商户), another result a word
            # the citizen typed (美甲): the typed word is the sharper clue.
            best_typed = True
        if parsed.typed and best_typed:
            # 身份证丢了: 丢了 → 补领 遗失 also finds 营业执照遗失补领, but the citizen said
            # 身份证, and the best result has it: what matches only the synonym's words ranks
            # lower. (When the best has only the synonym's words — 大货车超重上路审批 — the
            # typed words are the vaguer clue, and nothing changes.)
            factor = np.where(typed_groups, 1.0, SYNONYM_ONLY_FACTOR).astype(np.float32)
            if len(rows):
                row_typed = (
                    typed_groups[self.row_group[rows]]
                    | typed_departments[self.row_department[rows]]
                )
                row_scores *= np.where(row_typed, 1.0, SYNONYM_ONLY_FACTOR)
            groups *= factor
            best = max(float(groups.max()), float(row_scores.max()) if len(rows) else 0.0)
        coverage = self.character_coverage(parsed.text)
        if coverage is not None:
            if best > 0:
                lift = (FALLBACK_BOOST * best) * coverage**FALLBACK_POWER
                groups += lift
                row_scores += lift[self.row_group[rows]]
            elif float(coverage.max()) >= FALLBACK_MIN_COVERAGE:
                groups = np.where(coverage >= FALLBACK_MIN_COVERAGE, coverage, 0).astype(np.float32)
                rows = rows[:0]
                row_scores = row_scores[:0]
        asked = "".join(parsed.weights)
        typed_characters = set(text.content_characters(parsed.text))
        penalty = np.ones(len(groups), dtype=np.float32)
        for action, hit in self.follow_up.items():
            # Asked for by name, or by its first character as people say it (变了 for 变更,
            # 换 for 换领, 补办 for 补领).
            if action not in asked and action[0] not in typed_characters:
                penalty[hit] *= FOLLOW_UP_FACTOR
        # A follow-up whose own life situations say what was typed is what was asked for
        # (身份证被偷了 → 补领, 小店不想开了 → 注销), in the item's words rather than the name's.
        penalty[situation_groups] = 1.0
        groups *= penalty
        row_scores *= penalty[self.row_group[rows]]
        return self._rank(groups, limit, RELATIVE_CUTOFF, rows, row_scores)

    def _rank(
        self,
        groups: np.ndarray,
        limit: int,
        cutoff: float,
        rows: np.ndarray | None = None,
        row_scores: np.ndarray | None = None,
    ) -> list[Hit]:
        """Rows by score, best first; below `cutoff` × the best score left out. A row scores
        its group's score unless `rows` give it its own (a matched department). Ties: bundles
        before items (a life event covers more), then the fewest visits, then the code, so that
        the order is stable."""
        if rows is None or row_scores is None:
            rows, row_scores = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        best = max(
            float(groups.max()) if len(groups) else 0.0,
            float(row_scores.max()) if len(row_scores) else 0.0,
        )
        if best <= 0:
            return []
        floor = best * cutoff
        keep = row_scores >= floor
        own_rows, own_scores = rows[keep], row_scores[keep]
        # The best groups, until they hold `limit` rows, and any tied with the last of them.
        ranked = np.flatnonzero(groups >= floor)
        ranked = ranked[np.argsort(-groups[ranked], kind="stable")]
        chosen: list[int] = []
        count, last = 0, None
        for position in ranked.tolist():
            score = round(float(groups[position]), 4)
            if count >= limit and score != last:
                break
            chosen.append(position)
            count += len(self.group_rows[position])
            last = score
        own: np.ndarray | None = None
        if len(rows):
            own = np.zeros(len(self.records), dtype=bool)
            own[rows] = True
        picked: list[np.ndarray] = [own_rows]
        scores: list[np.ndarray] = [own_scores]
        for group in chosen:
            # Rows already scored with their department are not taken again; a group's rows
            # are in tie-break order, so its first `limit` others are its best.
            members = self.group_rows[group]
            if own is not None:
                members = members[~own[members]]
            members = members[:limit]
            picked.append(members)
            scores.append(np.full(len(members), groups[group], dtype=np.float32))
        candidates = np.concatenate(picked).astype(np.int64)
        values = np.concatenate(scores)
        if not len(candidates):
            return []
        rounded = np.round(values, 4)
        order = np.lexsort(
            (
                self.code_rank[candidates],
                self.visits[candidates],
                self.is_item[candidates],
                -rounded,
            )
        )[:limit]
        return [Hit(int(candidates[i]), float(values[i])) for i in order]

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
        scores = np.zeros(len(self.group_rows), dtype=np.float32)
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
                scores[self.name_groups[n]] = score
        return self._rank(scores, limit, 0.0)

    # -- related bundles -----------------------------------------------------------------------

    def bundles_containing(self, kind: str, code: str) -> list[int]:
        if kind != ITEM:
            return []
        return [row for row in self.bundle_rows if code in self.records[row].member_codes]

    def memory_bytes(self) -> int:
        """Rough size of the numeric index arrays (the records and jieba come on top)."""
        arrays = [self.is_item, self.visits, self.code_rank, self.row_group, self.row_department]
        arrays += self.group_rows + self.department_rows
        total = sum(a.nbytes for a in arrays)
        for field_postings in self.postings.values():
            for ids, scores in field_postings.values():
                total += ids.nbytes + scores.nbytes
        return int(total)


def _pairs(value: str) -> list[str]:
    """The pairs of adjacent Chinese characters of a text."""
    return [run[i : i + 2] for run in _CJK_RUN.findall(value) for i in range(len(run) - 1)]


def _sure_parts(word: str) -> list[str]:
    """The parts of a word (text.parts) of two characters or more, when the cut leaves at most
    one lone character (旅馆|业 → 旅馆); a cut leaving more is a doubtful one (用|电报|装)."""
    parts = text.parts(word)
    if sum(len(part) == 1 for part in parts) > 1:
        return []
    return [part for part in parts if len(part) >= 2]


def _unit(sense: Sequence[str], weight: dict[str, float]) -> dict[str, float]:
    """A sense's gloss words as a unit vector, each weighted by its rarity."""
    values = {t: weight.get(t, 0.0) for t in sense if t != thesaurus.VERB}
    norm = math.sqrt(sum(v * v for v in values.values()))
    return {t: v / norm for t, v in values.items()} if norm else {}


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
    seen: set[int] = set()
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
        # A situation jieba would cut into lone characters is a word of its own (托育, 电驴);
        # one made of dictionary words (卖烟花, 机器伤手) is left to them, so that adding it
        # changes no other cut.
        # Claims of one base item share its tuple: each is looked at once, even at a million rows.
        if record.situations and id(record.situations) not in seen:
            seen.add(id(record.situations))
            for situation in record.situations:
                if len(situation) <= 4 and all(len(w) == 1 for w in text.words(situation)):
                    words.add(situation)
    return words
