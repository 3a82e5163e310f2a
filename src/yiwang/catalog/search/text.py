"""Text handling for guided search (智能导办): normalisation, stop words, Chinese tokenisation
with jieba and pinyin keys with pypinyin.

One jieba tokenizer per process: loading its dictionary takes ~0.7 s and ~60 MB, so it is
created on first use and shared. Catalogue words are added to it when an index is built.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections.abc import Iterable

_NON_WORD = re.compile(r"[\W_]+")
_LATIN_QUERY = re.compile(r"[a-z' ]+")
_CJK = re.compile(r"[\u3400-\u9fff]")

# Phrases people wrap around their need; removed from the query (longest first) after the
# synonyms have been matched, so that "丢了怎么办" can still expand "丢了".
STOP_PHRASES = sorted(
    {
        "要办什么证",
        "办什么证",
        "什么证件",
        "什么证",
        "要什么手续",
        "什么手续",
        "要带什么",
        "带什么",
        "需要什么",
        "要什么",
        "怎么办理",
        "如何办理",
        "怎样办理",
        "怎么办",
        "怎么弄",
        "怎么",
        "如何",
        "怎样",
        "咋办",
        "哪里",
        "哪儿",
        "去哪",
        "在哪",
        "我想",
        "我要",
        "想要",
        "需要",
        "请问",
        "一下",
        "有没有",
        "能不能",
        "可不可以",
        "可以",
        "是否",
        "什么",
        "多少",
        "手续",
        "流程",
        # What every item gives, or a question about it: no clue to which (打鱼要办证,
        # 爷爷走了要办哪些手续).
        "办证",
        "哪些",
    },
    # Longest first, then in a fixed order: a set's order changes per process, and which of
    # 要什么 / 什么证 goes first decides whether 证 stays in 卖酒要什么证.
    key=lambda phrase: (-len(phrase), phrase),
)

STOP_WORDS = frozenset(STOP_PHRASES)

# Tokens that carry no meaning for matching, in queries and documents alike.
_FILLER_WORDS = (
    "的 了 吗 呢 吧 啊 呀 哦 嘛 么 要 想 办 能 去 个 和 与 及 或 在 给 把 被 让 我 你 他 她 "
    "我们 你们 咱 是 有 会 得 地 着 过 都 也 就 还 又 再 才 这 那 这个 那个 哪 啥 该 应该 "
    "一个 一家 一些 下 上 里 中 后 前 时 时候 现在 已经 办理 办事 申请 证件 事项"
)
STOP_TOKENS = frozenset(_FILLER_WORDS.split())

_tokenizer_lock = threading.Lock()
_tokenizer = None


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, punctuation and runs of spaces to one
    space."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(_NON_WORD.sub(" ", text).split())


def is_latin_query(text: str) -> bool:
    """A query made of Latin letters only (pinyin such as "shenfenzheng" or "sfz")."""
    return bool(text) and bool(_LATIN_QUERY.fullmatch(text)) and not _CJK.search(text)


def strip_stop_phrases(text: str) -> str:
    for phrase in STOP_PHRASES:
        if phrase in text:
            text = text.replace(phrase, " ")
    return " ".join(text.split())


def tokenizer():  # type: ignore[no-untyped-def]
    """The process's jieba tokenizer (own instance, so other users of jieba are unaffected)."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba

                # jieba logs its dictionary loading on stderr at DEBUG level.
                jieba.setLogLevel(logging.WARNING)
                instance = jieba.Tokenizer()
                instance.initialize()
                _tokenizer = instance
    return _tokenizer


def add_words(words: Iterable[str]) -> int:
    """Teach the tokenizer catalogue words (material names, department short names …) so they
    segment as one word. Returns how many were new."""
    tk = tokenizer()
    added = 0
    with _tokenizer_lock:
        # Sorted: jieba suggests a new word's frequency from the words it already has, so the
        # order of adding decides the segmentation, and a set's order changes per process.
        for word in sorted(words):
            word = normalise(word).replace(" ", "")
            # FREQ also holds every prefix of a dictionary word with frequency 0.
            if 2 <= len(word) <= 8 and not tk.FREQ.get(word):
                tk.add_word(word)
                added += 1
    return added


MAX_SUBWORD = 6


def words(text: str) -> list[str]:
    """The words of an already normalised text (jieba's precise mode, HMM off), spaces
    dropped."""
    if not text:
        return []
    return [w for w in tokenizer().cut(text, HMM=False) if w.strip()]


