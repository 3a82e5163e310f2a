"""Routing (派单建议): which departments should handle a ticket, best first, each with a reason.

Pure: a Router is built from plain records (responsibility entries, past tickets) and answers
from memory, so it is tested and benchmarked without a database. Three kinds of evidence add up
per department:

1. the responsibility lists (职责清单): each keyword found in the text counts by how specific it
   is (inverse department frequency: a keyword only one department lists counts most) and by its
   length; a keyword inside a longer keyword another department matched counts half (电动车 in
   电动车充电); a place name (a town or village) counts little on its own, so that it only
   decides between departments that share the duty (the town governments);
2. the wording of the entries (title and detail), BM25 over jieba tokens, a weak signal for
   texts that use none of the keywords;
3. the history: the past tickets most similar to the text (TF-IDF cosine over jieba tokens)
   vote for the department that finally handled them, and count against a department that
   sent a similar ticket back (退单) — so a wrong suggestion that was sent back is learnt.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import text as dispatch_text


@dataclass(frozen=True)
class Entry:
    """One responsibility list entry of a department."""

    department_id: int
    department: str
    title: str
    keywords: tuple[str, ...]
    detail: str = ""


@dataclass(frozen=True)
class Precedent:
    """A past ticket's text and a department's part in it: finally handled it, or sent it back."""

    text: str
    department_id: int
    department: str
    sent_back: bool = False
    # The text's tokens when the caller already has them (dispatch.selectors keeps them between
    # rebuilds: tokenising thousands of past tickets is most of a rebuild's time).
    tokens: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Weights:
    """How the evidence adds up (tuned on the development set, docs/appeals.md)."""

    keyword_length: float = 0.25  # per character beyond two, up to six
    place: float = 0.35  # a place name's share of a keyword's weight
    contained: float = 0.5  # a keyword inside another department's longer match
    wording: float = 0.3  # BM25 over the entries' wording
    history: float = 4.0  # per unit of similarity of a past ticket finally handled
    send_back: float = 5.0  # per unit of similarity of a past ticket sent back
    neighbours: int = 12  # past tickets consulted
    min_similarity: float = 0.25  # below this a past ticket is not "similar"


@dataclass
class Suggestion:
    """A suggested department: its share of the evidence (0–1, best first) and why."""

    department_id: int
    department: str
    score: float
    reason: str
    keywords: list[str] = field(default_factory=list)
    handled_similar: int = 0
    sent_back_similar: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "department": self.department,
            "department_id": self.department_id,
            "score": self.score,
            "reason": self.reason,
        }


@dataclass
class _Evidence:
    raw: float = 0.0
    keywords: dict[str, float] = field(default_factory=dict)  # keyword → weight
    titles: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # title → weight
    wording: float = 0.0
    handled: int = 0
    sent_back: int = 0


_BM25_K1 = 1.2
_BM25_B = 0.75


class Router:
    """Suggests departments for a text from responsibility entries and precedents."""

    def __init__(
        self,
        entries: Iterable[Entry],
        precedents: Iterable[Precedent] = (),
        *,
        places: Iterable[str] = (),
        weights: Weights | None = None,
    ) -> None:
        self.weights = weights or Weights()
        self.names: dict[int, str] = {}
        place_names = {dispatch_text.compact(p) for p in places}
        # keyword → {department id: entry title}; the first entry naming it gives the title.
        owners: dict[str, dict[int, str]] = defaultdict(dict)
        documents: dict[int, list[str]] = defaultdict(list)
        for entry in entries:
            self.names[entry.department_id] = entry.department
            for keyword in entry.keywords:
                owners[keyword].setdefault(entry.department_id, entry.title)
            documents[entry.department_id] += dispatch_text.tokens(
                " ".join([entry.title, entry.detail, *entry.keywords])
            )
        count = max(len(self.names), 1)
        # Keywords indexed by their first two characters: the text's bigrams pick the few
        # keywords worth a substring test, instead of testing thousands.
        self._keywords: dict[str, list[tuple[str, float, dict[int, str]]]] = defaultdict(list)
        for keyword, departments in owners.items():
            weight = math.log(1 + count / len(departments))
            weight *= 1 + self.weights.keyword_length * (min(len(keyword), 6) - 2)
            if keyword in place_names:
                weight *= self.weights.place
            self._keywords[keyword[:2]].append((keyword, weight, departments))
        self._bm25 = _BM25(documents)
        self._history = _History(precedents)
        for precedent in self._history.precedents:
            self.names.setdefault(precedent.department_id, precedent.department)

    @property
    def departments(self) -> int:
        return len(self.names)

    def suggest(self, text: str, *, limit: int = 5) -> list[Suggestion]:
        """Departments for a ticket's text, best first (at most `limit`); empty when nothing
        points anywhere (the desk then dispatches by hand)."""
        evidence: dict[int, _Evidence] = defaultdict(_Evidence)
        compact = dispatch_text.compact(text)
        self._match_keywords(compact, evidence)
        tokens = dispatch_text.tokens(text)
        for department_id, value in self._bm25.scores(tokens).items():
            item = evidence[department_id]
            item.wording = self.weights.wording * value
            item.raw += item.wording
        self._consult_history(tokens, evidence)
        ranked = sorted(
            ((item.raw, department_id) for department_id, item in evidence.items()),
            key=lambda pair: (-pair[0], self.names.get(pair[1], "")),
        )
        positive = [(raw, department_id) for raw, department_id in ranked if raw > 0]
        total = sum(raw for raw, _ in positive) or 1.0
        return [
            self._suggestion(department_id, evidence[department_id], raw / total)
            for raw, department_id in positive[:limit]
        ]

    def _match_keywords(self, compact: str, evidence: dict[int, _Evidence]) -> None:
        matches: list[tuple[str, float, dict[int, str], int]] = []
        seen = set()
        for i in range(len(compact) - 1):
            pair = compact[i : i + 2]
            if pair in seen:
                continue
            seen.add(pair)
            for keyword, weight, departments in self._keywords.get(pair, ()):
                start = compact.find(keyword)
                if start >= 0:
                    matches.append((keyword, weight, departments, start))
        spans = [
            (start, start + len(keyword), set(departments))
            for keyword, _, departments, start in matches
        ]
        # Per department, overlapping matches are one piece of evidence (中学 and 学生 in 中学生,
        # 欠工资 in 拖欠工资): the heaviest counts.
        best: dict[int, list[tuple[int, int, str, float, str]]] = defaultdict(list)
        for keyword, weight, departments, start in matches:
            end = start + len(keyword)
            for department_id, title in departments.items():
                value = weight
                # Inside a longer keyword that another department matched: less (the text is
                # about the longer thing, 电动车充电 rather than 电动车).
                if any(
                    s <= start and end <= e and (e - s) > len(keyword) and department_id not in d
                    for s, e, d in spans
                ):
                    value *= self.weights.contained
                best[department_id].append((start, end, keyword, value, title))
        for department_id, found in best.items():
            item = evidence[department_id]
            for keyword, value, title in _strongest_of_overlaps(found):
                item.raw += value
                item.keywords[keyword] = value
                item.titles[title] += value

    def _consult_history(self, tokens: list[str], evidence: dict[int, _Evidence]) -> None:
        w = self.weights
        for similarity, precedent in self._history.similar(tokens, w.neighbours):
            if similarity < w.min_similarity:
                continue
            item = evidence[precedent.department_id]
            if precedent.sent_back:
                item.raw -= w.send_back * similarity
                item.sent_back += 1
            else:
                item.raw += w.history * similarity
                item.handled += 1

    def _suggestion(self, department_id: int, item: _Evidence, share: float) -> Suggestion:
        parts = []
        if item.keywords:
            title = max(item.titles, key=lambda t: (item.titles[t], t))
            words = sorted(item.keywords, key=lambda k: (-item.keywords[k], k))[:4]
            parts.append(f"职责清单「{title}」：{'、'.join(words)}")
        if item.handled:
            parts.append(f"相似诉求 {item.handled} 件最终由该部门办理")
        if item.sent_back:
            parts.append(f"该部门退回过相似诉求 {item.sent_back} 件")
        if not item.keywords and item.wording > 0:
            parts.append("诉求内容与该部门职责说明相近")
        return Suggestion(
            department_id=department_id,
            department=self.names.get(department_id, str(department_id)),
            score=round(share, 3),
            reason="；".join(parts),
            keywords=sorted(item.keywords),
            handled_similar=item.handled,
            sent_back_similar=item.sent_back,
        )


def _strongest_of_overlaps(
    found: list[tuple[int, int, str, float, str]],
) -> list[tuple[str, float, str]]:
    """Group matches whose spans overlap; keep the heaviest of each group."""
    kept: list[tuple[str, float, str]] = []
    group_end = -1
    group: tuple[str, float, str] | None = None
    for start, end, keyword, value, title in sorted(found):
        if start >= group_end:
            if group is not None:
                kept.append(group)
            group, group_end = (keyword, value, title), end
            continue
        group_end = max(group_end, end)
        if group is None or value > group[1]:
            group = (keyword, value, title)
    if group is not None:
        kept.append(group)
    return kept


class _BM25:
    """BM25 of a query's tokens against one document per department."""

    def __init__(self, documents: dict[int, list[str]]) -> None:
        self.lengths = {d: len(tokens) for d, tokens in documents.items()}
        self.average = (sum(self.lengths.values()) / len(self.lengths)) if self.lengths else 1.0
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for department_id, tokens in documents.items():
            for token, tf in Counter(tokens).items():
                self.postings[token].append((department_id, tf))
        n = len(documents)
        self.idf = {
            token: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5))
            for token, p in self.postings.items()
        }

    def scores(self, tokens: list[str]) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        for token in set(tokens):
            for department_id, tf in self.postings.get(token, ()):
                norm = _BM25_K1 * (
                    1 - _BM25_B + _BM25_B * self.lengths[department_id] / (self.average or 1)
                )
                scores[department_id] += self.idf[token] * tf * (_BM25_K1 + 1) / (tf + norm)
        return scores


