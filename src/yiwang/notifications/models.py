"""The outbox (消息发件箱): every message to a citizen or a member of staff is a row written in
the transaction of the change it reports, and sent afterwards by the worker, so a slow or failing
SMS gateway never blocks a case and no message is lost when one fails."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.common.personal import EncryptedPersonalField


class MessageChannel(models.TextChoices):
    SMS = "sms", "短信"
    SITE = "site", "站内消息"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"  # gave up after the last retry


class Message(models.Model):
    """One message on one channel. A site message is shown to `recipient` when he signs in; an
    SMS goes to `phone` (encrypted). `subject_type`/`subject_id` name what it is about."""

    channel = models.CharField(_("渠道"), max_length=8, choices=MessageChannel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    phone = EncryptedPersonalField(_("手机号码"), kind="phone", hash_field="phone_hash")
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    kind = models.CharField(_("类别"), max_length=32, editable=False)
    subject_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    subject_id = models.CharField(_("对象标识"), max_length=64, blank=True)
    text = models.TextField(_("内容"), editable=False)  # written by the services
    status = models.CharField(
        _("状态"), max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送时间"), db_index=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "channel", "-created_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.kind}"