def parts(word: str) -> list[str]:
    """The words a catalogue word is made of, as jieba would cut it had the word itself not been
    added to its dictionary (居住证申领 → 居住证 申领, 公章刻制备案 → 公章 刻制 备案): the most
    probable cut by jieba's frequencies without the whole word. A word with no such cut is
    itself."""
    tk = tokenizer()
    freq, total = tk.FREQ, math.log(tk.total or 1)
    size = len(word)
    # best[i]: (log-probability, end of the first word) of the best cut of word[i:].
    best: list[tuple[float, int]] = [(0.0, size)] * (size + 1)
    for i in range(size - 1, -1, -1):
        options = []
        for j in range(i + 1, min(size, i + MAX_SUBWORD) + 1):
            piece = word[i:j]
            if piece == word:
                continue
            count = freq.get(piece) or (1 if j == i + 1 else 0)
            if count:
                options.append((math.log(count) - total + best[j][0], j))
        best[i] = max(options) if options else (-math.inf, size)
    found, i = [], 0
    while i < size:
        j = best[i][1]
        found.append(word[i:j])
        i = j
    return found


def word_spans(sequence: list[str]) -> list[tuple[str, tuple[int, int]]]:
    """Each word with its (start, end) offsets in the joined sequence."""
    spans, position = [], 0
    for word in sequence:
        spans.append((word, (position, position + len(word))))
        position += len(word)
    return spans


def fine_boundaries(sequence: list[str]) -> set[int]:
    """Offsets in the joined sequence where a word or a dictionary word inside a word begins or
    ends: 租房合同 has boundaries inside (租房|合同), 烟花爆竹 has none after 烟."""
    freq = tokenizer().FREQ
    boundaries = {0}
    for word, (start, end) in word_spans(sequence):
        boundaries.update((start, end))
        for size in range(2, min(len(word), MAX_SUBWORD + 1)):
            for i in range(len(word) - size + 1):
                if freq.get(word[i : i + size]):
                    boundaries.update((start + i, start + i + size))
    return boundaries


def word_groups(text: str) -> list[list[str]]:
    """For each word of an already normalised text, the tokens it is searched by: the dictionary
    words inside it (as jieba's search mode finds them) and the word itself, without stop
    words. HMM is off so that unknown characters split the same way in documents and
    queries."""
    if not text:
        return []
    freq = tokenizer().FREQ
    groups = []
    for word in words(text):
        # Like jieba's search mode, but with dictionary words of every length inside a long
        # word (人民调解 inside 人民调解申请), not only those of two and three characters.
        group = [
            word[i : i + size]
            for size in range(2, min(len(word), MAX_SUBWORD + 1))
            for i in range(len(word) - size + 1)
            if freq.get(word[i : i + size])
        ]
        group.append(word)
        group = [t for t in dict.fromkeys(group) if t not in STOP_TOKENS]
        if group:
            groups.append(group)
    return groups


def tokens(text: str) -> list[str]:
    """Search tokens of an already normalised text (jieba's search mode: a long word and the
    dictionary words inside it), without stop words."""
    return [token for group in word_groups(text) for token in group]


def text_tokens(text: str) -> list[str]:
    return tokens(normalise(text))


def pinyin_keys(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, without tones or separators: 居民身份证补领 →
    ("juminshenfenzhengbuling", "jmsfzbl")."""
    from pypinyin import Style, lazy_pinyin

    clean = normalise(text).replace(" ", "")
    full = "".join(lazy_pinyin(clean, style=Style.NORMAL, errors="default"))
    initials = "".join(
        s[:1] for s in lazy_pinyin(clean, style=Style.FIRST_LETTER, errors="default")
    )
    return full, initials


def cjk_characters(text: str) -> list[str]:
    """The distinct Chinese characters of a text, in order (the fallback's units: a character
    carries meaning of its own, so 早餐 shares 餐 with 餐饮 and 就医 shares 医 with 医保)."""
    return list(dict.fromkeys(_CJK.findall(text)))


def content_characters(normal: str) -> list[str]:
    """The Chinese characters of an already normalised query that carry its need: stop phrases
    and filler words (的, 了, 办, 要 …) left out."""
    kept = [w for w in words(strip_stop_phrases(normal)) if w not in STOP_TOKENS]
    return cjk_characters("".join(kept))
