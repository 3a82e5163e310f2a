"""Every write to the audit trail, and its verification.

Services of other apps call :func:`audit_change` inside their own ``transaction.atomic`` so the
event commits or rolls back with the change it records. Reads of personal data go through
:func:`personal_data_reveal` (or :func:`audit_access` for exports). Personal data is never
stored in clear in the trail: values are masked before they are hashed and written.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import math
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.duration import duration_iso_string
from django.utils.functional import Promise

from yiwang.common.crypto import sm3_hex
from yiwang.common.masking import mask_text
from yiwang.common.personal import EncryptedPersonalField, PersonalValue

from .context import current_audit_context
from .models import GENESIS_HASH, AuditChainHead, AuditEvent, EventKind

SYSTEM_ACTOR_LABEL = "system"
REVEAL_PERMISSION = "audit.reveal_personal_data"
REASON_REQUIRED = "请填写查看事由。"
HEAD_ID = 1
VERIFY_CHUNK = 2000

# Fields covered by the hash, in the documented order (the JSON is key-sorted anyway).
HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "kind",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_label",
    "changes",
    "reason",
    "client_address",
)


# --- JSON-safe values -------------------------------------------------------------------------


def _json_safe(value: Any, *, keep_personal: bool = False) -> Any:
    """Plain JSON types only, stable across SQLite JSON text and PostgreSQL jsonb.

    Floats become strings because jsonb rewrites some (1e+20 comes back as an integer),
    which would change the hash input between writing and verifying.
    """
    if isinstance(value, PersonalValue):
        return value if keep_personal else str(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return _json_safe(value.value, keep_personal=keep_personal)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value).replace("\x00", "")
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_iso_string(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return _json_safe(value.pk)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {
            str(k).replace("\x00", ""): _json_safe(v, keep_personal=keep_personal)
            for k, v in value.items()
        }
    if isinstance(value, set | frozenset):
        items = [_json_safe(v, keep_personal=keep_personal) for v in value]
        return sorted(items, key=lambda v: json.dumps(_masked(v), sort_keys=True))
    if isinstance(value, models.QuerySet):
        return [_json_safe(pk) for pk in value.values_list("pk", flat=True)]
    if isinstance(value, Iterable):
        return [_json_safe(v, keep_personal=keep_personal) for v in value]
    return str(value)


def _masked(value: Any) -> Any:
    """What is stored: personal values masked, ID and phone numbers in free text masked."""
    if isinstance(value, PersonalValue):
        return str(value)
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _comparable(value: Any) -> Any:
    """What decides "changed": clear text for personal values (masks can coincide)."""
    safe = _json_safe(value, keep_personal=True)
    return _reveal_all(safe)


def _reveal_all(value: Any) -> Any:
    if isinstance(value, PersonalValue):
        return value.reveal()
    if isinstance(value, dict):
        return {k: _reveal_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_reveal_all(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The current values of `fields` on `obj`, to pass as `before`/`after` to audit_change.

    Foreign keys give the related pk (no query), many-to-many the sorted list of pks, encrypted
    personal fields a :class:`PersonalValue` (masked when stored, compared in clear). Names that
    are not model fields are read as attributes (properties).
    """
    opts = obj._meta
    result: dict[str, Any] = {}
    for name in fields:
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist:
            result[name] = _json_safe(getattr(obj, name), keep_personal=True)
            continue
        if field.many_to_many:
            pks = list(getattr(obj, name).values_list("pk", flat=True)) if obj.pk else []
            result[name] = sorted(_json_safe(pks), key=str)
        elif field.is_relation and not field.concrete:
            raise ValueError(f"snapshot 不支持反向关系 {name!r}。")
        elif isinstance(field, EncryptedPersonalField):
            value = getattr(obj, field.attname)
            if isinstance(value, str) and value:
                value = PersonalValue(value, field.kind)
            result[name] = value
        else:
            assert isinstance(field, models.Field)
            # _json_safe builds new containers, so later in-place edits of a JSON value on
            # `obj` do not alter the snapshot.
            result[name] = _json_safe(getattr(obj, field.attname), keep_personal=True)
    return result


def _diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    old, new = before or {}, after or {}
    both = before is not None and after is not None
    changes: dict[str, Any] = {}
    for key in dict.fromkeys([*old, *new]):
        b, a = old.get(key), new.get(key)
        if both and _comparable(b) == _comparable(a):
            continue
        name = _json_safe(str(key))
        changes[name] = {"before": _masked(_json_safe(b)), "after": _masked(_json_safe(a))}
    return changes


