"""Each planned case walked through cases.services on its simulated days: applied for online (the
applicant himself, files uploaded) or at a counter (a 综合窗口 clerk, paper originals), then
补正, 不予受理 or 受理, a special procedure, review steps, the decision (on time, or late), and
the result handed out or delivered. Actions past the end of the period are not taken: those
cases are still open on 30 June."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from yiwang.cases import services as cs
from yiwang.cases.bulk import NewCases
from yiwang.cases.fields import CaseStatus, Delivery
from yiwang.cases.models import Case
from yiwang.catalog.models import ServiceItem
from yiwang.demo.cases import _delivery, _form, _pdf
from yiwang.licenses.exemption import linked_types_cached
from yiwang.org.models import Applicant, User

from .clock import SimulatedClock
from .plan import CasePlan
from .population import Population
from .ratings import RatingSteps, ratings_in_bulk

ONLINE = ("online", "mobile")
LAST_MINUTE = 17 * 60 + 50
REFUSAL_REASON = "经审查，申请人提交的材料不符合法定条件。"
REFUSAL_BASIS = "《中华人民共和国行政许可法》第三十八条第二款"


def _keys(item: ServiceItem) -> set[str]:
    return {f["key"] for f in item.published_version.form_fields or []}  # type: ignore[union-attr]


@dataclass
class Catalogue:
    """The items the simulated applicants apply for, with cumulative popularity weights."""

    person_items: list[ServiceItem]
    company_items: list[ServiceItem]
    person_weights: list[float]
    company_weights: list[float]

    @property
    def department_ids(self) -> list[int]:
        return sorted({i.department_id for i in self.person_items + self.company_items})

    def pick(self, company: bool, u: float) -> ServiceItem:
        items, cumulative = (
            (self.company_items, self.company_weights)
            if company
            else (self.person_items, self.person_weights)
        )
        return items[min(bisect.bisect(cumulative, u * cumulative[-1]), len(items) - 1)]


def _cumulative(n: int) -> list[float]:
    # Popularity falls with rank (a few items carry most of the cases, as in the seed reports).
    total, out = 0.0, []
    for rank in range(n):
        total += 1 / (rank + 1) ** 0.9
        out.append(total)
    return out


def catalogue(seed: int) -> Catalogue:
    import random

    items = list(
        ServiceItem.objects.filter(
            status="active",
            published_version__isnull=False,
            published_version__has_fee=False,
            published_version__handling_kind__in=["promised", "instant"],
        )
        .select_related("published_version", "department")
        .prefetch_related("published_version__materials", "published_version__steps")
        .order_by("code")
    )
    person = [i for i in items if "applicant_id_number" in _keys(i)]
    company = [i for i in items if {"entity_name", "entity_uscc"} <= _keys(i)]
    rng = random.Random(seed ^ 0x17E5)  # which items are popular differs by seed, stably
    rng.shuffle(person)
    rng.shuffle(company)
    return Catalogue(person, company, _cumulative(len(person)), _cumulative(len(company)))


# The one-at-a-time steps, with the bulk path's names (cases.bulk.NewCases).
SERVICES = SimpleNamespace(
    upload=cs.case_material_upload,
    paper=cs.case_material_paper,
    request_correction=cs.case_request_correction,
    open_correction=cs.NOW.open_correction,
    resubmit=cs.case_resubmit,
    withdraw=cs.case_withdraw,
    accept=cs.case_accept,
    not_accept=cs.case_not_accept,
    advance=cs.case_advance,
    decide=cs.case_decide,
    deliver=cs.case_deliver,
    hand_out=cs.case_hand_out,
)


def _in_bulk(plan: CasePlan) -> bool:
    """Whether the case goes from application to its end in the batch's bulk path (a special
    procedure: through the services after the flush)."""
    return not plan.special


class CaseRunner(RatingSteps):
    """Drives one planned case; `days` are the period's working days."""

    def __init__(
        self, *, clock: SimulatedClock, days: list[dt.date], people: Population, items: Catalogue
    ) -> None:
        self.clock = clock
        self.days = days
        self.people = people
        self.items = items
        self.pdf = _pdf()
        self.day = 0
        self.minute = 0

    # The cursor: every action of a case is later than the one before.
    def _at(self, day: int, *, gap: int = 20) -> bool:
        if day >= len(self.days):
            return False
        if day > self.day:
            self.day, self.minute = day, 8 * 60 + 40 + (self.minute * 7) % 90
        else:
            self.minute = min(self.minute + gap, LAST_MINUTE)
        self.clock.at(self.days[self.day], self.minute)
        return True

    def _index(self, date: dt.date) -> int:
        return bisect.bisect_left(self.days, date)

    def _applicant(self, plan: CasePlan) -> Applicant:
        p = self.people
        if plan.channel in ONLINE:
            pool = p.online_companies if plan.company else p.online_persons
        else:
            pool = p.walk_in_companies if plan.company else p.walk_in_persons
        return pool[plan.applicant % len(pool)]

    @ratings_in_bulk
    def run_batch(self, plans: list[CasePlan]) -> list[Case]:
        """The batch through the bulk path (cases.bulk.NewCases: the services' checks and
        code, a few statements): every application, and a case without a special procedure
        (补正 included) on to its 不予受理, withdrawal, hand-out or delivery; then, through the
        services, the other cases' later steps and the ratings. The catalogue's licence links
        are read once a batch (licenses.exemption.linked_types_cached: the simulation never
        changes them)."""
        with linked_types_cached():
            return self._run_batch(plans)

    def _run_batch(self, plans: list[CasePlan]) -> list[Case]:
        new = NewCases()
        steps: list[tuple[CasePlan, Case, tuple[int, int] | None]] = []
        for plan in plans:
            case = self._apply(plan, new)
            if not _in_bulk(plan):
                steps.append((plan, case, None))
                continue
            case, rating = self._handle(plan, case, new)
            steps.append((plan, case, (self.day, self.minute) if rating else None))
        new.flush()
        self._ratings_read((plan, case) for plan, case, cursor in steps if cursor is not None)
        done = []
        for plan, case, cursor in steps:
            if cursor is None and not _in_bulk(plan):
                done.append(self.run(plan, case))
                continue
            if cursor is not None:
                _, applicant, handler, _ = self._start(plan)
                self.day, self.minute = cursor
                self._rating(plan, case, applicant, handler)
            done.append(case)
        return done

    def _start(self, plan: CasePlan) -> tuple[ServiceItem, Applicant, User, User]:
        self.day, self.minute = plan.day, plan.minute
        self.clock.at(self.days[plan.day], plan.minute)
        item = self.items.pick(plan.company, plan.item)
        applicant = self._applicant(plan)
        handler = self.people.handlers[item.department_id]
        desk = self.people.desk_clerks[plan.applicant % len(self.people.desk_clerks)]
        return item, applicant, handler, desk

    def run(self, plan: CasePlan, case: Case | None = None) -> Case:
        """The planned case from its application (`case`: already applied for and submitted)
        to the end of the period, through the services."""
        if case is None:
            case = self._apply(plan, None)
        case, rating = self._handle(plan, case, SERVICES)
        if rating:
            _, applicant, handler, _ = self._start_of(plan)
            self._rating(plan, case, applicant, handler)
        return case

    def _start_of(self, plan: CasePlan) -> tuple[ServiceItem, Applicant, User, User]:
        # The plan's people, the cursor left where it is.
        day, minute = self.day, self.minute
        found = self._start(plan)
        self.day, self.minute = day, minute
        self.clock.at(self.days[day], minute)
        return found

    def _handle(self, plan: CasePlan, case: Case, ops: Any) -> tuple[Case, bool]:
        """From submission to 不予受理, hand-out or delivery, with `ops` (the services, or the
        bulk path for a case without special procedure); whether it reached the rating."""
        _, applicant, handler, desk = self._start(plan)
        online = plan.channel in ONLINE
        intake = handler if online else desk
        if plan.correction:
            if not self._at(plan.day + plan.accept_lag):
                return case, False
            self._ask_correction(case, handler if online else desk, ops)
            if not self._at(self.day + plan.fix_lag):
                return case, False
            if plan.withdrawn and online:
                withdrawn = ops.withdraw(case=case, actor=applicant.user, reason="暂不办理")
                return withdrawn, False
            case = self._correct(case, applicant, desk, online, ops)
        if not self._at(self.day + (plan.accept_lag if online else 0)):
            return case, False
        if plan.not_accepted:
            refused = ops.not_accept(
                case=case, actor=intake, reason="申请事项不属于本部门职权范围，请向有关部门申请。"
            )
            return refused, False
        case = ops.accept(case=case, actor=intake)
        if case.status == CaseStatus.IN_REVIEW:
            case = self._review(plan, case, handler, ops)
            if case.status != CaseStatus.CONCLUDED:
                return case, False
        if self._at(self.day + 1):
            case = self._hand_over(case, applicant, handler, desk, ops)
        return case, True

    def _apply(self, plan: CasePlan, bulk: NewCases | None) -> Case:
        """Create, hand in the materials and submit: through the services, or the same steps
        through the bulk path `bulk`."""
        item, applicant, _, desk = self._start(plan)
        online = plan.channel in ONLINE
        actor = applicant.user if online else desk
        assert actor is not None
        create = cs.case_create if bulk is None else bulk.create
        upload = cs.case_material_upload if bulk is None else bulk.upload
        paper = cs.case_material_paper if bulk is None else bulk.paper
        submit = cs.case_submit if bulk is None else bulk.submit
        case = create(
            item=item,
            applicant=applicant,
            actor=actor,
            form=_form(item, applicant),
            channel=plan.channel,
            consent="申请人当面授权代办" if plan.channel == "assisted" else "",
            **_delivery(item),
        )
        for material in case.version.materials.all():
            if material.exempt:
                continue
            if online:
                upload(
                    case=case,
                    actor=actor,
                    order=material.order,
                    file=self.pdf,
                    file_name=f"{material.name}.pdf",
                )
            else:
                paper(case=case, actor=desk, order=material.order)
        return submit(case=case, actor=actor)

    def _ask_correction(self, case: Case, actor: User, ops: Any) -> None:
        first = next((m for m in case.version.materials.all() if not m.exempt), None)
        entry: dict[str, Any] = (
            {"order": first.order, "note": "请提供清晰完整、签字盖章的材料。"}
            if first is not None
            else {"name": "申请表", "note": "申请表填写不完整，请补充联系地址。"}
        )
        ops.request_correction(case=case, actor=actor, entries=[entry])

    def _correct(
        self, case: Case, applicant: Applicant, desk: User, online: bool, ops: Any
    ) -> Case:
        request = ops.open_correction(case)
        orders = [e["order"] for e in (request.entries if request else []) if e.get("order")]
        for order in orders:
            if online:
                ops.upload(
                    case=case,
                    actor=applicant.user,  # type: ignore[arg-type]
                    order=order,
                    file=self.pdf,
                    file_name="补正材料.pdf",
                )
            else:
                ops.paper(case=case, actor=desk, order=order)
        actor = applicant.user if online else desk
        return ops.resubmit(case=case, actor=actor)

    def _review(self, plan: CasePlan, case: Case, handler: User, ops: Any) -> Case:
        accepted = self.day
        if plan.special:
            if not self._at(accepted + 1):
                return case
            cs.case_pause(
                case=case,
                actor=handler,
                kind=plan.special,
                reason="依法需要进行"
                + {
                    "testing": "检验检测",
                    "expert_review": "专家评审",
                    "public_notice": "公示",
                    "hearing": "听证",
                }[plan.special],
                limit_days=plan.special_days,
            )
            if not self._at(self.day + plan.special_days - 2):
                return case
            case = cs.case_resume(case=case, actor=handler)
            case.refresh_from_db()
        due = case.promised_deadline or case.legal_deadline
        last = self._index(due) if due is not None else accepted + 5
        if plan.overdue:
            target = last + plan.late_by
        else:
            target = self.day + int(plan.progress * max(last - self.day, 0))
        if not self._at(max(target, self.day)):
            return case
        for _ in cs.review_steps(case.version)[:-1]:
            case = ops.advance(case=case, actor=handler, note="材料齐全，符合条件")
            self._at(self.day, gap=5)
        if plan.refused:
            return ops.decide(
                case=case,
                actor=handler,
                decision="refuse",
                reason=REFUSAL_REASON,
                basis=REFUSAL_BASIS,
            )
        return ops.decide(case=case, actor=handler, decision="approve", reason="符合法定条件")

    def _hand_over(
        self, case: Case, applicant: Applicant, handler: User, desk: User, ops: Any
    ) -> Case:
        if case.delivery == Delivery.PICKUP:
            return ops.hand_out(
                case=case, actor=desk, collected_by=applicant.legal_representative or applicant.name
            )
        if case.delivery == Delivery.EMS:
            number = f"EMS{self.days[self.day]:%y%m%d}{self.minute:04d}{applicant.phone_hash[:4]}CN"
            return ops.deliver(case=case, actor=handler, tracking_number=number)
        return ops.deliver(case=case, actor=handler)
