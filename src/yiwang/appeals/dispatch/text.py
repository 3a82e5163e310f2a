"""Text handling for dispatch help: normalisation, responsibility keywords, jieba tokens for
similarity and character bigrams for duplicate detection.

The jieba tokenizer is the catalogue search's shared one (catalog.search.text): loading a second
dictionary would cost another ~0.7 s and ~60 MB. Dispatch help only reads it, never adds words,
so guided search segmentation is unaffected."""

from __future__ import annotations

import math
import re
from collections.abc import Set as AbstractSet

from yiwang.catalog.search import text as search_text

# Keyword lists are edited by people: accept 、 , ， ; ； and line breaks (and spaces).
_KEYWORD_SPLIT = re.compile(r"[、,，;；\s]+")
_CJK_OR_WORD = re.compile(r"[\u3400-\u9fffa-z0-9]")

# Words in almost every appeal that say nothing about who handles it.
_NOISE = (
    "反映 投诉 举报 咨询 求助 建议 希望 要求 请求 尽快 处理 解决 相关 部门 问题 情况 一直 没有 "
    "不 没 人 说 问 多次 好几次 几次 很多 非常 严重 影响 生活 群众 市民 居民 来电 来电人 诉求 "
    "表示 称 目前 至今 今天 昨天 每天 现在 已经 还是 但是 可是 而且 因为 所以 如果 一下 什么 "
    "怎么 为什么 哪里 谁 管 有人 这里 那里 附近 门口 旁边 对面 这边 那边 x xx xxx"
)
_NOISE_TOKENS = frozenset(_NOISE.split())


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, punctuation to spaces (as guided search does)."""
    return search_text.normalise(text)


def compact(text: str) -> str:
    """The normalised text without spaces: keywords are matched as substrings of it, so that a
    keyword is found however jieba would have cut the sentence."""
    return normalise(text).replace(" ", "")


def keywords_of(raw: str) -> list[str]:
    """The distinct keywords of a responsibility entry's keyword text, normalised, in order.
    A single character is dropped: it would match inside unrelated words (电 in 电梯)."""
    found: dict[str, None] = {}
    for part in _KEYWORD_SPLIT.split(raw or ""):
        word = compact(part)
        if len(word) >= 2:
            found.setdefault(word, None)
    return list(found)


def tokens(text: str) -> list[str]:
    """Content tokens of a text for similarity (jieba's search-mode words, stop words and appeal
    boilerplate left out)."""
    return [
        t
        for t in search_text.tokens(normalise(text))
        if len(t) > 1 and t not in _NOISE_TOKENS and _CJK_OR_WORD.search(t)
    ]


def bigrams(text: str) -> set[str]:
    """The character bigrams of a text's Chinese characters, letters and digits: the units of
    "very similar text" (robust to wording order, typos and how jieba cuts)."""
    chars = "".join(_CJK_OR_WORD.findall(normalise(text)))
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def similarity(a: AbstractSet[str], b: AbstractSet[str]) -> float:
    """Cosine similarity of two bigram sets (shared ÷ √(|a|·|b|)), 0 when either is empty: a
    short text inside a long one scores by how much of the long one it covers too."""
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))
