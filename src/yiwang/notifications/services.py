"""Writing to the outbox, and sending what is due (the worker's job)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from yiwang.notifications.models import Message, MessageChannel, MessageStatus

logger = logging.getLogger(__name__)

MAX_TEXT = 500

# Set while the demo's simulated half year runs (demo.simulation.engine): see simulated_past().
_PAST: ContextVar[bool] = ContextVar("yiwang_notifications_simulated_past", default=False)


@contextmanager
def simulated_past() -> Iterator[None]:
    """Inside, the messages written belong to a simulated past (the demo's half year,
    demo.simulation): each is stored as already sent at the moment it is written (the
    simulated clock) instead of queued for the worker, and no sending task is asked for, so the
    console gateway does not print months of messages. Outside (every real message), nothing
    changes: queued, then sent by the worker."""
    token = _PAST.set(True)
    try:
        yield
    finally:
        _PAST.reset(token)


def in_simulated_past() -> bool:
    return _PAST.get()


class Sender(Protocol):
    """Delivers one message or raises; pluggable by YIWANG_SMS_SENDER."""

    def send(self, message: Message) -> None: ...


class LogSender:
    """The demo SMS sender: writes the (masked) message to the log instead of a gateway."""

    def send(self, message: Message) -> None:
        logger.info("短信 → %s：%s", message.phone, message.text)


class SiteSender:
    """A site message is delivered by being stored: it is marked sent at once."""

    def send(self, message: Message) -> None:
        return None


def _sender(channel: str) -> Sender:
    if channel == MessageChannel.SITE:
        return SiteSender()
    return import_string(str(settings.YIWANG_SMS_SENDER))()  # type: ignore[no-any-return]


def notify(
    *,
    kind: str,
    text: str,
    recipients: Iterable[Any] = (),
    phone: Any = "",
    subject: Any = None,
) -> list[Message]:
    """Queue a message: a site message to each recipient user, and an SMS to `phone` if given.
    Call inside the transaction of the change: the messages exist exactly when it commits. The
    worker sends them (send_due); nothing here talks to a gateway."""
    rows = message_rows(kind=kind, text=text, recipients=recipients, phone=phone, subject=subject)
    for row in rows:
        row.save()
    if awaiting_sending(rows):
        transaction.on_commit(_enqueue_sending)
    return rows


def awaiting_sending(rows: Iterable[Message]) -> bool:
    """Whether any of these messages is still to be sent (those of the simulated past are
    stored as sent): only then is a sending task asked for."""
    return any(row.status == MessageStatus.PENDING for row in rows)


def message_rows(
    *,
    kind: str,
    text: str,
    recipients: Iterable[Any] = (),
    phone: Any = "",
    subject: Any = None,
) -> list[Message]:
    """The messages `notify` queues, unsaved: for a bulk path that inserts them in the same
    transaction and asks for one sending task on commit (enqueue_sending_on_commit). In a
    simulated past (simulated_past) they are already sent, now."""
    now = timezone.now()
    text = text[:MAX_TEXT]
    subject_type = subject._meta.label_lower if subject is not None else ""
    subject_id = str(subject.pk) if subject is not None else ""
    rows = [
        Message(
            channel=MessageChannel.SITE,
            recipient=user,
            kind=kind,
            text=text,
            subject_type=subject_type,
            subject_id=subject_id,
            next_attempt_at=now,
        )
        for user in {u.pk: u for u in recipients if u is not None}.values()
    ]
    if phone:
        rows.append(
            Message(
                channel=MessageChannel.SMS,
                phone=phone,  # a PersonalValue stays encrypted; str() would be masked
                kind=kind,
                text=text,
                subject_type=subject_type,
                subject_id=subject_id,
                next_attempt_at=now,
            )
        )
    if _PAST.get():
        for row in rows:
            row.status, row.sent_at, row.attempts = MessageStatus.SENT, now, 1
    return rows


def enqueue_sending_on_commit() -> None:
    """Ask for a sending task when the transaction commits (none in a simulated past: its
    messages are sent already)."""
    if not _PAST.get():
        transaction.on_commit(_enqueue_sending)


def _enqueue_sending() -> None:
    from yiwang.notifications.tasks import send_messages

    try:
        send_messages.enqueue()
    except Exception:  # the periodic sweep sends it later; a queue outage must not fail a case
        logger.warning("消息发送任务入队失败，将由定时任务补发。", exc_info=True)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try: 1, 2, 4 … minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def send_due(*, now: dt.datetime | None = None, limit: int = 500) -> SendReport:
    """Send the pending messages that are due, each in its own short transaction; a failure is
    retried with back-off and given up after YIWANG_MESSAGE_MAX_ATTEMPTS tries."""
    now = now or timezone.now()
    report = SendReport()
    ids = list(
        Message.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            message = (
                Message.objects.select_for_update(skip_locked=True)
                .filter(Q(pk=pk), Q(status=MessageStatus.PENDING))
                .first()
            )
            if message is None:  # another worker has it
                continue
            message.attempts += 1
            try:
                _sender(message.channel).send(message)
            except Exception as exc:  # any gateway error: retry later
                message.last_error = str(exc)[:500]
                if message.attempts >= settings.YIWANG_MESSAGE_MAX_ATTEMPTS:
                    message.status = MessageStatus.FAILED
                    report.failed += 1
                else:
                    message.next_attempt_at = now + backoff(message.attempts)
                    report.retried += 1
            else:
                message.status = MessageStatus.SENT
                message.sent_at = timezone.now()
                report.sent += 1
            message.save(
                update_fields=["attempts", "status", "sent_at", "next_attempt_at", "last_error"]
            )
    return report


def messages_mark_read(*, user: Any) -> int:
    """Mark every unread site message of `user` read; how many were."""
    return Message.objects.filter(
        recipient=user, channel=MessageChannel.SITE, read_at__isnull=True
    ).update(read_at=timezone.now())