def field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """What :func:`audit_change` would store for `before`/`after` (empty: nothing changed)."""
    return _diff(before, after)


# --- The chain --------------------------------------------------------------------------------


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(previous_hash: str, content: Mapping[str, Any]) -> str:
    """SM3 over the previous hash and the canonical JSON of the hashed fields of an event."""
    canonical = {name: content[name] for name in HASHED_FIELDS}
    canonical["occurred_at"] = _iso(canonical["occurred_at"])
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sm3_hex((previous_hash + text).encode("utf-8"))


def _clip(text: Any, limit: int) -> str:
    return str(text or "").replace("\x00", "")[:limit]


def _resolve_actor(actor: Any) -> Any:
    if actor is None:
        actor = current_audit_context().user
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.pk is None:
        return None
    return actor


def _append(
    *,
    kind: str,
    action: str,
    object_type: str,
    object_id: str,
    object_label: str,
    changes: dict[str, Any],
    reason: str,
    actor: Any,
) -> AuditEvent:
    if not action or len(action) > 64:
        raise ValueError("审计动作名称不能为空，且不超过 64 个字符。")
    reason = mask_text(_clip(reason, 10_000).strip())
    if len(reason) > 500:
        raise ValidationError({"reason": "事由不能超过 500 个字符。"})
    actor = _resolve_actor(actor)
    # A JSON round trip leaves exactly what the database will give back to verify.
    stored_changes = json.loads(json.dumps(changes, ensure_ascii=False))

    def new_event() -> AuditEvent:
        # Called once the time may be read: after the chain head's lock when not batched.
        return AuditEvent(
            occurred_at=timezone.now(),
            kind=kind,
            actor=actor,
            # A user name may be a mobile number; the trail never keeps one in clear.
            actor_label=mask_text(_clip(actor.get_username(), 150))
            if actor
            else SYSTEM_ACTOR_LABEL,
            action=action,
            object_type=_clip(object_type, 100),
            object_id=_clip(object_id, 64),
            object_label=mask_text(_clip(object_label, 200)),
            changes=stored_changes,
            reason=reason,
            client_address=_clip(current_audit_context().client_address, 64),
        )

    batch = _batch.get()
    if batch is not None:
        return batch.record(new_event())
    with transaction.atomic():
        # The head row lock serialises appenders (PostgreSQL); SQLite's immediate transactions
        # do the same. Time is read after the lock so it never runs backwards along the chain.
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=HEAD_ID)
        event = new_event()
        event.sequence = head.last_sequence + 1
        event.previous_hash = head.last_hash
        event.hash = event_hash(event.previous_hash, _event_content(event))
        event.save()
        AuditChainHead.objects.filter(id=HEAD_ID).update(
            last_sequence=event.sequence, last_hash=event.hash
        )
    return event


@dataclass
class _ChainBatch:
    """The events recorded inside an `audit_batch` block, in order, each with the marker it left
    among the transaction's on-commit hooks (Django drops those of a rolled-back savepoint, so a
    missing marker means the change it records was rolled back)."""

    events: list[tuple[AuditEvent, Callable[[], None]]] = field(default_factory=list)

    def record(self, event: AuditEvent) -> AuditEvent:
        def marker() -> None:  # runs, harmlessly, after the commit
            return None

        transaction.on_commit(marker)
        self.events.append((event, marker))
        return event


_batch: ContextVar[_ChainBatch | None] = ContextVar("audit_batch", default=None)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Append the audit events of a bulk run (demo.simulation) with one insert instead of one
    locked round trip each: the chain head is locked once, at the start of the block, and held
    until the enclosing transaction commits; at the end of the block the events that were not
    rolled back with a savepoint are numbered, hashed in the order they were recorded (each
    with the previous one's hash, as `_append` does), written with one bulk insert and the head
    moved once. The trail is therefore exactly what one `_append` per event would have left.
    Must be used inside a transaction; nothing in the block may read the trail's new events
    (services only write it). A failing block writes none of its events (its transaction rolls
    back anyway)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("audit_batch() must run inside transaction.atomic().")
    if _batch.get() is not None:
        raise RuntimeError("audit_batch() blocks do not nest.")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=HEAD_ID)
    batch = _ChainBatch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    pending = {id(entry[1]) for entry in connection.run_on_commit}
    sequence, last_hash = head.last_sequence, head.last_hash
    kept = []
    for event, marker in batch.events:
        if id(marker) not in pending:
            continue  # recorded inside a savepoint that was rolled back
        sequence += 1
        event.sequence, event.previous_hash = sequence, last_hash
        event.hash = last_hash = event_hash(last_hash, _event_content(event))
        kept.append(event)
    markers = {id(marker) for _, marker in batch.events}
    connection.run_on_commit[:] = [e for e in connection.run_on_commit if id(e[1]) not in markers]
    if kept:
        # The manager refuses bulk inserts (they would bypass the chain head); this one has
        # been numbered and hashed along the locked head above.
        models.QuerySet[AuditEvent](model=AuditEvent).bulk_create(kept, batch_size=500)
        AuditChainHead.objects.filter(id=HEAD_ID).update(
            last_sequence=sequence, last_hash=last_hash
        )


