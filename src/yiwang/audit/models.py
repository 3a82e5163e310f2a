"""The audit trail: append-only events, hash-chained with SM3.

Events are written only through :mod:`yiwang.audit.services`; the chain construction and what
verification can and cannot detect are described in docs/audit.md.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or remove audit events through the ORM."""


class EventKind(models.TextChoices):
    CHANGE = "change", "数据变更"
    ACCESS = "access", "个人信息访问"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Refuses bulk writes: the only way in is services._append, the only way out is none."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("审计事件只能追加，不能修改。")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("审计事件只能追加，不能删除。")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:  # type: ignore[override]
        raise AppendOnlyError("审计事件只能追加，不能修改。")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[AuditEvent]:  # type: ignore[override]
        # Bulk inserts would bypass the chain head; use the services.
        raise AppendOnlyError("审计事件只能通过审计服务逐条追加。")


AuditEventManager = models.Manager.from_queryset(AuditEventQuerySet)


class AuditEvent(models.Model):
    """One state change made by a service, or one read of personal data.

    `sequence` is gapless from 1 and `hash` = SM3(previous hash ‖ canonical content), so an
    edited, deleted or inserted row breaks the chain at that point (services.audit_verify).
    `changes` holds {field: {"before": x, "after": y}} for change events and
    {"fields": [...]} for access events; personal data in it is always masked.
    """

    sequence = models.PositiveBigIntegerField(_("序号"), unique=True)
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    kind = models.CharField(_("类别"), max_length=8, choices=EventKind.choices)
    # No database constraint and no cascade: deleting an account (e.g. a citizen exercising
    # the right to erasure) must neither be blocked by nor rewrite the trail, whose hash
    # covers actor_id. actor_label keeps the user name.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人标识"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象标识"), max_length=64)
    object_label = models.CharField(_("对象名称"), max_length=200, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.CharField(_("事由"), max_length=500, blank=True)
    client_address = models.CharField(_("客户端地址"), max_length=64, blank=True)
    previous_hash = models.CharField(_("前一哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64)

    objects = AuditEventManager()

    class Meta:
        verbose_name = verbose_name_plural = _("审计事件")
        ordering = ["sequence"]
        # Nobody may be granted add/change/delete: the trail is append-only by design.
        default_permissions = ("view",)
        permissions = [
            ("reveal_personal_data", "可查看个人信息明文"),
        ]
        indexes = [
            models.Index(fields=["object_type", "object_id", "sequence"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("审计事件只能追加，不能修改。")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("审计事件只能追加，不能删除。")


class AuditChainHead(models.Model):
    """Single row holding the last sequence and hash; locked while appending so that concurrent
    writers queue and the chain stays linear. Also lets verify detect a truncated tail."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = verbose_name_plural = _("审计链头")
        default_permissions = ()

    def __str__(self) -> str:
        return f"#{self.last_sequence} {self.last_hash[:12]}"
