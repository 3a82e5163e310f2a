"""The guided-search dictionary of everyday phrasings (导办同义词): reads, and the audited
writes behind the admin.

A synonym row maps what people say ("开饭店", "丢了") to catalogue words ("餐饮 食品经营",
"补领 挂失 遗失"). The shipped seed list is data/synonyms.csv; `synonyms_seed` loads the rows that
are missing. While the table is empty (a database flushed by a test, or never seeded), search
uses the shipped list so that it never silently loses its everyday phrasings.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from yiwang.audit.services import audit_change, snapshot
from yiwang.catalog.models import SearchSynonym
from yiwang.catalog.search.text import normalise

SYNONYM_FIELDS = ["phrase", "expansions", "active"]
MAX_EXPANSIONS = 12


@dataclass(frozen=True)
class Synonym:
    """An everyday phrase (normalised) and the catalogue words it expands to."""

    phrase: str
    expansions: tuple[str, ...]


@cache
def seed_rows() -> tuple[tuple[str, str], ...]:
    """(phrase, expansions) rows of the shipped seed list data/synonyms.csv."""
    path = resources.files("yiwang.catalog").joinpath("data/synonyms.csv")
    with path.open(encoding="utf-8") as fh:
        return tuple(
            (row["phrase"].strip(), row["expansions"].strip())
            for row in csv.DictReader(fh)
            if row.get("phrase", "").strip()
        )


def clean_synonym(phrase: str, expansions: str) -> tuple[str, str]:
    """Validated, normalised (phrase, expansions); Chinese errors keyed by field."""
    errors: dict[str, str] = {}
    phrase_n = normalise(phrase).replace(" ", "")
    words = normalise(expansions).split()
    if not phrase_n:
        errors["phrase"] = "请填写群众说法，例如“开饭店”。"
    elif len(phrase_n) > 50:
        errors["phrase"] = "群众说法不能超过 50 个字。"
    if not words:
        errors["expansions"] = "请填写至少一个规范用语，多个词用空格分隔。"
    elif len(words) > MAX_EXPANSIONS:
        errors["expansions"] = f"规范用语最多 {MAX_EXPANSIONS} 个。"
    elif phrase_n and words == [phrase_n]:
        errors["expansions"] = "规范用语不能与群众说法完全相同。"
    joined = " ".join(dict.fromkeys(words))
    if len(joined) > 300:
        errors["expansions"] = "规范用语总长度不能超过 300 个字符。"
    if errors:
        raise ValidationError(errors)
    return phrase_n, joined


def as_synonyms(rows: Any) -> list[Synonym]:
    """Synonym values from (phrase, expansions) pairs, normalised, blank ones skipped."""
    result = []
    for phrase, expansions in rows:
        phrase_n = normalise(phrase).replace(" ", "")
        words = tuple(dict.fromkeys(normalise(expansions).split()))
        if phrase_n and words:
            result.append(Synonym(phrase_n, words))
    return result


def active_synonyms() -> list[Synonym]:
    """The dictionary search uses: the active rows, or the shipped list while the table is
    empty."""
    rows = list(SearchSynonym.objects.values_list("phrase", "expansions", "active"))
    if not rows:
        return as_synonyms(seed_rows())
    return as_synonyms((p, e) for p, e, active in rows if active)


@transaction.atomic
def synonym_set(
    *,
    phrase: str,
    expansions: str,
    active: bool = True,
    synonym: SearchSynonym | None = None,
    actor: Any = None,
    reason: str = "",
) -> SearchSynonym:
    """Create a synonym, or change `synonym`. Every worker's search index notices the change on
    its next search (the synonyms take part in the catalogue fingerprint)."""
    phrase_n, joined = clean_synonym(phrase, expansions)
    exists = ValidationError({"phrase": f"群众说法“{phrase_n}”已存在。"})
    clash = SearchSynonym.objects.filter(phrase=phrase_n)
    if synonym is not None:
        clash = clash.exclude(pk=synonym.pk)
    if clash.exists():
        raise exists
    row = synonym if synonym is not None else SearchSynonym()
    before = snapshot(row, SYNONYM_FIELDS) if synonym is not None else None
    row.phrase, row.expansions, row.active = phrase_n, joined, active
    row.full_clean()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Another admin saved the same phrase after the check above, before this commit.
        raise exists from None
    audit_change(
        action="catalog.synonym_set",
        obj=row,
        before=before,
        after=snapshot(row, SYNONYM_FIELDS),
        actor=actor,
        reason=reason,
    )
    return row


@transaction.atomic
def synonym_delete(*, synonym: SearchSynonym, actor: Any = None, reason: str = "") -> None:
    """Remove a synonym (to keep it but stop using it, set it inactive instead)."""
    audit_change(
        action="catalog.synonym_delete",
        obj=synonym,
        before=snapshot(synonym, SYNONYM_FIELDS),
        actor=actor,
        reason=reason,
    )
    synonym.delete()


@transaction.atomic
def synonyms_seed(*, actor: Any = None) -> int:
    """Load the shipped seed list: create the phrases that are missing (existing rows, edited or
    deactivated by an admin, are left alone). Returns how many were created. Idempotent."""
    existing = set(SearchSynonym.objects.values_list("phrase", flat=True))
    created = 0
    for phrase, expansions in seed_rows():
        phrase_n, joined = clean_synonym(phrase, expansions)
        if phrase_n in existing:
            continue
        synonym_set(phrase=phrase_n, expansions=joined, actor=actor, reason="导办同义词初始数据")
        existing.add(phrase_n)
        created += 1
    return created
