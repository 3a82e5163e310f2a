"""Bulk-created records for the benchmarks (bench/dashboard.py, bench/report.py): cases,
ratings and tickets of the first half of 2026 in the demo county, added with bulk_create
(the services are far slower at a million rows) and kept between runs: each `generate_*` adds
only what is missing to reach its total. Deterministic: the same totals give the same rows.

    from benchdata import generate_cases, generate_ratings, generate_tickets

Cases: accepted on any day of 2026H1, two thirds online, 90% concluded (3% late), spread over
every published item's department. Ratings: one per bulk case while there are cases (the
subject a case, its department and item), the rest of a window; about 0.03% bad, 1 in 10 of
them later found mistaken, 1 in 200 a follow-up rating. Tickets: every source and kind, led by
a department in turn; most dispatched, replied, followed up and closed, a few merged, late,
sent back, redone or reminded.

Call them after django.setup() with the demo county in the database (`yiwang demo`)."""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

BATCH = 10_000
FIRST_DAY = dt.date(2026, 1, 1)
DAYS = 181  # 2026-01-01 .. 2026-06-30


def _fill(label: str, have: int, total: int, make: Callable[[int], Iterable[Any]], model) -> int:
    """bulk_create `make(seq)` rows in batches from `have` up to `total`, with a progress line."""
    from django.db import transaction

    started = time.monotonic()
    seq = have
    while seq < total:
        size = min(BATCH, total - seq)
        rows = [row for k in range(seq, seq + size) for row in make(k)]
        with transaction.atomic():
            model.objects.bulk_create(rows)
        seq += size
        print(
            f"\r  {label}: {seq:,}/{total:,} ({time.monotonic() - started:.0f} s)",
            end="",
            file=sys.stderr,
        )
    if seq > have:
        print(file=sys.stderr)
    return seq


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def generate_cases(total: int) -> int:
    """Add bulk-created cases (numbers D…) until there are `total` cases; returns the count."""
    from yiwang.cases.fields import CaseStatus, Channel
    from yiwang.cases.models import Case
    from yiwang.catalog.models import ServiceItem
    from yiwang.org.models import Applicant

    have = Case.objects.count()
    if have >= total:
        return have
    items = list(
        ServiceItem.objects.filter(published_version__isnull=False, status="active")
        .select_related("published_version")
        .order_by("code")
    )
    applicants = list(Applicant.objects.filter(user__isnull=False).order_by("pk"))
    channels = [Channel.WINDOW, Channel.ASSISTED, Channel.KIOSK]

    def make(seq: int) -> list[Case]:
        rng = random.Random(seq)  # per row: a resumed run adds the same rows
        item = items[seq % len(items)]
        accepted = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        online = rng.random() < 0.66
        finished = rng.random() < 0.9
        late = rng.random() < 0.03
        days = rng.randrange(1, 15)
        applicant = applicants[seq % len(applicants)]
        channel = (
            (Channel.ONLINE if rng.random() < 0.8 else Channel.MOBILE)
            if online
            else channels[seq % 3]
        )
        return [
            Case(
                number=f"D{seq:011d}",
                item=item,
                version=item.published_version,
                department_id=item.department_id,
                applicant=applicant,
                channel=channel,
                status=CaseStatus.ARCHIVED if finished else CaseStatus.IN_REVIEW,
                created_by_id=applicant.user_id,
                form_data={},
                delivery_address={},
                submitted_at=_aware(accepted, 9),
                received_on=accepted,
                accepted_on=accepted,
                promised_deadline=accepted + dt.timedelta(days=10),
                concluded_on=accepted + dt.timedelta(days=days) if finished else None,
                handling_days=days if finished else None,
                ever_overdue=late,
                visits=0 if online else 1,
            )
        ]

    return _fill("cases", have, total, make, Case)