def _event_content(event: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def _object_identity(obj: models.Model) -> tuple[str, str, str]:
    opts = obj._meta
    return f"{opts.app_label}.{opts.model_name}", str(obj.pk), str(obj)[:200]


def audit_change(
    *,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Record a change to `obj`: only fields whose value differs between `before` and `after`
    are stored (all of `after` on creation, all of `before` on deletion), JSON-safe and masked.

    `actor` defaults to the signed-in user of the current request (audit context); with none
    the event is labelled "system". Call inside the transaction that makes the change.
    """
    if obj.pk is None:
        raise ValueError("审计对象尚未保存，没有标识。")
    object_type, object_id, object_label = _object_identity(obj)
    return _append(
        kind=EventKind.CHANGE,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        changes=_diff(before, after),
        reason=reason,
        actor=actor,
    )


def audit_access(
    *, action: str, obj: models.Model, fields: list[str], reason: str, actor: Any = None
) -> AuditEvent:
    """Record a read of personal data (unmasking, export) of `fields` of `obj`, with its reason.

    Raises ValidationError when the reason is blank. Stores the field names, never the values.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED}, code="required")
    names = [str(name) for name in fields]
    if not names:
        raise ValueError("必须指明所查看的字段。")
    if obj.pk is None:
        raise ValueError("审计对象尚未保存，没有标识。")
    object_type, object_id, object_label = _object_identity(obj)
    return _append(
        kind=EventKind.ACCESS,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        changes={"fields": names},
        reason=reason,
        actor=actor,
    )


