"""Run (and undo) the simulated half year.

The simulation is complete once its audit event `demo.simulated` is the latest of the two
simulation events (`demo.simulation_reset` undoes it): a run stopped half-way leaves cases but
no such event, and is then redone only with --reset. The audit trail itself is append-only, so
a reset keeps the audit events of the records it removes (and records the reset).

The messages the simulated services write belong to the simulated past: they are stored as sent
at their simulated moment (notifications.services.simulated_past), not queued for the worker."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError, QuerySet, RestrictedError

from yiwang.appeals.models import Ticket
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import audit_batch, audit_change
from yiwang.cases.api.snapshots import touches_deferred
from yiwang.cases.models import BundleCase, BundleMaterial, Case, CaseMaterial
from yiwang.demo import county as c
from yiwang.hall.models import Slot
from yiwang.hall.models import Ticket as HallTicket
from yiwang.licenses.models import LicenseUse
from yiwang.notifications.services import simulated_past
from yiwang.org.models import Applicant, Department, User
from yiwang.workdays.selectors import work_calendar_pinned

from . import appointments as a
from . import bundles as b
from . import licences as lu
from . import plan as p
from . import tickets as t
from .cases import CaseRunner, catalogue
from .clock import simulated_clock
from .population import population, sim_phone_hashes

DEFAULT_SCALE = 20_000
DEFAULT_SEED = 2026
MAX_SCALE = 2_000_000
# Cases per transaction: one commit per batch rather than per service call, short enough that
# the web pages served meanwhile (make demo) are not kept waiting for the database.
BATCH = 25
DONE, RESET = "demo.simulated", "demo.simulation_reset"
TICKET = "appeals.ticket"  # the tickets' clocks and messages name them so

Progress = Callable[[int], None]


@dataclass
class SimulationReport:
    cases: int = 0
    tickets: int = 0
    bookings: int = 0
    bundle_cases: int = 0
    licence_cases: int = 0  # applications with a licence standing in for a material (免提交)
    licences: int = 0  # issued to the simulated people
    licence_uses: int = 0
    already: bool = False
    removed: int = 0


def check_arguments(*, seed: int, scale: int) -> None:
    """One sentence for a seed or scale out of range."""
    if not 1 <= scale <= MAX_SCALE:
        raise ValidationError(f"--scale（办件数）应为 1–{MAX_SCALE} 之间的整数。")
    if not 0 <= seed < 2**63:
        raise ValidationError("--seed（随机种子）应为非负整数。")


def simulated_applicants() -> QuerySet[Applicant]:
    return Applicant.objects.filter(phone_hash__in=sim_phone_hashes())


def simulated_cases() -> QuerySet[Case]:
    """The simulated cases: those of the simulated applicants."""
    return Case.objects.filter(applicant__in=simulated_applicants())


def simulated_bundle_cases() -> QuerySet[BundleCase]:
    """The simulated 一件事 applications (their children are simulated cases too)."""
    return BundleCase.objects.filter(applicant__in=simulated_applicants())


def simulated_tickets() -> QuerySet[Ticket]:
    """The simulated tickets: registered during the simulated half year by (or for) the
    simulated people — the hotline's SIM- numbers, the simulated desk clerks' and applicants'."""
    from django.db.models import Q

    people = simulated_applicants()
    return Ticket.objects.filter(
        Q(external_number__startswith="SIM-")
        | Q(applicant__in=people)
        | Q(created_by__username__startswith="sim-")
        | Q(applicant_phone_hash__in=sim_phone_hashes())
    )


def simulated_slots() -> QuerySet[Slot]:
    """The simulated half year's slots (the seed's own are for the days after its run)."""
    return Slot.objects.filter(hall__name=a.HALL, day__range=(p.START, p.END))


def simulated_visits() -> QuerySet[HallTicket]:
    return HallTicket.objects.filter(hall__name=a.HALL, day__range=(p.START, p.END))


