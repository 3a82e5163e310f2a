"""Reads of the outbox: a user's site messages (站内消息)."""

from __future__ import annotations

from django.db.models import QuerySet

from yiwang.notifications.models import Message, MessageChannel
from yiwang.org.models import User


def site_messages_for(*, user: User) -> QuerySet[Message]:
    """The signed-in user's own site messages, newest first (nobody else's)."""
    if not getattr(user, "is_authenticated", False):
        return Message.objects.none()
    return Message.objects.filter(recipient=user, channel=MessageChannel.SITE).order_by(
        "-created_at", "-id"
    )


def unread_count(*, user: User) -> int:
    return site_messages_for(user=user).filter(read_at__isnull=True).count()