def audit_operation(
    *,
    action: str,
    object_type: str,
    object_id: str,
    object_label: str = "",
    changes: dict[str, Any] | None = None,
    actor: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Record an operation on many rows or on the system rather than one object (key rotation,
    imports). `changes` has the usual {name: {"before": x, "after": y}} shape."""
    return _append(
        kind=EventKind.CHANGE,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        changes=_masked(_json_safe(changes or {})),
        reason=reason,
        actor=actor,
    )


def personal_data_reveal(*, actor: Any, obj: models.Model, field: str, reason: str) -> str:
    """Return the clear text of encrypted personal field `field` of `obj` for `actor`.

    Requires the permission audit.reveal_personal_data (else PermissionDenied) and a reason
    (else ValidationError), and writes an access event naming the field and the reason. The
    caller has already fetched `obj` through a selector scoped to `actor`.
    """
    if (
        actor is None
        or not getattr(actor, "is_authenticated", False)
        or not actor.has_perm(REVEAL_PERMISSION)
    ):
        raise PermissionDenied("您没有查看个人信息明文的权限。")
    if not (reason or "").strip():
        raise ValidationError({"reason": REASON_REQUIRED}, code="required")
    try:
        model_field = obj._meta.get_field(field)
    except FieldDoesNotExist:
        model_field = None
    if not isinstance(model_field, EncryptedPersonalField):
        raise ValidationError({"field": f"{field} 不是可查看的个人信息字段。"}, code="invalid")
    audit_access(action="personal_data.reveal", obj=obj, fields=[field], reason=reason, actor=actor)
    value = getattr(obj, model_field.attname)
    if isinstance(value, PersonalValue):
        return value.reveal()
    return str(value or "")


# --- Verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`audit_verify`. `problem` is one Chinese sentence when not ok."""

    ok: bool
    verified: int
    first_bad_sequence: int | None = None
    problem: str = ""


def _bad(verified: int, sequence: int, problem: str) -> VerifyResult:
    return VerifyResult(ok=False, verified=verified, first_bad_sequence=sequence, problem=problem)


def _diagnose_altered(verified: int, row: dict[str, Any], previous_hash: str) -> VerifyResult:
    """Name the likely cause of a hash mismatch at `row`: a copy of the event before it, an
    event renumbered because one was inserted or deleted before it (it hashes correctly under
    its old number), or an edit."""
    sequence = row["sequence"]
    if row["hash"] == previous_hash:
        return _bad(
            verified, sequence, f"第 {sequence} 条审计事件是复制第 {sequence - 1} 条后插入的。"
        )

    def hashes_as(number: int) -> bool:
        candidate = {**row, "sequence": number}
        return number >= 1 and event_hash(row["previous_hash"], candidate) == row["hash"]

    if hashes_as(sequence - 1):
        # The event before this one passed its own check, but it is the intruder.
        return _bad(
            verified - 1,
            sequence - 1,
            f"第 {sequence - 1} 条审计事件是插入的："
            f"原第 {sequence - 1} 条及其后的事件被依次改号后移。",
        )
    if hashes_as(sequence + 1):
        return _bad(
            verified,
            sequence,
            f"第 {sequence} 条审计事件缺失：原第 {sequence} 条被删除，其后的事件被依次改号前移。",
        )
    return _bad(verified, sequence, f"第 {sequence} 条审计事件的内容与其哈希不符（记录被修改）。")


def audit_verify(*, progress: Callable[[int], None] | None = None) -> VerifyResult:
    """Walk the chain in sequence order and report the first event that was edited, deleted or
    inserted, or a tail that was cut off or extended outside the services.

    Events appended while the walk runs are left to the next run: the walk covers the chain
    up to the head as read at the start. `progress`, if given, is called with the number of
    events checked since its last call.
    """
    head = AuditChainHead.objects.filter(id=HEAD_ID).first()
    limit = head.last_sequence if head else 0
    expected, previous_hash, verified = 1, GENESIS_HASH, 0
    pending = 0
    rows = (
        AuditEvent.objects.filter(sequence__lte=limit)
        .order_by("sequence")
        .values("previous_hash", "hash", *HASHED_FIELDS)
        .iterator(chunk_size=VERIFY_CHUNK)
    )
    for row in rows:
        sequence = row["sequence"]
        if sequence != expected:
            if sequence > expected:
                return _bad(verified, expected, f"第 {expected} 条审计事件缺失（已被删除）。")
            return _bad(
                verified, sequence, f"第 {sequence} 条审计事件的序号异常（应为 {expected}）。"
            )
        if event_hash(row["previous_hash"], row) != row["hash"]:
            return _diagnose_altered(verified, row, previous_hash)
        if row["previous_hash"] != previous_hash:
            if sequence == 1:
                problem = "第 1 条审计事件的前一哈希不是链的起点（记录被替换）。"
            else:
                problem = (
                    f"第 {sequence} 条审计事件的前一哈希与第 {sequence - 1} 条的哈希不符"
                    f"（第 {sequence - 1} 条被改写，或第 {sequence} 条是插入的）。"
                )
            return _bad(verified, sequence, problem)
        previous_hash = row["hash"]
        expected += 1
        verified += 1
        pending += 1
        if progress is not None and pending >= 1000:
            progress(pending)
            pending = 0
    if progress is not None and pending:
        progress(pending)
    if verified < limit:
        return _bad(
            verified,
            expected,
            f"第 {expected} 至 {limit} 条审计事件缺失（链尾被截断，链头记录到第 {limit} 条）。",
        )
    if head is not None and head.last_hash != previous_hash:
        return _bad(verified, limit, f"第 {limit} 条审计事件与链头记录的哈希不符。")
    # Re-read the head: events appended meanwhile are legitimate; any beyond it were written
    # around the services (e.g. a raw INSERT after the last event).
    head_now = AuditChainHead.objects.filter(id=HEAD_ID).first()
    registered = head_now.last_sequence if head_now else 0
    stray = (
        AuditEvent.objects.filter(sequence__gt=registered)
        .order_by("sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    if stray is not None:
        if head_now is None:
            return _bad(verified, stray, "审计链头记录缺失，但存在审计事件。")
        return _bad(
            verified,
            stray,
            f"第 {stray} 条审计事件不在链头记录之内（链头只到第 {registered} 条，是插入的）。",
        )
    return VerifyResult(ok=True, verified=verified)