def _last_mark() -> AuditEvent | None:
    return AuditEvent.objects.filter(action__in=[DONE, RESET]).order_by("-sequence").first()


def state() -> str:
    """ "done", "partial" (cases but no completion) or "none"."""
    mark = _last_mark()
    if mark is not None and mark.action == DONE and simulated_cases().exists():
        return "done"
    return "partial" if simulated_cases().exists() else "none"


def _bureau() -> Department:
    return Department.objects.get(name=c.BUREAU)


def _dedupe_send_hooks() -> None:
    # Every message a service writes asks for a sending task on commit; one per batch sends
    # them all (send_messages takes every due message), 25 cases' worth of tasks would not.
    from yiwang.notifications.services import _enqueue_sending

    conn = transaction.get_connection()
    seen, kept = False, []
    for entry in conn.run_on_commit:
        if entry[1] is _enqueue_sending:
            if seen:
                continue
            seen = True
        kept.append(entry)
    conn.run_on_commit[:] = kept


def simulate(
    *, seed: int = DEFAULT_SEED, scale: int = DEFAULT_SCALE, progress: Progress | None = None
) -> SimulationReport:
    """Simulate the half year with `scale` cases, unless it has been simulated already."""
    check_arguments(seed=seed, scale=scale)
    now = state()
    if now == "done":
        return SimulationReport(already=True)
    if now == "partial":
        raise ValidationError("上次模拟未完成，请加 --reset 重新模拟。")
    tick = progress or (lambda n: None)
    days = p.working_days()
    plans = p.case_plans(seed, scale, days)
    items = catalogue(seed)
    if not items.person_items or not items.company_items:
        raise ValidationError("示范县事项目录尚未生成，请先运行 yiwang demo。")
    ticket_plans = t.ticket_plans(seed, tickets_for(scale), days)
    with simulated_clock(p.START) as clock, work_calendar_pinned(), simulated_past():
        topic_ids = [d.pk for d in t.departments().values()]
        offers = b.offers()
        departments = set(items.department_ids) | set(topic_ids) | b.department_ids(offers[0])
        people = population(sorted(departments), scale=scale)
        runner = CaseRunner(clock=clock, days=days, people=people, items=items)
        _batches(plans, runner.run_batch, tick)
        # 一件事 and 用证: their own random streams, after the single-item cases (whose plans
        # they leave as they are); the licence checks look at every simulated case.
        bundled = b.simulate_bundles(
            seed=seed,
            scale=scale,
            clock=clock,
            days=days,
            people=people,
            found=offers,
            batch=BATCH,
            finish=_dedupe_send_hooks,
        )
        used = lu.simulate_licence_uses(
            seed=seed,
            scale=scale,
            clock=clock,
            days=days,
            people=people,
            items=items,
            applicants=simulated_applicants(),
            cases=simulated_cases(),
            batch=BATCH,
            finish=_dedupe_send_hooks,
        )
        tickets = t.TicketRunner(
            clock=clock,
            days=days,
            desk=people.desk_clerks,
            dispatcher=User.objects.get(username="bureau"),
            handlers=people.handlers,
            citizens=people.online_persons,
        )
        _batches(ticket_plans, tickets.run_batch, lambda n: None)
        visits = a.AppointmentRunner(
            clock=clock, days=a.calendar_days(p.START, p.END), citizens=people.online_persons
        )
        booking_plans = a.booking_plans(seed, bookings_for(scale), visits.days, visits.groups)
        booked = 0
        for days_of_bookings in a.day_batches(booking_plans, BATCH):
            with transaction.atomic(), audit_batch():
                booked += visits.run(days_of_bookings)
                _dedupe_send_hooks()
    report = SimulationReport(
        cases=len(plans),
        tickets=len(ticket_plans),
        bookings=booked,
        bundle_cases=bundled,
        licence_cases=used.cases,
        licences=lu.simulated_licences(simulated_applicants()).count(),
        licence_uses=LicenseUse.objects.filter(case__in=simulated_cases()).count(),
    )
    audit_change(
        action=DONE,
        obj=_bureau(),
        after={
            "seed": seed,
            "scale": scale,
            "cases": len(plans),
            "tickets": len(ticket_plans),
            "bundle_cases": bundled,
            "licence_cases": used.cases,
            "licences": report.licences,
            "licence_uses": report.licence_uses,
        },
    )
    return report


