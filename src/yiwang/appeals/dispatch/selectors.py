"""Reads of dispatch help: the router built from the database (kept per process, rebuilt when
the responsibility lists or the ticket history change), suggestions for a text or a ticket,
likely duplicates of a ticket, and the responsibility lists for the editing page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet

from yiwang.appeals.dispatch import text as dispatch_text
from yiwang.appeals.dispatch.routing import Entry, Precedent, Router, Suggestion
from yiwang.appeals.fields import AssignmentRole, AssignmentStatus, TicketStatus
from yiwang.appeals.models import Responsibility, Ticket, TicketAssignment
from yiwang.org.models import Department, Region, RegionLevel, User
from yiwang.org.selectors import departments_in_scope

_lock = threading.Lock()
_cached: tuple[tuple[object, ...], Router] | None = None
# Past tickets' tokens by text, kept between rebuilds (only those still read are kept).
_tokens: dict[str, tuple[str, ...]] = {}


def _stamp() -> tuple[object, ...]:
    """What the router was built from: any edit of a responsibility entry (updated_at moves,
    the count catches a deletion), a ticket closed, a send-back."""
    lists = Responsibility.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    closed = Ticket.objects.filter(status=TicketStatus.CLOSED).aggregate(
        n=Count("id"), at=Max("closed_at")
    )
    backs = TicketAssignment.objects.filter(status=AssignmentStatus.SENT_BACK).aggregate(
        n=Count("id"), at=Max("sent_back_at")
    )
    return (lists["n"], lists["at"], closed["n"], closed["at"], backs["n"], backs["at"])


def _ticket_text(title: str, content: str) -> str:
    return f"{title} {content}"


def _build() -> Router:
    entries = [
        Entry(
            department_id=r.department_id,
            department=r.department.name,
            title=r.title,
            keywords=tuple(dispatch_text.keywords_of(r.keywords)),
            detail=r.detail,
        )
        for r in Responsibility.objects.filter(active=True).select_related("department")
    ]
    history = settings.YIWANG_APPEAL_ROUTE_HISTORY
    precedents = [
        Precedent(text=_ticket_text(title, content), department_id=dept_id, department=name)
        for title, content, dept_id, name in Ticket.objects.filter(
            status=TicketStatus.CLOSED, lead_department__isnull=False
        )
        .order_by("-closed_at", "-id")
        .values_list("title", "content", "lead_department_id", "lead_department__name")[:history]
    ]
    precedents += [
        Precedent(
            text=_ticket_text(title, content),
            department_id=dept_id,
            department=name,
            sent_back=True,
        )
        for title, content, dept_id, name in TicketAssignment.objects.filter(
            status=AssignmentStatus.SENT_BACK, role=AssignmentRole.LEAD
        )
        .order_by("-sent_back_at", "-id")
        .values_list("ticket__title", "ticket__content", "department_id", "department__name")[
            :history
        ]
    ]
    global _tokens
    known = _tokens
    fresh: dict[str, tuple[str, ...]] = {}
    for i, p in enumerate(precedents):
        tokens = known.get(p.text)
        if tokens is None:
            tokens = tuple(dispatch_text.tokens(p.text))
        fresh[p.text] = tokens
        precedents[i] = dataclasses.replace(p, tokens=tokens)
    _tokens = fresh
    places = Region.objects.filter(level__in=[RegionLevel.TOWN, RegionLevel.VILLAGE]).values_list(
        "name", flat=True
    )
    return Router(entries, precedents, places=places)


def router() -> Router:
    """The process's router, rebuilt when what it was built from changed (two aggregate
    queries per call; the rebuild itself takes a fraction of a second)."""
    global _cached
    stamp = _stamp()
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        if _cached is None or _cached[0] != stamp:
            _cached = (stamp, _build())
        return _cached[1]


def route(text: str, *, limit: int | None = None) -> list[Suggestion]:
    """Suggested departments for a ticket text, best first (YIWANG_APPEAL_ROUTE_LIMIT)."""
    return router().suggest(text, limit=limit or settings.YIWANG_APPEAL_ROUTE_LIMIT)


def suggestions_for_text(text: str, *, user: User | None = None) -> list[Suggestion]:
    """Suggestions for a text, limited to the departments in the reader's data scope (the
    bureau dispatches within its region)."""
    found = route(text, limit=50)
    if user is not None:
        allowed = set(departments_in_scope(user=user).values_list("pk", flat=True))
        found = [s for s in found if s.department_id in allowed]
    return found[: settings.YIWANG_APPEAL_ROUTE_LIMIT]


def suggestions_for(ticket: Ticket, *, user: User | None = None) -> list[Suggestion]:
    """Suggestions for a ticket (its title and content), within the reader's scope."""
    return suggestions_for_text(_ticket_text(ticket.title, ticket.content), user=user)


