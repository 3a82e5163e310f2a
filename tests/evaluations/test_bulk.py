"""The bulk path of case ratings (evaluations.bulk.NewRatings): the same plan through the services
one call at a time and through the bulk path leaves the same ratings, rating invitations,
rectification tasks and their history, messages and audit events (ids aside); an invalid rating
is refused with the services' error and the batch writes nothing."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from tests import factories as f
from tests.cases.conftest import CaseWorld
from tests.evaluations.conftest import concluded_case
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import audit_batch, audit_verify
from yiwang.cases.models import Case
from yiwang.evaluations import services as s
from yiwang.evaluations.bulk import NewRatings
from yiwang.evaluations.fields import Channel
from yiwang.evaluations.models import Rating, Rectification, RectificationEvent
from yiwang.evaluations.rectification import services as rectify
from yiwang.evaluations.signals import rating_received
from yiwang.notifications.models import Message

MOMENT = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
SERVICES = SimpleNamespace(rate_case=s.rating_for_case)


def _plan(world: CaseWorld, ops: Any, read: Any) -> list[Case]:
    """Three cases concluded (each invited to rate), read, and rated: on the portal with the
    dimensions and a comment, on the window's device, and badly from the QR code — its task
    verified, confirmed, rectified and the fix rated (the rating of the fix through the
    services); then a fourth case, concluded after that and not read beforehand, from the app."""
    citizen = world.citizen
    a, b, c = (concluded_case(world) for _ in range(3))
    b.window = world.clerk.window
    b.save(update_fields=["window"])
    read([a, b, c])
    ops.rate_case(
        case=a,
        channel=Channel.PORTAL,
        level=5,
        scores={"convenience": 5, "efficiency": 4},
        comment="办理很快。",
        actor=citizen.user,
    )
    ops.rate_case(case=b, channel=Channel.DEVICE, level=4, window=world.clerk.window)
    bad = ops.rate_case(case=c, channel=Channel.QR, level=1, comment="审批时间比承诺的长。")
    handler = world.approver.user
    task = Rectification.objects.get(rating=bad)
    task = rectify.rectification_verify(
        task=task, actor=handler, finding="属实。", contacted=True, contact_note="已回电。"
    )
    task = rectify.rectification_confirm(task=task, actor=handler, note="列入整改。")
    task = rectify.rectification_rectify(task=task, actor=handler, measures="一次性告知。")
    rectify.rectification_rate_fix(task=task, level=4, comment="整改后满意。")
    d = concluded_case(world)
    ops.rate_case(case=d, channel=Channel.APP, level=3, actor=citizen.user)
    return [a, b, c, d]


def _records(cases: list[Case], since: int) -> dict[str, Any]:
    """What the plan left, with the ids and numbers of its cases, ratings and tasks replaced by
    their place."""
    ratings = list(Rating.objects.filter(case__in=cases).order_by("id"))
    tasks = list(Rectification.objects.filter(rating__in=ratings).order_by("id"))
    names: dict[tuple[str, str], str] = {}
    for kind, rows in (("case", cases), ("rating", ratings), ("task", tasks)):
        for n, row in enumerate(rows):
            names[(kind, str(row.pk))] = f"<{kind} {n}>"
    numbers = {case.number: f"<number {n}>" for n, case in enumerate(cases)}

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, str):
            for number, name in numbers.items():
                value = value.replace(number, name)
            value = re.sub(r"https?://\S+", "<link>", value)  # the links sign the ids
        return value

    def ident(kind: str, value: Any) -> str:
        return names.get((kind, str(value)), str(value))

    refs = {"case_id": "case", "follows_up_id": "rating", "rating_id": "rating"}
    skip = {"id", "rater_phone"}  # the phone's ciphertext is random; its hash is compared

    def row_of(row: Any) -> dict[str, Any]:
        values = {}
        for field in type(row)._meta.concrete_fields:
            if field.attname in skip or field.attname.endswith("clock_id"):
                continue
            value = getattr(row, field.attname)
            kind = refs.get(field.attname)
            values[field.attname] = ident(kind, value) if kind else plain(str(value))
        return values

    subjects = {"cases.case": "case", "evaluations.rectification": "task"}
    messages = sorted(
        plain([*m[:4], m[4], ident(subjects.get(m[4], ""), m[5]), str(m[6])])
        for m in Message.objects.filter(
            subject_type__in=subjects, subject_id__in=[n[1] for n in names]
        ).values_list(
            "channel",
            "recipient_id",
            "kind",
            "text",
            "subject_type",
            "subject_id",
            "next_attempt_at",
        )
        if ident(subjects.get(m[4], ""), m[5]).startswith("<")
    )
    objects = {
        "cases.case": "case",
        "evaluations.rating": "rating",
        "evaluations.rectification": "task",
    }
    audit = [
        plain([*e[:4], e[4], ident(objects.get(e[4], ""), e[5]), e[6]])
        for e in AuditEvent.objects.filter(sequence__gt=since)
        .order_by("sequence")
        .values_list(
            "occurred_at", "kind", "actor_id", "action", "object_type", "object_id", "changes"
        )
        if e[4] in objects
    ]
    events = [
        [ident("task", e.rectification_id), e.action, e.from_status, e.to_status, e.note, e.at]
        for e in RectificationEvent.objects.filter(rectification__in=tasks).order_by("id")
    ]
    return {
        "ratings": [row_of(r) for r in ratings],
        "tasks": [row_of(t) for t in tasks],
        "task_events": events,
        "messages": messages,
        "audit": audit,
    }


def _last_sequence() -> int:
    last = AuditEvent.objects.order_by("-sequence").first()
    return last.sequence if last else 0


def _rating_inserts(queries: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith('INSERT INTO "evaluations_rating"') for q in queries)


@freeze_time(MOMENT)
def test_bulk_ratings_leave_what_the_services_leave(world, settings):
    settings.YIWANG_RATING_SMS_INVITATION = True
    since = _last_sequence()
    with CaptureQueriesContext(connection) as one_by_one, transaction.atomic():
        cases = _plan(world, SERVICES, lambda cases: None)
    by_services = _records(cases, since)

    since = _last_sequence()
    with CaptureQueriesContext(connection) as batched, transaction.atomic(), audit_batch():
        bulk = NewRatings()
        with bulk.invitations():
            cases = _plan(world, bulk, bulk.read)
        assert [r.case_id for r in bulk.flush()] == [c.pk for c in cases]
    by_bulk = _records(cases, since)

    assert [r["level"] for r in by_services["ratings"]] == ["5", "4", "1", "4", "3"]
    assert by_services["ratings"][3]["follows_up_id"] == "<rating 2>"
    assert [t["status"] for t in by_services["tasks"]] == ["closed"]
    kinds = {m[2] for m in by_services["messages"]}
    assert {"evaluations.invitation", "rectification.opened", "rectification.follow_up"} <= kinds
    assert sum(m[2] == "evaluations.invitation" for m in by_services["messages"]) == 8
    assert [a[3] for a in by_services["audit"]] == [a[3] for a in by_bulk["audit"]]
    assert by_bulk == by_services
    # Five ratings: one INSERT each one by one; in bulk the bad one with those before it, the
    # fix's rating (through the services) and the last.
    assert (_rating_inserts(one_by_one), _rating_inserts(batched)) == (5, 3)
    assert audit_verify().ok


@freeze_time(MOMENT)
def test_an_invalid_rating_is_refused_and_nothing_is_written(world):
    done, other = concluded_case(world), concluded_case(world)
    s.rating_for_case(case=done, channel=Channel.QR, level=5)
    not_concluded, fresh = concluded_case(world), concluded_case(world)
    Case.objects.filter(pk=not_concluded.pk).update(concluded_on=None)
    wrong_window = f.window(world.clerk.window.hall, world.other)
    counts = (Rating.objects.count(), Message.objects.count(), _last_sequence())

    def refused(error: type[Exception], **rating: Any) -> Exception:
        with pytest.raises(error) as caught, transaction.atomic(), audit_batch():
            bulk = NewRatings()
            bulk.read([done, other, not_concluded])
            bulk.rate_case(case=other, channel=Channel.QR, level=4)  # a valid one first
            bulk.rate_case(**rating)
            bulk.flush()
        return caught.value

    error = refused(ValidationError, case=other, channel=Channel.QR, level=5)  # twice in batch
    assert error.code == "duplicate" and s.DUPLICATE_CASE in error.messages
    error = refused(ValidationError, case=done, channel=Channel.QR, level=5)  # rated before
    assert error.code == "duplicate"
    error = refused(ValidationError, case=not_concluded, channel=Channel.QR, level=5)
    assert error.code == "not_concluded"
    error = refused(ValidationError, case=fresh, channel=Channel.QR, level=7)
    assert "level" in error.message_dict
    error = refused(ValidationError, case=not_concluded, channel="fax", level=5)
    assert "channel" in error.message_dict
    error = refused(
        PermissionDenied, case=not_concluded, channel=Channel.PORTAL, level=5, actor=None
    )
    assert s.NOT_YOURS in str(error)
    refused(PermissionDenied, case=not_concluded, channel=Channel.DEVICE, level=5)
    refused(
        PermissionDenied,
        case=not_concluded,
        channel=Channel.DEVICE,
        level=5,
        window=wrong_window,
    )
    assert (Rating.objects.count(), Message.objects.count(), _last_sequence()) == counts
    assert audit_verify().ok


@freeze_time(MOMENT)
def test_rating_received_finds_every_rating_in_the_database(world):
    cases = [concluded_case(world) for _ in range(3)]
    found: list[tuple[int, bool]] = []

    def receiver(sender: Any, rating: Rating, **kwargs: Any) -> None:
        found.append((rating.level, Rating.objects.filter(pk=rating.pk).exists()))

    rating_received.connect(receiver, dispatch_uid="tests.bulk.receiver")
    try:
        with transaction.atomic(), audit_batch():
            bulk = NewRatings()
            bulk.read(cases)
            bulk.rate_case(case=cases[0], channel=Channel.QR, level=5)
            bulk.rate_case(case=cases[1], channel=Channel.QR, level=2)  # bad: written at once
            assert found == [(5, True), (2, True)]
            bulk.rate_case(case=cases[2], channel=Channel.QR, level=4)
            assert len(found) == 2  # waits for its insert
            bulk.flush()
    finally:
        rating_received.disconnect(dispatch_uid="tests.bulk.receiver")
    assert found == [(5, True), (2, True), (4, True)]
    assert Rectification.objects.filter(rating__case=cases[1]).count() == 1
