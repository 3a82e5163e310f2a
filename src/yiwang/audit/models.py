"""The audit trail: append-only events, hash-chained with SM3."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class EventKind(models.TextChoices):
    CHANGE = "change", "数据变更"
    ACCESS = "access", "个人信息访问"


class AuditEvent(models.Model):
    """One state change made by a service, or one read of personal data.

    `sequence` is gapless and `hash` = SM3(previous hash ‖ canonical content), so an edited,
    deleted or inserted row breaks the chain at that point (see services.audit_verify).
    """

    sequence = models.PositiveBigIntegerField("序号", unique=True)
    occurred_at = models.DateTimeField("时间", db_index=True)
    kind = models.CharField("类别", max_length=8, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    actor_label = models.CharField("操作人标识", max_length=150, blank=True)
    action = models.CharField("动作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, db_index=True)
    object_id = models.CharField("对象标识", max_length=64, db_index=True)
    object_label = models.CharField("对象名称", max_length=200, blank=True)
    changes = models.JSONField("变更前后", default=dict, blank=True)
    reason = models.CharField("事由", max_length=500, blank=True)
    client_address = models.CharField("客户端地址", max_length=64, blank=True)
    previous_hash = models.CharField("前一哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        verbose_name = verbose_name_plural = "审计事件"
        ordering = ["sequence"]
        permissions = [
            ("reveal_personal_data", "可查看个人信息明文"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("审计事件只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("审计事件只能追加，不能删除。")


class AuditChainHead(models.Model):
    """Single row holding the last sequence and hash; locked while appending so that concurrent
    writers queue and the chain stays linear. Also lets verify detect a truncated tail."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = verbose_name_plural = "审计链头"
