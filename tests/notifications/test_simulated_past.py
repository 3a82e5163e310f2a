"""Messages of a simulated past (notifications.services.simulated_past, the demo's half year):
stored as sent at the moment they are written, no sending task asked for, nothing for the worker
to send; outside it every message is queued and sent by the worker as always."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import transaction
from freezegun import freeze_time

from tests import factories as f
from yiwang.notifications import services as outbox
from yiwang.notifications.models import Message, MessageStatus

PAST = dt.datetime(2026, 2, 3, 10, 15, tzinfo=dt.UTC)
PHONE = "13800138000"


class Recording:
    sent: list[str] = []

    def send(self, message: Message) -> None:
        Recording.sent.append(message.text)


@pytest.fixture
def gateway(settings):
    settings.YIWANG_SMS_SENDER = "tests.notifications.test_simulated_past.Recording"
    Recording.sent = []
    return Recording


@pytest.fixture
def user(db):
    return f.staff(f.department("县市场监督管理局"), ["approver"], username="handler").user


def _enqueued(callbacks: list) -> int:  # type: ignore[type-arg]
    return sum(1 for c in callbacks if c is outbox._enqueue_sending)


@pytest.mark.django_db
def test_real_messages_are_queued_and_sent_by_the_worker(gateway, user):
    with transaction.atomic():
        conn = transaction.get_connection()
        rows = outbox.notify(kind="t", text="真实短信", recipients=[user], phone=PHONE)
        outbox.enqueue_sending_on_commit()
        hooks = [entry[1] for entry in conn.run_on_commit]
    assert _enqueued(hooks) == 2
    assert {m.status for m in Message.objects.filter(pk__in=[r.pk for r in rows])} == {
        MessageStatus.PENDING
    }
    report = outbox.send_due()
    assert report.sent == 2 and gateway.sent == ["真实短信"]  # the site message needs no gateway
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


@pytest.mark.django_db
def test_messages_of_a_simulated_past_are_stored_as_sent_then(gateway, user, caplog):
    caplog.set_level(logging.INFO, logger="yiwang.notifications.services")
    with freeze_time(PAST), outbox.simulated_past():
        assert outbox.in_simulated_past()
        with transaction.atomic():
            conn = transaction.get_connection()
            outbox.notify(kind="t", text="模拟短信", recipients=[user], phone=PHONE)
            rows = outbox.message_rows(kind="t", text="批量写入", phone=PHONE)  # a bulk path's
            for row in rows:
                row.save()
            outbox.enqueue_sending_on_commit()
            hooks = [entry[1] for entry in conn.run_on_commit]
    assert _enqueued(hooks) == 0
    assert not outbox.in_simulated_past()
    messages = list(Message.objects.order_by("pk"))
    assert len(messages) == 3
    for message in messages:
        assert (message.status, message.sent_at, message.attempts) == (MessageStatus.SENT, PAST, 1)
        assert message.created_at == PAST and message.read_at is None
    # Nothing for the worker: no gateway call, no console line.
    assert outbox.send_due(now=PAST + dt.timedelta(days=400)).sent == 0
    assert gateway.sent == [] and "模拟短信" not in caplog.text
    # The site message is shown to its recipient as any other (unread).
    assert Message.objects.filter(recipient=user, channel="site", read_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_simulated_past_ends_with_its_block_even_on_an_error(gateway):
    with pytest.raises(RuntimeError), outbox.simulated_past():
        raise RuntimeError("stop")
    assert not outbox.in_simulated_past()
    outbox.notify(kind="t", text="之后", phone=PHONE)
    assert Message.objects.get().status == MessageStatus.PENDING
    assert outbox.send_due().sent == 1 and gateway.sent == ["之后"]
