"""Key rotation for personal data: re-encrypt every EncryptedPersonalField value under the
current key (YIWANG_PII_KEY_ID) and recompute every lookup hash (YIWANG_PII_HASH_KEY).

Idempotent: rows already under the current key with a current hash are left untouched, so an
interrupted run is simply started again. The procedure is in docs/personal-data.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from .crypto import DecryptionError, current_key_id, envelope_key_id, sm4_decrypt, sm4_encrypt
from .personal import EncryptedPersonalField, personal_fields, personal_hash

ROTATE_ACTION = "pii.rotate"
DEFAULT_BATCH_SIZE = 500


class RotationError(RuntimeError):
    """A stored value could not be decrypted (altered ciphertext or a key no longer listed)."""


@dataclass
class ModelRotation:
    rows: int = 0
    reencrypted: int = 0  # values moved to the current key
    rehashed: int = 0  # hash fields that changed (new hash key, or stale)
    batches_changed: int = 0


@dataclass
class RotationReport:
    key_id: str
    models: dict[str, ModelRotation] = field(default_factory=dict)

    @property
    def reencrypted(self) -> int:
        return sum(m.reencrypted for m in self.models.values())

    @property
    def rehashed(self) -> int:
        return sum(m.rehashed for m in self.models.values())

    @property
    def rows(self) -> int:
        return sum(m.rows for m in self.models.values())


def models_with_personal_data() -> list[type[models.Model]]:
    """Concrete, managed models having at least one EncryptedPersonalField."""
    return [
        model
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.managed and personal_fields(model)
    ]


def rows_to_rotate() -> int:
    """How many rows a rotation will visit (for a progress bar)."""
    return sum(model._base_manager.count() for model in models_with_personal_data())


def pii_rotate(
    *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Callable[[int], None] | None = None
) -> RotationReport:
    """Rotate every model's personal data in batches of `batch_size` rows.

    Each batch is one transaction: its rows are locked (select_for_update), rewritten and,
    if anything changed, recorded by one audit event (counts and key ids, never values).
    """
    if batch_size < 1:
        raise ValueError("batch_size 必须是正整数。")
    report = RotationReport(key_id=current_key_id())
    for model in models_with_personal_data():
        stats = report.models.setdefault(model._meta.label_lower, ModelRotation())
        last_pk: Any = None
        while True:
            pks_qs = model._base_manager.order_by("pk").values_list("pk", flat=True)
            if last_pk is not None:
                pks_qs = pks_qs.filter(pk__gt=last_pk)
            batch = list(pks_qs[:batch_size])
            if not batch:
                break
            _rotate_batch(model, batch, report.key_id, stats)
            last_pk = batch[-1]
            if progress is not None:
                progress(len(batch))
    return report


def _rotate_batch(
    model: type[models.Model], pks: list[Any], key_id: str, stats: ModelRotation
) -> None:
    from yiwang.audit.services import audit_operation  # audit builds on common, not vice versa

    fields = personal_fields(model)
    # Cast to plain text: the raw envelope, without the field's decrypting converter.
    raw = {f"_raw_{f.attname}": Cast(f.attname, output_field=models.TextField()) for f in fields}
    columns = ["pk", *raw, *(f.hash_field for f in fields if f.hash_field)]
    old_keys: set[str] = set()
    reencrypted = rehashed = 0
    with transaction.atomic():
        rows = (
            model._base_manager.select_for_update()
            .filter(pk__in=pks)
            .order_by("pk")
            .annotate(**raw)
            .values(*columns)
        )
        for row in rows:
            updates: dict[str, Any] = {}
            for f in fields:
                outcome = _rotate_value(model, row, f, key_id)
                if outcome is None:
                    continue
                envelope, digest, old_key = outcome
                if envelope is not None:
                    updates[f.attname] = envelope
                    old_keys.add(old_key)
                    reencrypted += 1
                if digest is not None:
                    updates[f.hash_field] = digest
                    rehashed += 1
            if updates:
                model._base_manager.filter(pk=row["pk"]).update(**updates)
        if reencrypted or rehashed:
            audit_operation(
                action=ROTATE_ACTION,
                object_type=model._meta.label_lower,
                object_id=f"{pks[0]}–{pks[-1]}",
                object_label=str(model._meta.verbose_name),
                changes={
                    "key_id": {"before": ",".join(sorted(old_keys)) or key_id, "after": key_id},
                    "reencrypted": {"before": None, "after": reencrypted},
                    "rehashed": {"before": None, "after": rehashed},
                },
                reason="个人信息密钥轮换",
            )
            stats.batches_changed += 1
    stats.rows += len(pks)
    stats.reencrypted += reencrypted
    stats.rehashed += rehashed


def _rotate_value(
    model: type[models.Model], row: dict[str, Any], f: EncryptedPersonalField, key_id: str
) -> tuple[str | None, str | None, str] | None:
    """(new envelope or None, new hash or None, old key id) for one value; None when empty."""
    envelope = row[f"_raw_{f.attname}"]
    if not envelope:
        if f.hash_field and row[f.hash_field]:
            return None, "", ""
        return None
    try:
        old_key = envelope_key_id(envelope)
        plain = sm4_decrypt(envelope)
    except DecryptionError as exc:
        raise RotationError(
            f"{model._meta.label} 第 {row['pk']} 行的 {f.name} 无法解密：{exc}"
        ) from exc
    new_envelope = sm4_encrypt(plain, key_id=key_id) if old_key != key_id else None
    new_hash = None
    if f.hash_field:
        digest = personal_hash(f.kind, plain)
        if row[f.hash_field] != digest:
            new_hash = digest
    return new_envelope, new_hash, old_key