class _History:
    """Past tickets as TF-IDF vectors, with an inverted index for the nearest ones."""

    def __init__(self, precedents: Iterable[Precedent]) -> None:
        self.precedents: list[Precedent] = []
        token_sets: list[Counter[str]] = []
        for precedent in precedents:
            known = precedent.tokens
            tokens = Counter(dispatch_text.tokens(precedent.text) if known is None else known)
            if tokens:
                self.precedents.append(precedent)
                token_sets.append(tokens)
        n = len(self.precedents)
        frequency: Counter[str] = Counter()
        for tokens in token_sets:
            frequency.update(tokens.keys())
        self.idf = {token: math.log(1 + n / df) for token, df in frequency.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.norms: list[float] = []
        for index, tokens in enumerate(token_sets):
            vector = {t: (1 + math.log(tf)) * self.idf[t] for t, tf in tokens.items()}
            self.norms.append(math.sqrt(sum(v * v for v in vector.values())) or 1.0)
            for token, value in vector.items():
                self.postings[token].append((index, value))

    def similar(self, tokens: list[str], limit: int) -> list[tuple[float, Precedent]]:
        if not self.precedents or not tokens:
            return []
        query = {
            t: (1 + math.log(tf)) * self.idf[t]
            for t, tf in Counter(tokens).items()
            if t in self.idf
        }
        if not query:
            return []
        query_norm = math.sqrt(sum(v * v for v in query.values()))
        dots: dict[int, float] = defaultdict(float)
        for token, q in query.items():
            for index, value in self.postings[token]:
                dots[index] += q * value
        best = heapq.nlargest(
            limit, ((dot / (query_norm * self.norms[i]), i) for i, dot in dots.items())
        )
        return [(similarity, self.precedents[i]) for similarity, i in best]