def bookings_for(scale: int) -> int:
    return max(1, round(scale * a.SHARE))


def tickets_for(scale: int) -> int:
    return max(1, round(scale * t.SHARE))


def _batches(plans: Sequence[Any], run: Callable[[list[Any]], Any], tick: Progress) -> None:
    for start in range(0, len(plans), BATCH):
        batch = plans[start : start + BATCH]
        # One commit, one audit-chain write (audit_batch: every event still numbered and hashed
        # in order) and one new detail key per case per batch; the services' own checks run for
        # every action.
        with transaction.atomic(), audit_batch(), touches_deferred():
            run(list(batch))
            _dedupe_send_hooks()
        tick(len(batch))


def _purge(queryset: QuerySet[Any]) -> None:
    """Delete the rows and, first, what protects them (all of it hangs off simulated cases)."""
    while True:
        try:
            queryset.delete()
            return
        except (ProtectedError, RestrictedError) as exc:
            found = (
                exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            )
            by_model: dict[type[Model], list[Any]] = defaultdict(list)
            for row in found:
                by_model[type(row)].append(row.pk)
            for model, pks in by_model.items():
                _purge(model._default_manager.filter(pk__in=pks))


def reset() -> int:
    """Remove the simulated records (only those: found through the simulated applicants) and
    their stored files; returns the number of cases removed (a bundle's children counted). The
    simulated people stay. The licences issued on the simulated cases and the uses recorded for
    them go with the cases (they protect them)."""
    from yiwang.notifications.models import Message
    from yiwang.workdays.models import Clock

    cases = simulated_cases()
    ids = [str(pk) for pk in cases.values_list("pk", flat=True)]
    with transaction.atomic():
        files = list(
            CaseMaterial.objects.filter(case__in=cases)
            .exclude(file="")
            .values_list("file", flat=True)
        )
        bundles = simulated_bundle_cases()
        bundle_ids = [str(pk) for pk in bundles.values_list("pk", flat=True)]
        files += BundleMaterial.objects.filter(bundle_case__in=bundles).values_list(
            "file", flat=True
        )
        _purge(cases)
        _purge(bundles)
        for start in range(0, len(bundle_ids), 1000):
            chunk = bundle_ids[start : start + 1000]
            _purge(Clock.objects.filter(subject_type=b.SUBJECT_TYPE, subject_id__in=chunk))
            Message.objects.filter(subject_type=b.SUBJECT_TYPE, subject_id__in=chunk).delete()
        tickets = simulated_tickets()
        ticket_ids = [str(pk) for pk in tickets.values_list("pk", flat=True)]
        _purge(tickets)
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            _purge(Clock.objects.filter(subject_type="cases.case", subject_id__in=chunk))
            Message.objects.filter(subject_type="cases.case", subject_id__in=chunk).delete()
        for start in range(0, len(ticket_ids), 1000):
            chunk = ticket_ids[start : start + 1000]
            _purge(Clock.objects.filter(subject_type=TICKET, subject_id__in=chunk))
            Message.objects.filter(subject_type=TICKET, subject_id__in=chunk).delete()
        _purge(simulated_slots())
        _purge(simulated_visits())
        audit_change(action=RESET, obj=_bureau(), before={"cases": len(ids)})
    from django.core.files.storage import default_storage

    for name in set(files):  # after the commit: a rolled-back reset keeps its files
        default_storage.delete(name)
    return len(ids)
