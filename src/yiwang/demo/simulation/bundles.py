"""The half year's 一件事 applications (bundle cases) through cases.bundles and cases.services,
as a citizen or a 综合窗口 clerk makes them: one merged form and one set of materials (those a
valid licence of the applicant stands in for left out, 免提交), submitted; each stage's child
cases are then accepted by their departments (a few asked for a 补正 first, the applicant
correcting online or at the window), reviewed and decided — the next stage starting on the last
approval of the one before, as the service does it — the fees paid, and once the bundle is
concluded every child's result delivered or handed out. A few have a child refused (不予许可),
which stops the bundle with its one notice. The licences the children's items produce are issued
by the licences app as for any approved case.

Drawn from their own random stream (random.Random(f"{seed}-bundles")), so the single-item plans
stay as they are; applied for on working days (weighed by plan.season); two for every hundred
single-item cases. Actions past the end of the period are not taken: those bundles are still
running on 30 June."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from yiwang.audit.services import audit_batch
from yiwang.cases import bundles as bs
from yiwang.cases import services as cs
from yiwang.cases.api.snapshots import touches_deferred
from yiwang.cases.fields import BundleCaseStatus, CaseStatus, Delivery
from yiwang.cases.models import BundleCase, Case
from yiwang.catalog.guides.bundles import BundleNotice
from yiwang.catalog.models import Bundle, BundleStatus
from yiwang.common.personal import PersonalValue
from yiwang.demo.cases import _form, _pdf
from yiwang.licenses.exemption import linked_types_cached
from yiwang.org.models import Applicant, User

from .clock import SimulatedClock
from .plan import season
from .population import Population

SHARE = 0.02  # bundle applications per (single-item) case
ONLINE_SHARE = 0.6  # the rest at a 综合窗口 (一窗受理)
CORRECTION_RATE = 0.15  # one child case asked for a 补正
REFUSED_RATE = 0.03  # one child refused (不予许可): the bundle stops
# Relative demand by bundle (the county's 一件事 as the seed reports rank them), and whether an
# enterprise (already registered) applies rather than a person. A published bundle not named
# here is applied for now and then by persons; one no applicant can complete (no delivery
# every item offers) is left out.
DEMAND: dict[str, tuple[float, bool]] = {
    "开办餐饮店一件事": (0.3, False),
    "企业开办一件事": (0.3, False),
    "二手房转移登记及水电气网联合过户一件事": (0.25, False),
    "开办运输企业一件事": (0.1, False),
    "工程建设项目审批一件事": (0.05, True),
}
OTHER_DEMAND = 0.05
LAST_MINUTE = 17 * 60 + 50
REFUSAL_REASON = "经审查，申请人提交的材料不符合法定条件。"
REFUSAL_BASIS = "《中华人民共和国行政许可法》第三十八条第二款"
DEFAULT_FEE = Decimal("50")
SUBJECT_TYPE = bs.SUBJECT_TYPE  # what a bundle's joint clock and messages name


def in_batches(
    plans: Sequence[Any], run: Callable[[Any], Any], *, size: int, finish: Callable[[], None]
) -> None:
    """`size` plans per transaction, as the engine runs the single-item cases: one commit and
    one audit-chain write per batch (audit_batch), one new detail key per case
    (touches_deferred); `finish` runs before each commit (the engine's one sending task). The
    catalogue's licence links are read once a batch (linked_types_cached)."""
    for start in range(0, len(plans), size):
        with (
            transaction.atomic(),
            audit_batch(),
            touches_deferred(),
            linked_types_cached(),
            bs.notices_cached(),
        ):
            for plan in plans[start : start + size]:
                run(plan)
            finish()


def bundles_for(scale: int) -> int:
    return max(1, round(scale * SHARE))


@dataclass(frozen=True)
class BundlePlan:
    """One 一件事 application and what becomes of it (fractions turned into picks and dates
    when it runs)."""

    day: int  # index into the working days
    minute: int
    bundle: float  # fraction into the weighted bundles
    applicant: int
    online: bool
    correction: bool
    corrected: float  # which child of the first stage is asked for the 补正
    refused: bool
    refused_stage: float  # which stage (fraction) has the refused child
    accept_lag: int  # working days from submission (or a stage's start) to acceptance
    fix_lag: int
    progress: float  # fraction of a child's promised time used before deciding


def moments(rng: random.Random, days: list[dt.date]) -> tuple[int, int]:
    """A working day (by season, as plan.season weighs them) and a minute of its office hours:
    drawn, not spread by plan.daily_counts, which would put a few applications all on the
    busiest days."""
    day = rng.choices(range(len(days)), cum_weights=_season_weights(tuple(days)))[0]
    return day, rng.randrange(8 * 60 + 30, 17 * 60)


@functools.cache
def _season_weights(days: tuple[dt.date, ...]) -> list[float]:
    return list(itertools.accumulate(season(d) for d in days))


def bundle_plans(seed: int, total: int, days: list[dt.date]) -> list[BundlePlan]:
    """Every bundle application of the half year in submission order: a fixed number of draws
    per plan from the bundles' own stream, so one seed gives one plan."""
    rng = random.Random(f"{seed}-bundles")
    plans = []
    if days:
        for _ in range(total):
            day, minute = moments(rng, days)
            r = [rng.random() for _ in range(10)]
            plans.append(
                BundlePlan(
                    day=day,
                    minute=minute,
                    bundle=r[0],
                    applicant=int(r[1] * 1_000_000),
                    online=r[2] < ONLINE_SHARE,
                    correction=r[3] < CORRECTION_RATE,
                    corrected=r[4],
                    refused=r[5] < REFUSED_RATE,
                    refused_stage=r[6],
                    accept_lag=0 if r[7] < 0.6 else 1,
                    fix_lag=1 + int(r[8] * 3),
                    progress=r[9],
                )
            )
    plans.sort(key=lambda x: (x.day, x.minute))
    return plans


@dataclass
class Offer:
    """A bundle that can be applied for, as published: its notice and who applies."""

    bundle: Bundle
    notice: BundleNotice
    company: bool
    deliveries: list[str]


def offers() -> tuple[list[Offer], list[float]]:
    """The published bundles an applicant can complete, by code, with cumulative demand."""
    found, weights, total = [], [], 0.0
    for bundle in Bundle.objects.filter(status=BundleStatus.PUBLISHED).order_by("code"):
        try:
            notice = bs.published_notice(bundle)
        except ValidationError:
            continue  # an item suspended: not applied for
        deliveries = bs.offered_deliveries(notice)
        if not deliveries:
            continue  # no delivery every item offers: nobody can apply
        weight, company = DEMAND.get(bundle.name, (OTHER_DEMAND, False))
        found.append(Offer(bundle, notice, company, deliveries))
        total += weight
        weights.append(total)
    return found, weights


def department_ids(found: list[Offer]) -> set[int]:
    return {item.version.item.department_id for offer in found for item in offer.notice.items}


class Cursor:
    """The simulated moment of one application: every action later than the one before, on
    working days (as demo.simulation.cases' runner keeps it)."""

    def __init__(self, clock: SimulatedClock, days: list[dt.date]) -> None:
        self.clock = clock
        self.days = days
        self.day = 0
        self.minute = 0

    def start(self, day: int, minute: int) -> None:
        self.day, self.minute = day, minute
        self.clock.at(self.days[day], minute)

    def at(self, day: int, *, gap: int = 20) -> bool:
        """Move to working day `day` (the same day: `gap` minutes on); False past the period."""
        if day >= len(self.days):
            return False
        if day > self.day:
            self.day, self.minute = day, 8 * 60 + 40 + (self.minute * 7) % 90
        else:
            self.minute = min(self.minute + gap, LAST_MINUTE)
        self.clock.at(self.days[self.day], self.minute)
        return True

    def index(self, date: dt.date) -> int:
        return bisect.bisect_left(self.days, date)


def fee_of(case: Case) -> Decimal | None:
    """The fee a fee-charging item's approval names: the first amount of its standard."""
    version = case.version
    if not version.has_fee:
        return None
    found = re.search(r"\d+(?:\.\d{1,2})?", version.fee_standard or version.fee_basis or "")
    return Decimal(found.group()) if found else DEFAULT_FEE


def decide(cursor: Cursor, case: Case, handler: User, *, refuse: bool = False) -> Case:
    """The review steps, then the decision (a fee-charging approval names its fee)."""
    for _ in cs.review_steps(case.version)[:-1]:
        case = cs.case_advance(case=case, actor=handler, note="材料齐全，符合条件")
        cursor.at(cursor.day, gap=5)
    if refuse:
        return cs.case_decide(
            case=case, actor=handler, decision="refuse", reason=REFUSAL_REASON, basis=REFUSAL_BASIS
        )
    return cs.case_decide(
        case=case, actor=handler, decision="approve", reason="符合法定条件", fee=fee_of(case)
    )


def hand_over(cursor: Cursor, case: Case, applicant: Applicant, handler: User, desk: User) -> Case:
    """The result: the fee paid first (the payment platform confirms), then handed out at the
    window, sent by EMS or delivered electronically."""
    if case.payment_status == "pending":
        cs.case_pay(case=case, actor=applicant.user)
        case.refresh_from_db()
    if case.delivery == Delivery.PICKUP:
        return cs.case_hand_out(
            case=case, actor=desk, collected_by=applicant.legal_representative or applicant.name
        )
    if case.delivery == Delivery.EMS:
        number = f"EMS{cursor.days[cursor.day]:%y%m%d}{cursor.minute:04d}{case.pk % 10000:04d}CN"
        return cs.case_deliver(case=case, actor=handler, tracking_number=number)
    return cs.case_deliver(case=case, actor=handler)


def _phone(applicant: Applicant) -> str:
    number: object = applicant.phone
    return number.reveal() if isinstance(number, PersonalValue) else str(number or "")


class BundleRunner:
    """Drives one planned bundle application from the form to every child's result."""

    def __init__(
        self,
        *,
        clock: SimulatedClock,
        days: list[dt.date],
        people: Population,
        found: list[Offer],
        weights: list[float],
    ) -> None:
        self.cursor = Cursor(clock, days)
        self.people = people
        self.offers = found
        self.weights = weights
        self.pdf = _pdf()

    def _offer(self, plan: BundlePlan) -> Offer:
        at = bisect.bisect(self.weights, plan.bundle * self.weights[-1])
        return self.offers[min(at, len(self.offers) - 1)]

    def _applicant(self, plan: BundlePlan, offer: Offer) -> Applicant:
        p = self.people
        if plan.online:
            pool = p.online_companies if offer.company else p.online_persons
        else:
            pool = p.walk_in_companies if offer.company else p.walk_in_persons
        return pool[plan.applicant % len(pool)]

    def run(self, plan: BundlePlan) -> BundleCase | None:
        if not self.offers:
            return None
        cursor = self.cursor
        cursor.start(plan.day, plan.minute)
        offer = self._offer(plan)
        applicant = self._applicant(plan, offer)
        desk = self.people.desk_clerks[plan.applicant % len(self.people.desk_clerks)]
        actor = applicant.user if plan.online else desk
        assert actor is not None
        bundle_case = self._apply(offer, applicant, actor, online=plan.online)
        stages = [s.order for s in offer.notice.stages]
        refused_stage = stages[min(int(plan.refused_stage * len(stages)), len(stages) - 1)]
        started = cursor.day
        while bundle_case.status == BundleCaseStatus.IN_PROGRESS:
            stage = bundle_case.stage
            children = list(
                Case.objects.filter(bundle_case=bundle_case, stage=stage)
                .select_related("version", "applicant__user")
                .order_by("pk")
            )
            if not self._stage(
                plan,
                children,
                applicant,
                desk,
                start=started,
                correct=plan.correction and stage == stages[0],
                refuse=plan.refused and stage == refused_stage,
            ):
                return bundle_case  # the period ended first: still running on 30 June
            bundle_case.refresh_from_db()
            if bundle_case.stage == stage and bundle_case.status == BundleCaseStatus.IN_PROGRESS:
                return bundle_case  # a child waits as a draft (the item changed): left so
            started = cursor.day
        if bundle_case.status == BundleCaseStatus.CONCLUDED and cursor.at(cursor.day + 1):
            results = Case.objects.filter(bundle_case=bundle_case, status=CaseStatus.CONCLUDED)
            for child in results.select_related("version").order_by("stage", "pk"):
                handler = self.people.handlers[child.department_id]
                hand_over(cursor, child, applicant, handler, desk)
                cursor.at(cursor.day, gap=5)
        return bundle_case

    def _apply(
        self, offer: Offer, applicant: Applicant, actor: User, *, online: bool
    ) -> BundleCase:
        notice = offer.notice
        form: dict[str, str] = {}
        for item in notice.items:
            form.update(_form(item.version.item, applicant))
        fields = {f.key for f in bs.form_for(notice, applicant)}
        delivery = next(
            (d for d in (Delivery.ELECTRONIC, Delivery.PICKUP) if d in offer.deliveries),
            offer.deliveries[0],
        )
        address = (
            {
                "recipient": applicant.legal_representative or applicant.name,
                "phone": _phone(applicant),
                "address": "示范县城关镇人民路 1 号",
            }
            if delivery == Delivery.EMS
            else None
        )
        bundle_case = bs.bundle_case_create(
            bundle=offer.bundle,
            applicant=applicant,
            actor=actor,
            form={k: v for k, v in form.items() if k in fields},
            delivery=delivery,
            delivery_address=address,
        )
        held = bs.licence_stand_ins(notice, applicant)  # 免提交: his valid licence stands in
        for material in notice.materials_to_submit:
            if material.key in held:
                continue
            bs.bundle_material_upload(
                bundle_case=bundle_case,
                actor=actor,
                key=material.key,
                file=self.pdf,
                file_name=f"{material.name}.pdf" if online else f"{material.name}（扫描件）.pdf",
            )
        return bs.bundle_case_submit(bundle_case=bundle_case, actor=actor)

    def _stage(
        self,
        plan: BundlePlan,
        children: list[Case],
        applicant: Applicant,
        desk: User,
        *,
        start: int,
        correct: bool,
        refuse: bool,
    ) -> bool:
        """One stage's children, side by side: accepted (after a 补正 for the one planned),
        reviewed and decided. False when the period ends first."""
        cursor = self.cursor
        running = [c for c in children if c.status == CaseStatus.SUBMITTED]
        if not running:
            return True
        corrected = running[min(int(plan.corrected * len(running)), len(running) - 1)]
        promised = [c for c in running if not c.is_instant]
        refused = promised[0] if refuse and promised else None
        if not cursor.at(start + plan.accept_lag):
            return False
        accepted = []
        for child in running:
            handler = self.people.handlers[child.department_id]
            if correct and child.pk == corrected.pk:
                fixed = self._correction(plan, child, applicant, desk, handler)
                if fixed is None:
                    return False
                child = fixed
            child = cs.case_accept(case=child, actor=handler)
            accepted.append(child)
            cursor.at(cursor.day, gap=10)
        for child in accepted:
            if child.status != CaseStatus.IN_REVIEW:
                continue  # 即办件: decided on acceptance
            due = child.promised_deadline or child.legal_deadline
            last = cursor.index(due) if due is not None else cursor.day + 5
            target = cursor.day + int(plan.progress * max(last - cursor.day, 0))
            if not cursor.at(max(target, cursor.day)):
                return False
            handler = self.people.handlers[child.department_id]
            decide(cursor, child, handler, refuse=refused is not None and child.pk == refused.pk)
            cursor.at(cursor.day, gap=10)
        return True

    def _correction(
        self, plan: BundlePlan, child: Case, applicant: Applicant, desk: User, handler: User
    ) -> Case | None:
        """一次性告知补正 on one child, the applicant correcting it (online, or at the window)
        and resubmitting; None when the period ends first."""
        cursor = self.cursor
        materials = [m for m in child.version.materials.all() if not m.exempt]
        handed_in = set(child.materials.filter(current=True).values_list("order", flat=True))
        first = next((m for m in materials if m.order in handed_in), None)
        entry: dict[str, Any] = (
            {"order": first.order, "note": "请提供清晰完整、签字盖章的材料。"}
            if first is not None
            else {"name": "申请表", "note": "申请表填写不完整，请补充联系地址。"}
        )
        cs.case_request_correction(case=child, actor=handler, entries=[entry])
        if not cursor.at(cursor.day + plan.fix_lag):
            return None
        if first is not None:
            if plan.online:
                cs.case_material_upload(
                    case=child,
                    actor=applicant.user,  # type: ignore[arg-type]
                    order=first.order,
                    file=self.pdf,
                    file_name="补正材料.pdf",
                )
            else:
                cs.case_material_paper(case=child, actor=desk, order=first.order)
        actor = applicant.user if plan.online else desk
        child = cs.case_resubmit(case=child, actor=actor)  # type: ignore[arg-type]
        if not cursor.at(cursor.day + plan.accept_lag):
            return None
        return child


def simulate_bundles(
    *,
    seed: int,
    scale: int,
    clock: SimulatedClock,
    days: list[dt.date],
    people: Population,
    found: tuple[list[Offer], list[float]],
    batch: int,
    finish: Callable[[], None],
) -> int:
    """Run the half year's bundle applications (`found`: offers(); `batch` plans per
    transaction, `finish` before each commit); returns how many were made."""
    bundles, weights = found
    if not bundles:
        return 0
    plans = bundle_plans(seed, bundles_for(scale), days)
    runner = BundleRunner(clock=clock, days=days, people=people, found=bundles, weights=weights)
    in_batches(plans, runner.run, size=batch, finish=finish)
    return len(plans)