def generate_ratings(total: int) -> int:
    """Add bulk-created ratings until there are `total`; returns the count. The n-th is of the
    n-th bulk case (one rating per case) while there are cases without one, then of a window."""
    from yiwang.cases.models import Case
    from yiwang.evaluations.fields import Channel, DimensionSet, Subject
    from yiwang.evaluations.models import Rating
    from yiwang.org.models import Window

    have = Rating.objects.count()
    if have >= total:
        return have
    rated = Rating.objects.filter(case__isnull=False).values("case_id")
    cases = list(
        Case.objects.filter(number__startswith="D", concluded_on__isnull=False)
        .exclude(pk__in=rated)
        .order_by("pk")
        .values_list("pk", "department_id", "item_id", "concluded_on")[: total - have]
    )
    windows = list(
        Window.objects.filter(department__isnull=False)
        .order_by("pk")
        .values_list("pk", "department_id")
    )
    # One SM4 envelope for every anonymous rating's empty rater detail (the field passes an
    # envelope through): encrypting a million empty dicts would only time SM4.
    blank = Rating._meta.get_field("rater_detail").get_prep_value({})
    start = have

    def make(seq: int) -> list[Rating]:
        rng = random.Random(10_000_000 + seq)
        k = seq - start
        level = rng.choice((5, 5, 5, 4, 4, 3))
        bad = rng.random() < 0.0003
        if bad:
            level = rng.choice((1, 2))
        common: dict[str, Any] = {
            "channel": rng.choice((Channel.DEVICE, Channel.QR, Channel.PORTAL)),
            "dimension_set": DimensionSet.OFFLINE,
            "level": level,
            "anonymous": True,
            "rater_detail": blank,
            "mistaken": bad and rng.random() < 0.1,
        }
        if k < len(cases):
            case_id, department_id, item_id, concluded = cases[k]
            day = min(concluded + dt.timedelta(days=rng.randrange(3)), dt.date(2026, 6, 30))
            return [
                Rating(
                    subject=Subject.CASE,
                    case_id=case_id,
                    item_id=item_id,
                    department_id=department_id,
                    rated_at=_aware(day, rng.randrange(8, 23), rng.randrange(60)),
                    **common,
                )
            ]
        window_id, department_id = windows[seq % len(windows)]
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        return [
            Rating(
                subject=Subject.WINDOW,
                window_id=window_id,
                department_id=department_id,
                # late evening local time: the UTC day is the day before (a period bound case)
                rated_at=_aware(day, rng.choice((0, 7, 9, 15, 23)), rng.randrange(60)),
                **common,
            )
        ]

    return _fill("ratings", have, total, make, Rating)


def generate_tickets(total: int) -> int:
    """Add bulk-created tickets (numbers B…) until there are `total`; returns the count."""
    from yiwang.appeals.fields import Satisfaction, TicketKind, TicketSource, TicketStatus
    from yiwang.appeals.models import Ticket
    from yiwang.org.models import Department

    have = Ticket.objects.count()
    if have >= total:
        return have
    departments = list(Department.objects.order_by("pk").values_list("pk", flat=True))
    centre = (
        Department.objects.filter(name__contains="数据资源").order_by("pk").first()
        or Department.objects.order_by("pk").first()
    )
    assert centre is not None, "no department: run `yiwang demo` first"
    blank_name = Ticket._meta.get_field("applicant_name").get_prep_value("")
    sources = [value for value, _ in TicketSource.choices]
    kinds = ["", *(value for value, _ in TicketKind.choices)]
    satisfactions = [
        Satisfaction.SATISFIED,
        Satisfaction.SATISFIED,
        Satisfaction.BASIC,
        Satisfaction.DISSATISFIED,
        Satisfaction.UNREACHABLE,
        "",
    ]

    def make(seq: int) -> list[Ticket]:
        rng = random.Random(20_000_000 + seq)
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        dispatched = rng.random() < 0.95
        replied = dispatched and rng.random() < 0.9
        closed = replied and rng.random() < 0.85
        merged = rng.random() < 0.02
        status = (
            TicketStatus.MERGED
            if merged
            else TicketStatus.CLOSED
            if closed
            else TicketStatus.REPLIED
            if replied
            else TicketStatus.HANDLING
            if dispatched
            else TicketStatus.PENDING_DISPATCH
        )
        reply_day = day + dt.timedelta(days=rng.randrange(1, 12))
        return [
            Ticket(
                number=f"B{seq:011d}",
                source=sources[seq % len(sources)],
                kind=kinds[seq % len(kinds)],
                urgent=rng.random() < 0.05,
                title="诉求",
                content="诉求内容",
                anonymous=True,
                applicant_name=blank_name,
                status=status,
                centre=centre,
                registered_at=_aware(day, rng.randrange(8, 18)),
                registered_on=day,
                lead_department_id=departments[seq % len(departments)] if dispatched else None,
                dispatch_count=1 if dispatched else 0,
                first_dispatched_on=day if dispatched else None,
                deadline=day + dt.timedelta(days=10) if dispatched else None,
                replied_at=_aware(reply_day, 10) if replied else None,
                replied_on=reply_day if replied else None,
                replied_on_time=(rng.random() < 0.92) if replied else None,
                satisfaction=rng.choice(satisfactions) if replied else "",
                closed_at=_aware(reply_day, 16) if closed else None,
                closed_on=reply_day if closed else None,
                redo_count=1 if replied and rng.random() < 0.03 else 0,
                send_back_count=1 if dispatched and rng.random() < 0.04 else 0,
                remind_count=1 if dispatched and rng.random() < 0.06 else 0,
                ever_overdue=rng.random() < 0.05,
            )
        ]

    return _fill("tickets", have, total, make, Ticket)