@dataclass(frozen=True)
class Duplicate:
    """Another ticket that is likely the same appeal, and why."""

    ticket: Ticket
    same_caller: bool
    similarity: float  # 0–1, bigram cosine of the texts

    @property
    def reason(self) -> str:
        parts = []
        if self.same_caller:
            parts.append("同一来电人")
        if self.similarity >= settings.YIWANG_APPEAL_DUPLICATE_SIMILARITY / 100:
            parts.append(f"内容相似度 {round(self.similarity * 100)}%")
        return "，".join(parts)


_BIGRAMS_KEPT = 200_000
# Keyed by the id and the text's hash: ids can come back (a test database rolled back), texts
# of a ticket do not change.
_bigrams: dict[tuple[int, int], frozenset[str]] = {}


def _bigrams_of(pk: int, title: str, content: str) -> frozenset[str]:
    text = _ticket_text(title, content)
    key = (pk, hash(text))
    found = _bigrams.get(key)
    if found is None:
        if len(_bigrams) >= _BIGRAMS_KEPT:
            _bigrams.clear()
        found = _bigrams[key] = frozenset(dispatch_text.bigrams(text))
    return found


def duplicates_of(ticket: Ticket, *, user: User | None = None) -> list[Duplicate]:
    """Likely duplicates of a ticket: other tickets registered within
    YIWANG_APPEAL_DUPLICATE_DAYS days before or after it, not merged, from the same caller
    (phone or portal account) or with very similar text (bigram cosine at least
    YIWANG_APPEAL_DUPLICATE_SIMILARITY percent). Most similar first; within the reader's
    scope (the tickets' centre)."""
    days = settings.YIWANG_APPEAL_DUPLICATE_DAYS
    threshold = settings.YIWANG_APPEAL_DUPLICATE_SIMILARITY / 100
    window = dt.timedelta(days=days)
    candidates = (
        Ticket.objects.filter(
            registered_at__gte=ticket.registered_at - window,
            registered_at__lte=ticket.registered_at + window,
        )
        .exclude(pk=ticket.pk)
        .exclude(status=TicketStatus.MERGED)
        .select_related("lead_department")
    )
    if user is not None:
        candidates = candidates.filter(centre__in=departments_in_scope(user=user))
    caller = Q()
    if ticket.applicant_phone_hash:
        caller |= Q(applicant_phone_hash=ticket.applicant_phone_hash)
    if ticket.applicant_id:
        caller |= Q(applicant_id=ticket.applicant_id)
    same_caller_ids = (
        set(candidates.filter(caller).values_list("pk", flat=True)) if caller else set()
    )
    mine = dispatch_text.bigrams(_ticket_text(ticket.title, ticket.content))
    # Text similarity is computed here, not in SQL: the window holds a month or two of one
    # county's tickets; only their ids and texts are read, the bigrams of each text are kept
    # per process (a ticket's text does not change), and only the matches are loaded.
    scores: dict[int, float] = {}
    for pk, title, content in candidates.values_list("pk", "title", "content").iterator(
        chunk_size=2000
    ):
        similarity = dispatch_text.similarity(mine, _bigrams_of(pk, title, content))
        if similarity >= threshold or pk in same_caller_ids:
            scores[pk] = similarity
    found = [
        Duplicate(
            ticket=other, same_caller=other.pk in same_caller_ids, similarity=scores[other.pk]
        )
        for other in candidates.filter(pk__in=list(scores))
    ]
    found.sort(key=lambda d: (-d.similarity, -d.same_caller, d.ticket.pk))
    return found


def responsibility_lists(*, user: User) -> QuerySet[Department]:
    """The departments of the reader's scope with their responsibility entries (the editing
    page), by name."""
    from django.db.models import Prefetch

    return (
        departments_in_scope(user=user)
        .prefetch_related(
            Prefetch("responsibilities", queryset=Responsibility.objects.order_by("title", "id"))
        )
        .order_by("name")
    )


def responsibility_get_for(*, user: User, pk: int) -> Responsibility:
    """One responsibility entry of a department in the reader's scope (else 404)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        Responsibility.objects.select_related("department").filter(
            department__in=departments_in_scope(user=user)
        ),
        pk=pk,
    )
