"""Stored case details (CaseSnapshot): the API's answer for a case, rendered after every write so
that a status poll reads one row instead of eight tables (docs/cases.md, "Status reads").

The rule that keeps them true: every save or delete of a case or of a row its detail shows (its
history, materials, notices, corrections, special procedures, payment, verification, clocks and
their pauses) gives the case a new random `detail_key` in the writing transaction, and renders
its snapshot again once the transaction commits. A snapshot is used only while it carries the
case's current key (and the current format, and today's date when it counts days up to today);
otherwise the detail is built from the tables — never a stale answer, only a slower one.
"""

from __future__ import annotations

import json
import logging
import secrets
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation

from yiwang.cases import selectors
from yiwang.cases.api import presenting
from yiwang.cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseNotice,
    CaseSnapshot,
    CorrectionRequest,
    Payment,
    SpecialProcedure,
    Verification,
)
from yiwang.common.api import json_data
from yiwang.common.crypto import DecryptionError, sm4_decrypt_bytes, sm4_encrypt_bytes
from yiwang.workdays.models import Clock, ClockPause

logger = logging.getLogger(__name__)

# Raised whenever the stored body's shape changes: older snapshots are then ignored until
# `yiwang cases snapshots` (or the next write) renders them again.
SNAPSHOT_FORMAT = 2  # 2: compressed and SM4-encrypted
CASE_SUBJECT = "cases.case"  # Clock.subject_type of a case's clocks (cases.services)
CHILD_MODELS: tuple[type[Model], ...] = (
    CaseEvent,
    CaseMaterial,
    CaseNotice,
    CorrectionRequest,
    SpecialProcedure,
    Payment,
    Verification,
)


def _new_key() -> int:
    return secrets.randbits(62)


def render(record: selectors.CaseRecord) -> CaseSnapshot:
    """The snapshot of a case read with its child rows, in the site's language and time zone
    (the API's default; other languages are built from the tables)."""
    with translation.override(settings.LANGUAGE_CODE):
        data = json_data(presenting.stable(record))
    # The same compact form DRF's JSONRenderer writes; compressed (a third of the size, so
    # more of the table stays in memory) and encrypted like every personal value at rest —
    # the detail holds the form, the delivery address and names in clear.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    body = sm4_encrypt_bytes(zlib.compress(text.encode("utf-8"), 1))
    counts_today = any(p.ended_on is None for p in record.legal_pauses)
    return CaseSnapshot(
        case_id=record.case.pk,
        key=record.case.detail_key,
        day=timezone.localdate() if counts_today else None,
        format=SNAPSHOT_FORMAT,
        body=body,
    )


def is_current(snapshot: CaseSnapshot | None, case: Case) -> bool:
    """Whether `snapshot` may answer for `case` now (and in this request's language)."""
    return (
        snapshot is not None
        and snapshot.key == case.detail_key
        and snapshot.format == SNAPSHOT_FORMAT
        and (snapshot.day is None or snapshot.day == timezone.localdate())
        and translation.get_language() == settings.LANGUAGE_CODE
    )


def answer(snapshot: CaseSnapshot, live: dict[str, Any]) -> str | None:
    """The detail's JSON text: the stored object with the live part appended; None when the
    stored one cannot be read (its key removed from YIWANG_PII_KEYS, say) — then the detail
    is built from the tables."""
    try:
        stored = text(snapshot)
    except (DecryptionError, ImproperlyConfigured, zlib.error, UnicodeError):
        logger.warning("stored detail of case %s unreadable; built from the tables", snapshot.pk)
        return None
    tail = json.dumps(json_data(live), ensure_ascii=False, separators=(",", ":"))
    return f"{stored[:-1]},{tail[1:]}"


def text(snapshot: CaseSnapshot) -> str:
    """The stored detail's JSON text (tests, support)."""
    return zlib.decompress(sm4_decrypt_bytes(snapshot.body)).decode("utf-8")


