"""The simulated half year (demo.simulation): one seed gives the same records and figures, a
rerun changes nothing, --reset redoes it; the half year looks like the county's (Spring
Festival dip, two thirds online, deadlines from workdays)."""

from __future__ import annotations

import io
from collections import Counter
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tests.seeded import demo_county
from yiwang.cases.models import Case, CaseEvent
from yiwang.demo.simulation import appointments as a
from yiwang.demo.simulation import engine
from yiwang.demo.simulation import plan as p
from yiwang.demo.simulation import tickets as t
from yiwang.evaluations.models import Rating, Rectification
from yiwang.hall.models import Booking, ItemGroup
from yiwang.insight import registry
from yiwang.insight.periods import Period
from yiwang.workdays.selectors import add_working_days, is_working_day

SMALL = 20  # cases per run; seed 660's plan at this scale has 补正, 不予受理, a special
# procedure, an overdue and a refused case (the rates themselves are checked on the pure plan)
SEED = 660


@pytest.fixture(scope="module")
def _seeded(django_db_setup, django_db_blocker):
    """The demo county, seeded once for the module (seeding is the slow part, ~10 s on
    PostgreSQL) inside a transaction rolled back at the module's end; each test's own
    transaction nests in it, as with TestCase.setUpTestData."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo_county()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def county(_seeded, db):
    return None


def fingerprint() -> list[tuple]:
    """The simulated records' meaningful columns (not ids: a database sequence goes on across a
    reset), in creation order."""
    cases = list(
        engine.simulated_cases()
        .order_by("pk")
        .values_list(
            "pk",
            "number",
            "item__code",
            "applicant__phone_hash",
            "channel",
            "status",
            "decision",
            "submitted_at",
            "accepted_on",
            "concluded_on",
            "promised_deadline",
            "legal_deadline",
            "ever_overdue",
            "handling_days",
            "delivery",
            "visits",
            "delivered_at",
        )
    )
    ordinal = {row[0]: n for n, row in enumerate(cases)}
    rows: list[tuple] = [(row[1][:8], *row[2:]) for row in cases]
    events = CaseEvent.objects.filter(case_id__in=ordinal).order_by("case_id", "at", "id")
    rows += [
        (ordinal[e.case_id], e.action, e.from_status, e.to_status, e.at, e.actor_label)
        for e in events
    ]
    tickets = engine.simulated_tickets().order_by("pk")
    rows += list(
        tickets.values_list(
            "source", "kind", "title", "status", "redo_count", "created_at", "closed_on"
        )
    )
    return rows


def figures() -> list[tuple[str, object]]:
    half = Period.parse("2026H1")
    return [(m.key, registry.compute(m.key, period=half)) for m in registry.all_metrics()]


def test_one_seed_same_records_and_figures_rerun_and_reset(county):
    """One run at a tiny scale, checked for its shape and invariants; the command's rerun changes
    nothing, its --reset removes only the simulated records, and the same seed makes the same
    records and figures again."""
    from yiwang.audit.models import AuditEvent
    from yiwang.audit.services import audit_verify

    base_cases = Case.objects.count()
    first = engine.simulate(seed=SEED, scale=SMALL)
    # Beside the planned cases: the 一件事 children and the 免提交 applications
    # (tests/demo/test_simulation_bundles_licences.py).
    children = Case.objects.filter(bundle_case__in=engine.simulated_bundle_cases()).count()
    total = SMALL + children + first.licence_cases
    assert first.cases == SMALL and first.bundle_cases >= 1 and children >= 1
    assert engine.simulated_cases().count() == total
    records, figs = fingerprint(), figures()
    assert any(value for _, value in figs)

    cases = engine.simulated_cases()
    on = [timezone.localdate(c.submitted_at) for c in cases.only("submitted_at")]
    assert all(p.START <= day <= p.END and is_working_day(day) for day in on)
    single = cases.filter(bundle_case__isnull=True)  # a bundle's children share its channel
    online = single.filter(channel__in=["online", "mobile"]).count()
    assert 0.4 <= online / single.count() <= 0.9
    statuses = Counter(cases.values_list("status", flat=True))
    assert statuses["delivered"] >= SMALL * 0.5
    assert statuses["not_accepted"] >= 1
    assert cases.filter(corrections__isnull=False).exists()
    assert cases.filter(special_procedures__isnull=False).exists()
    assert cases.filter(ever_overdue=True).exists()
    assert cases.filter(decision="refuse").exists()
    # Ratings, one bad one at least (an exact share, never zero), with its rectification.
    rated = Rating.objects.filter(case__in=cases, follows_up__isnull=True)
    bad = rated.filter(level__lte=2)
    assert rated.count() >= statuses["delivered"] * 0.3 and bad.count() >= 1
    assert Rectification.objects.filter(rating__in=bad).count() == bad.count()
    # Tickets and appointments beside the cases.
    assert engine.simulated_tickets().count() == engine.tickets_for(SMALL)
    bookings = Booking.objects.filter(slot__in=engine.simulated_slots())
    assert bookings.count() == engine.bookings_for(SMALL)
    assert engine.simulated_visits().filter(status="done").count() == bookings.count()
    # Their messages belong to the simulated past: stored as sent then, none left for the worker
    # (notifications.services.simulated_past).
    from yiwang.notifications.models import Message

    simulated = Message.objects.filter(created_at__date__lte=p.END)
    assert simulated.filter(kind__startswith="ticket.").exists()
    assert set(simulated.values_list("status", flat=True)) == {"sent"}
    assert not simulated.exclude(sent_at=F("created_at")).exists()
    # Deadlines from workdays (cases without a pause).
    for case in cases.filter(accepted_on__isnull=False, special_procedures__isnull=True)[:10]:
        clock = case.promised_clock
        expected = add_working_days(
            case.accepted_on, case.version.promised_limit, start_rule=clock.start_rule
        ).date
        assert case.promised_deadline == expected
    # Every change went through the services: each case has its history and its audit events
    # (written in batches, every one numbered and hashed in order: the chain verifies).
    assert CaseEvent.objects.filter(case__in=cases, action="create").count() == total
    audited = set(
        AuditEvent.objects.filter(object_type="cases.case").values_list("object_id", flat=True)
    )
    assert {str(pk) for pk in cases.values_list("pk", flat=True)} <= audited
    assert audit_verify().ok

    # Again without --reset (any seed or scale): nothing changes.
    assert engine.simulate(seed=SEED + 1, scale=SMALL * 2).already
    out = io.StringIO()
    call_command("demo", "--quiet", "--scale", str(SMALL), "--seed", str(SEED), stdout=out)
    assert "无需改动" in out.getvalue()
    assert fingerprint() == records

    # --reset removes the simulated records (only those: the seed's own cases stay) and the
    # same seed makes them again.
    seeded = set(Case.objects.exclude(pk__in=cases).values_list("pk", flat=True))
    assert len(seeded) == base_cases
    out = io.StringIO()
    call_command(
        "demo", "--quiet", "--scale", str(SMALL), "--seed", str(SEED), "--reset", stdout=out
    )
    assert f"已删除模拟数据：办件 {total} 件" in out.getvalue()
    assert set(Case.objects.exclude(pk__in=cases).values_list("pk", flat=True)) == seeded
    assert Case.objects.count() == base_cases + total
    assert fingerprint() == records
    assert figures() == figs
    assert audit_verify().ok
    # A reset without simulating again leaves none.
    assert engine.reset() == total and engine.state() == "none"
    assert Case.objects.count() == base_cases


def test_plan_at_the_default_scale_and_the_failure_paths(county, monkeypatch):
    """The plan of the default 20,000 cases (pure: no records), seasons and channels; then a run
    stopped half-way and a database error (one county for both: seeding it is the slow part)."""
    days = p.working_days()
    plans = p.case_plans(2026, engine.DEFAULT_SCALE, days)
    assert len(plans) == engine.DEFAULT_SCALE
    assert p.case_plans(2026, 500, days) == p.case_plans(2026, 500, days)
    assert p.case_plans(2026, 500, days) != p.case_plans(2027, 500, days)
    months = Counter(days[x.day].month for x in plans)
    assert months[2] < 0.75 * months[1] and months[2] < 0.75 * months[3]
    online = sum(x.channel in ("online", "mobile") for x in plans) / len(plans)
    assert 0.64 <= online <= 0.70
    assert p.daily_counts(days, 7) and sum(p.daily_counts(days, 7)) == 7
    rated = [x for x in plans if x.rated]
    bad = sum(x.bad for x in rated) / len(rated)
    assert 0.0001 <= bad <= 0.0005  # 差评 0.01–0.05% of the ratings
    assert all(x.level <= 2 for x in rated if x.bad) and all(
        x.level >= 3 for x in rated if not x.bad
    )
    assert 0.03 <= sum(bool(x.special) for x in plans) / len(plans) <= 0.05
    calendar = a.calendar_days(p.START, p.END)
    groups = list(ItemGroup.objects.filter(active=True).order_by("code"))
    assert len(groups) == 3
    booked = a.booking_plans(2026, 1000, calendar, groups)
    places = Counter((b.day, b.group, b.slot) for b in booked)
    assert max(places.values()) <= 6  # never more than a slot holds: a full one books nothing
    assert 980 <= len(booked) <= 1000
    weekend = sum(not is_working_day(calendar[b.day]) for b in booked) / len(booked)
    assert 0.05 <= weekend <= 0.3
    # One transaction per run of whole days of about 25 bookings, every booking once, in order.
    batches = a.day_batches(booked, 25)
    assert [b for batch in batches for b in batch] == booked and len(batches) > 10
    assert all(len(batch) >= 25 for batch in batches[:-1])
    assert all(x[-1].day != y[0].day for x, y in pairwise(batches))
    tickets = t.ticket_plans(2026, 2000, days)
    assert {x.source for x in tickets} == {s for s, _ in t.SOURCES}
    assert 0.05 <= sum(x.send_back for x in tickets) / len(tickets) <= 0.11
    assert 0.03 <= sum(x.dissatisfied for x in tickets) / len(tickets) <= 0.07
    _a_half_done_simulation_asks_for_reset(monkeypatch)
    _a_database_error_is_one_sentence(monkeypatch)


def test_bad_arguments_are_one_sentence_exit_2(county, monkeypatch):
    from yiwang.demo import services

    def seeding(**kwargs):
        raise AssertionError("seeded before the arguments were checked")

    monkeypatch.setattr(services, "seed_demo_county", seeding)
    for args, message in [
        (["--scale", "0"], "--scale"),
        (["--scale", "abc"], "整数"),
        (["--scale", "9999999999"], "--scale"),
        (["--seed", "-1"], "--seed"),
    ]:
        with pytest.raises(CommandError) as caught:
            call_command("demo", "--quiet", *args, stdout=io.StringIO())
        assert caught.value.returncode == 2
        assert message in str(caught.value) and "\n" not in str(caught.value)
    # Refused before anything was seeded or simulated.
    assert not engine.simulated_cases().exists()


def _a_half_done_simulation_asks_for_reset(monkeypatch):
    from yiwang.audit.services import audit_verify
    from yiwang.demo.simulation import cases as sim_cases

    calls = {"n": 0}
    real = sim_cases.CaseRunner._handle

    def failing(self, plan, case, ops):
        calls["n"] += 1
        if calls["n"] > 3:
            raise RuntimeError("power cut")
        return real(self, plan, case, ops)

    monkeypatch.setattr(engine, "BATCH", 3)
    monkeypatch.setattr(sim_cases.CaseRunner, "_handle", failing)
    with pytest.raises(RuntimeError):
        engine.simulate(seed=1, scale=6)
    assert engine.state() == "partial"
    assert engine.simulated_cases().count() == 3  # the first batch; the second rolled back
    assert audit_verify().ok
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--quiet", "--scale", "10", stdout=io.StringIO())
    monkeypatch.undo()


def _a_database_error_is_one_sentence(monkeypatch):
    from django.db import OperationalError

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(engine, "simulate", locked)
    with pytest.raises(CommandError) as caught:
        call_command("demo", "--quiet", "--scale", "10", stdout=io.StringIO())
    assert "database is locked" in str(caught.value) and "--reset" in str(caught.value)
