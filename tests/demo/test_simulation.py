"""The simulated half year (demo.simulation): one seed gives the same records and figures, a
rerun changes nothing, --reset redoes it; the half year looks like the county's (Spring
Festival dip, two thirds online, deadlines from workdays)."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from yiwang.cases.models import Case, CaseEvent
from yiwang.demo.services import seed_demo_county
from yiwang.demo.simulation import appointments as a
from yiwang.demo.simulation import engine
from yiwang.demo.simulation import plan as p
from yiwang.demo.simulation import tickets as t
from yiwang.evaluations.models import Rating, Rectification
from yiwang.hall.models import Booking, ItemGroup
from yiwang.insight import registry
from yiwang.insight.periods import Period
from yiwang.workdays.selectors import add_working_days, is_working_day

SMALL = 30  # cases per run where runs are compared (four runs)


@pytest.fixture
def county(db):
    return seed_demo_county()


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
    first = engine.simulate(seed=7, scale=SMALL)
    assert first.cases == SMALL and engine.simulated_cases().count() == SMALL
    records, figs = fingerprint(), figures()
    assert any(value for _, value in figs)

    # Again without --reset: nothing changes.
    assert engine.simulate(seed=7, scale=SMALL).already
    assert engine.simulate(seed=8, scale=SMALL * 2).already
    assert fingerprint() == records

    # --reset removes the simulated records (only those) and the same seed makes them again.
    base_cases = Case.objects.exclude(pk__in=engine.simulated_cases()).count()
    assert engine.reset() == SMALL
    assert not engine.simulated_cases().exists()
    assert Case.objects.count() == base_cases
    assert engine.state() == "none"
    engine.simulate(seed=7, scale=SMALL)
    assert fingerprint() == records
    assert figures() == figs

    # Another seed, another half year.
    engine.reset()
    engine.simulate(seed=8, scale=SMALL)
    assert fingerprint() != records


def test_half_year_shape(county):
    scale = 200
    engine.simulate(seed=2026, scale=scale)
    cases = engine.simulated_cases()
    on = [c.submitted_at for c in cases.only("submitted_at")]
    assert len(on) == scale
    assert all(p.START <= timezone.localdate(at) <= p.END for at in on)
    # Applications on working days only (调休 Saturdays are working days).
    assert all(is_working_day(timezone.localdate(at)) for at in on)
    # The Spring Festival dip: February below January and March.
    months = Counter(timezone.localdate(at).month for at in on)
    assert months[2] < months[1] and months[2] < months[3]
    assert months[2] < 0.8 * (scale / 6)
    # The channel mix: 网上 + 掌上 about two thirds.
    online = cases.filter(channel__in=["online", "mobile"]).count()
    assert 0.56 <= online / scale <= 0.78
    # Corrections, refusals at intake, special procedures, overdue, open cases at the end.
    statuses = Counter(cases.values_list("status", flat=True))
    assert statuses["delivered"] > scale * 0.7
    assert statuses["not_accepted"] >= 1
    assert cases.filter(corrections__isnull=False).distinct().count() >= scale * 0.04
    assert cases.filter(special_procedures__isnull=False).exists()
    assert cases.filter(ever_overdue=True).exists()
    assert cases.exclude(status__in=["delivered", "not_accepted", "withdrawn"]).exists()
    # Ratings of concluded cases, a few bad ones, each with its rectification task.
    rated = Rating.objects.filter(case__in=cases, follows_up__isnull=True)
    assert rated.count() >= statuses["delivered"] * 0.45
    bad = rated.filter(level__lte=2)
    assert 1 <= bad.count() <= 2
    assert Rectification.objects.filter(rating__in=bad).count() == bad.count()
    assert Rectification.objects.filter(rating__in=bad, status="closed").exists()
    # Tickets beside the cases, through the appeals services.
    tickets = engine.simulated_tickets()
    assert tickets.count() == engine.tickets_for(scale)
    assert tickets.filter(status="closed").exists()
    # Appointments, Saturdays and holidays included, checked in and served.
    bookings = Booking.objects.filter(slot__in=engine.simulated_slots())
    assert bookings.count() == engine.bookings_for(scale)
    assert bookings.filter(slot__non_working_day=True).exists()
    assert engine.simulated_visits().filter(status="done").count() == bookings.count()
    # Every deadline comes from workdays (a spot check of the cases without a pause).
    checked = 0
    for case in cases.filter(accepted_on__isnull=False, special_procedures__isnull=True)[:80]:
        clock = case.promised_clock
        assert clock is not None
        expected = add_working_days(
            case.accepted_on, case.version.promised_limit, start_rule=clock.start_rule
        ).date
        assert case.promised_deadline == expected
        checked += 1
    assert checked >= 40
    # Every change went through the services: a history line for each.
    assert CaseEvent.objects.filter(case__in=cases, action="create").count() == scale


def test_plan_at_the_default_scale(county):
    """The plan of the default 20,000 cases (pure: no records), seasons and channels."""
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
    tickets = t.ticket_plans(2026, 2000, days)
    assert {x.source for x in tickets} == {s for s, _ in t.SOURCES}
    assert 0.05 <= sum(x.send_back for x in tickets) / len(tickets) <= 0.11
    assert 0.03 <= sum(x.dissatisfied for x in tickets) / len(tickets) <= 0.07


def test_bad_arguments_are_one_sentence_exit_2(db):
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
    # Refused before anything was seeded.
    assert not Case.objects.exists()


def test_command_simulates_and_reruns_without_change(county):
    out = io.StringIO()
    call_command("demo", "--quiet", "--scale", "15", "--seed", "3", stdout=out)
    assert "办件 15 件" in out.getvalue()
    out = io.StringIO()
    call_command("demo", "--quiet", "--scale", "15", "--seed", "3", stdout=out)
    assert "无需改动" in out.getvalue()
    out = io.StringIO()
    call_command("demo", "--quiet", "--scale", "10", "--seed", "3", "--reset", stdout=out)
    assert "已删除模拟数据：办件 15 件" in out.getvalue()
    assert engine.simulated_cases().count() == 10


def test_a_half_done_simulation_asks_for_reset(county, monkeypatch):
    from yiwang.demo.simulation import cases as sim_cases

    calls = {"n": 0}
    real = sim_cases.CaseRunner.run

    def failing(self, plan):
        calls["n"] += 1
        if calls["n"] > 3:
            raise RuntimeError("power cut")
        return real(self, plan)

    monkeypatch.setattr(engine, "BATCH", 3)
    monkeypatch.setattr(sim_cases.CaseRunner, "run", failing)
    with pytest.raises(RuntimeError):
        engine.simulate(seed=1, scale=6)
    assert engine.state() == "partial"
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--quiet", "--scale", "10", stdout=io.StringIO())