def refresh(case_ids: Iterable[int]) -> int:
    """Render and store the snapshots of these cases (those that still exist); returns how many
    were written — in one upsert, whoever stored one meanwhile. Each carries the key read with
    the rows it was rendered from: a write committed meanwhile has given the case a new key,
    so a snapshot of the older state, even stored last, is never used."""
    rendered = []
    for case_id in sorted(set(case_ids)):
        case = selectors.case_read_for_system(case_id)
        if case is not None:
            rendered.append(render(selectors.case_record(case)))
    if rendered:
        CaseSnapshot.objects.bulk_create(
            rendered,
            update_conflicts=True,
            unique_fields=["case"],
            update_fields=["key", "day", "format", "body"],
        )
    return len(rendered)


def refresh_stale(*, batch: int = 500, progress: Callable[[int, int], None] | None = None) -> int:
    """Render every missing or outdated snapshot (after an upgrade that changed the format,
    data loaded in bulk, and each day for those counting days up to today: the worker's daily
    round). Commits per batch; returns how many were written."""
    today = timezone.localdate()
    ids = list(selectors.stale_snapshot_ids(format=SNAPSHOT_FORMAT, today=today))
    written = 0
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            written += refresh(ids[start : start + batch])
        if progress is not None:
            progress(min(start + batch, len(ids)), len(ids))
    return written


_deferred: ContextVar[set[int] | None] = ContextVar("snapshot_touches_deferred", default=None)


@contextmanager
def touches_deferred() -> Iterator[None]:
    """Within one transaction doing many writes to the same cases (demo.simulation's batches:
    some 30 saves per case), give each changed case one new key at the end of the block instead
    of one per write. Nobody outside the transaction sees the keys in between, so the last one
    is all that matters; the snapshots are rendered after commit as before. A failing block
    touches nothing (its transaction rolls back)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("touches_deferred() must run inside transaction.atomic().")
    ids: set[int] = set()
    token = _deferred.set(ids)
    try:
        yield
    finally:
        _deferred.reset(token)
    touch(ids)


def touch(case_ids: Iterable[int]) -> None:
    """Mark these cases' details as changed (a new key now) and render them again after commit:
    for writes that bypass save() (QuerySet.update)."""
    ids = {int(i) for i in case_ids if i is not None}
    if not ids:
        return
    deferred = _deferred.get()
    if deferred is not None:
        deferred.update(ids)
        return
    # Plain SQL: this runs after every save of a case or a child row, and building the
    # equivalent QuerySet.update() would cost more than the statement.
    table = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cursor:
        for case_id in ids:
            cursor.execute(
                f"UPDATE {table} SET detail_key = %s WHERE id = %s",  # noqa: S608 (names ours)
                [_new_key(), case_id],
            )
    pending: set[int] = connection.__dict__.setdefault("_yiwang_snapshots_pending", set())
    pending.update(ids)
    transaction.on_commit(_flush)


def _flush() -> None:
    pending: set[int] = connection.__dict__.setdefault("_yiwang_snapshots_pending", set())
    ids = set(pending)
    pending.clear()
    if not ids:
        return  # an earlier callback of this commit took them
    try:
        refresh(ids)
    except Exception:  # the write has committed; a missing snapshot only slows reads down
        logger.exception("case snapshots not rendered: %s", sorted(ids))


def _case_id_of(instance: Model) -> int | None:
    if isinstance(instance, Case):
        return instance.pk
    if isinstance(instance, ClockPause):
        clock = Clock.objects.filter(pk=instance.clock_id).values_list("subject_type", "subject_id")
        found = clock.first()
        return int(found[1]) if found and found[0] == CASE_SUBJECT else None
    if isinstance(instance, Clock):
        return int(instance.subject_id) if instance.subject_type == CASE_SUBJECT else None
    return getattr(instance, "case_id", None)


def _changed(sender: type[Model], instance: Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata
        return
    case_id = _case_id_of(instance)
    if case_id is not None:
        touch([case_id])


def connect() -> None:
    """Connect the write signals (CasesConfig.ready)."""
    watched: tuple[type[Model], ...] = (Case, *CHILD_MODELS, Clock, ClockPause)
    for model in watched:
        uid = f"yiwang.cases.snapshots.{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.delete")
