"""The half year's licences (电子证照) and their uses (用证), through the licences app's services.

Issued: every approved case whose item produces a licence type is issued its licence by the
licences app itself (licenses.issuing, on the decision), sealed by the type's department — the
simulated cases, the bundles' children and the cases below alike; nothing here issues one.

Used, two ways, each recorded (licenses.LicenseUse) and audited:

- 免提交: a simulated holder comes back later in the half year for an item whose material his
  licence stands in for (licenses.exemption: 食品经营许可（变更）with his 食品经营许可证, …). He
  hands in every other material and not that one; submitting attaches his licence through a
  recorded use (licenses.services.license_use_for_material, purpose 免提交材料). A few per
  thousand cases, on working days, drawn from their own random stream
  (random.Random(f"{seed}-licences")); a plan that finds no holder yet makes no case.
- 办件调用: whenever a simulated case (single item, a bundle's child or one of the above) is
  accepted for an item whose material a licence type satisfies and its applicant then holds a
  valid licence of the type issued before, the clerk who accepted it fetches that licence to
  check the material (licenses.services.license_use, with the case and a reason: "核验营业执照，
  材料由部门共享获取"), a minute after the acceptance — unless the case already attached it
  (免提交). Found from the records (no random draw), after every case of the half year ran."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from yiwang.cases import services as cs
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case, CaseEvent
from yiwang.catalog.models import Material, ServiceItem
from yiwang.demo.cases import _delivery, _form, _pdf
from yiwang.licenses import exemption
from yiwang.licenses import services as ls
from yiwang.licenses.models import HolderKind, License, LicenseMaterial, LicenseStatus, LicenseUse
from yiwang.org.models import Applicant, User

from .bundles import Cursor, decide, hand_over, in_batches, moments
from .cases import Catalogue
from .clock import SimulatedClock
from .population import Population

SHARE = 0.005  # 免提交 applications per (single-item) case
ONLINE_SHARE = 0.7


def licence_cases_for(scale: int) -> int:
    return max(1, round(scale * SHARE))


@dataclass(frozen=True)
class LicenceCasePlan:
    """A holder's later application where his licence stands in for a material."""

    day: int
    minute: int
    pick: float  # fraction into the (licence, item) pairs open on that day
    online: bool
    accept_lag: int
    progress: float


def licence_case_plans(seed: int, total: int, days: list[dt.date]) -> list[LicenceCasePlan]:
    rng = random.Random(f"{seed}-licences")
    plans = []
    if days:
        for _ in range(total):
            day, minute = moments(rng, days)
            r = [rng.random() for _ in range(4)]
            plans.append(
                LicenceCasePlan(
                    day=day,
                    minute=minute,
                    pick=r[0],
                    online=r[1] < ONLINE_SHARE,
                    accept_lag=0 if r[2] < 0.6 else 1,
                    progress=r[3],
                )
            )
    plans.sort(key=lambda x: (x.day, x.minute))
    return plans


def _links() -> dict[str, int]:
    """Material name → the licence type standing in for it."""
    return dict(LicenseMaterial.objects.values_list("material_name", "license_type_id"))


def _stand_in_items(items: Catalogue, links: dict[str, int]) -> dict[tuple[str, int], list[Any]]:
    """(holder kind, licence type) → the catalogue's items with a material (not one shared
    anyway, 共享获取) that a licence of the type stands in for: 免提交 for its holder."""
    found: dict[tuple[str, int], list[ServiceItem]] = defaultdict(list)
    pools = ((HolderKind.PERSON, items.person_items), (HolderKind.ENTERPRISE, items.company_items))
    for kind, pool in pools:
        for item in sorted(pool, key=lambda i: i.code):
            version = item.published_version
            types = {
                links[m.name.strip()]
                for m in version.materials.all()  # type: ignore[union-attr]
                if not m.exempt and m.name.strip() in links
            }
            for type_id in sorted(types):
                found[(kind, type_id)].append(item)
    return found


def simulated_licences(applicants: QuerySet[Applicant]) -> QuerySet[License]:
    """The licences issued to simulated people (by their simulated cases)."""
    return License.objects.filter(applicant__in=applicants, case__isnull=False)


class LicenceCaseRunner:
    """Drives one planned 免提交 application, from the form to the result."""

    def __init__(
        self,
        *,
        clock: SimulatedClock,
        days: list[dt.date],
        people: Population,
        items: Catalogue,
        applicants: QuerySet[Applicant],
    ) -> None:
        self.cursor = Cursor(clock, days)
        self.people = people
        self.items = _stand_in_items(items, _links())
        self.applicants = applicants
        self.pdf = _pdf()

    def _pairs(self, moment: dt.datetime, day: dt.date) -> list[tuple[License, ServiceItem]]:
        held = (
            simulated_licences(self.applicants)
            .filter(
                status=LicenseStatus.VALID,
                issued_at__lt=moment,
                valid_from__lte=day,
                license_type_id__in={type_id for _, type_id in self.items},
            )
            .select_related("applicant__user", "license_type")
            .order_by("issued_at", "pk")
        )
        return [
            (licence, item)
            for licence in held
            if licence.valid_until is None or licence.valid_until >= day
            for item in self.items.get((licence.holder_kind, licence.license_type_id), [])
        ]

    def run(self, plan: LicenceCasePlan) -> Case | None:
        if not self.items:
            return None
        cursor = self.cursor
        cursor.start(plan.day, plan.minute)
        pairs = self._pairs(timezone.now(), cursor.days[plan.day])
        if not pairs:
            return None  # nobody holds such a licence yet
        licence, item = pairs[min(int(plan.pick * len(pairs)), len(pairs) - 1)]
        applicant = licence.applicant
        assert applicant is not None
        online = plan.online and applicant.user is not None
        desk = self.people.desk_clerks[plan.day % len(self.people.desk_clerks)]
        handler = self.people.handlers[item.department_id]
        actor = applicant.user if online else desk
        assert actor is not None
        case = cs.case_create(
            item=item,
            applicant=applicant,
            actor=actor,
            form=_form(item, applicant),
            channel="online" if online else "window",
            **_delivery(item),
        )
        stand_ins = exemption.version_licence_materials(case.version, applicant)
        for material in case.version.materials.all():
            row = stand_ins.get(material.order)
            if material.exempt or (row is not None and row.exempt):
                continue  # 免提交: shared, or his valid licence stands in
            if online:
                cs.case_material_upload(
                    case=case,
                    actor=actor,
                    order=material.order,
                    file=self.pdf,
                    file_name=f"{material.name}.pdf",
                )
            else:
                cs.case_material_paper(case=case, actor=desk, order=material.order)
        case = cs.case_submit(case=case, actor=actor)  # attaches the licence (a recorded use)
        if not cursor.at(plan.day + plan.accept_lag):
            return case
        case = cs.case_accept(case=case, actor=handler if online else desk)
        if case.status == CaseStatus.IN_REVIEW:
            due = case.promised_deadline or case.legal_deadline
            last = cursor.index(due) if due is not None else cursor.day + 5
            target = cursor.day + int(plan.progress * max(last - cursor.day, 0))
            if not cursor.at(max(target, cursor.day)):
                return case
            case = decide(cursor, case, handler)
        if case.status == CaseStatus.CONCLUDED and cursor.at(cursor.day + 1):
            case = hand_over(cursor, case, applicant, handler, desk)
        return case


# --- 办件调用: the clerk checks the material against the applicant's licence ---------------------


@dataclass(frozen=True)
class Check:
    case_id: int
    licence_id: int
    actor_id: int
    at: dt.datetime
    material: str
    shared: bool  # the catalogue marks the material 共享获取


def _holder_key(kind: str, id_hash: str, uscc: str) -> tuple[str, str]:
    return (kind, id_hash) if kind == HolderKind.PERSON else (kind, uscc)


def checks(cases: QuerySet[Case], applicants: QuerySet[Applicant]) -> list[Check]:
    """The licence checks the accepted `cases` call for (see the module), in time order: a few
    queries for the whole half year, no row by row reading."""
    links = _links()
    licences: dict[tuple[tuple[str, str], int], list[tuple[dt.datetime, dt.date, int]]] = (
        defaultdict(list)
    )
    rows = (
        simulated_licences(applicants)
        .filter(status=LicenseStatus.VALID)
        .order_by("issued_at", "pk")
        .values_list(
            "pk",
            "holder_kind",
            "holder_id_number_hash",
            "holder_uscc",
            "license_type_id",
            "issued_at",
            "valid_from",
        )
    )
    for pk, kind, id_hash, uscc, type_id, issued_at, valid_from in rows:
        licences[(_holder_key(kind, id_hash, uscc), type_id)].append((issued_at, valid_from, pk))
    if not licences:
        return []
    held_types = {type_id for _, type_id in licences}
    materials: dict[int, list[tuple[str, int, bool]]] = defaultdict(list)
    for version_id, name, exempt in Material.objects.filter(
        name__in=[n for n, t in links.items() if t in held_types]
    ).values_list("version_id", "name", "exempt"):
        materials[version_id].append((name.strip(), links[name.strip()], exempt))
    holders = {
        pk: (HolderKind.PERSON, h) if h else (HolderKind.ENTERPRISE, u)
        for pk, h, u in applicants.values_list("pk", "id_number_hash", "uscc")
    }
    wanted = (
        cases.filter(version_id__in=list(materials), accepted_on__isnull=False)
        .order_by("pk")
        .values_list("pk", "applicant_id", "version_id")
    )
    candidates = {
        pk: (holders[applicant_id], version_id)
        for pk, applicant_id, version_id in wanted
        if applicant_id in holders
        and any((holders[applicant_id], t) in licences for _, t, _ in materials[version_id])
    }
    if not candidates:
        return []
    accepted: dict[int, tuple[dt.datetime, int | None]] = {}
    for case_id, moment, clerk in (
        CaseEvent.objects.filter(case_id__in=list(candidates), action="accept")
        .order_by("at", "pk")
        .values_list("case_id", "at", "actor_id")
    ):
        accepted.setdefault(case_id, (moment, clerk))
    used = set(
        LicenseUse.objects.filter(case_id__in=list(candidates)).values_list("case_id", "license_id")
    )
    found = []
    for case_id, (holder, version_id) in candidates.items():
        at, actor_id = accepted.get(case_id, (None, None))
        if at is None or actor_id is None:
            continue  # not accepted by a clerk (deemed accepted: nobody to check)
        day = timezone.localdate(at)
        done: set[int] = set()
        for name, type_id, exempt in sorted(materials[version_id]):
            valid = [
                pk
                for issued_at, valid_from, pk in licences.get((holder, type_id), [])
                if issued_at < at and valid_from <= day
            ]
            if not valid or valid[-1] in done or (case_id, valid[-1]) in used:
                continue
            done.add(valid[-1])
            found.append(Check(case_id, valid[-1], actor_id, at, name, exempt))
    found.sort(key=lambda c: (c.at, c.case_id, c.licence_id))
    return found


class CheckRunner:
    """Records one check: the clerk fetches the licence for the case, with the reason."""

    def __init__(self, *, clock: SimulatedClock, people: Population) -> None:
        self.clock = clock
        self.users: dict[int, User] = {u.pk: u for u in people.desk_clerks}
        self.users.update({u.pk: u for u in dict(people.handlers).values()})
        self.cases: dict[int, Case] = {}
        self.licences: dict[int, License] = {}

    def load(self, found: list[Check]) -> None:
        self.cases = {
            c.pk: c
            for c in Case.objects.filter(pk__in=[f.case_id for f in found]).select_related(
                "applicant", "department"
            )
        }
        self.licences = {
            licence.pk: licence
            for licence in License.objects.filter(
                pk__in={f.licence_id for f in found}
            ).select_related("license_type")
        }
        missing = {f.actor_id for f in found} - set(self.users)
        self.users.update(
            {u.pk: u for u in User.objects.filter(pk__in=missing).select_related("staff")}
        )

    def run(self, check: Check) -> LicenseUse:
        local = timezone.localtime(check.at)
        self.clock.at(local.date(), local.hour * 60 + local.minute + 1)
        licence = self.licences[check.licence_id]
        kind = licence.license_type.name
        reason = f"核验{check.material}" + ("" if kind == check.material else f"（{kind}）")
        return ls.license_use(
            license=licence,
            case=self.cases[check.case_id],
            actor=self.users[check.actor_id],
            reason=reason + ("，材料由部门共享获取" if check.shared else ""),
        )


@dataclass
class LicenceReport:
    cases: int = 0  # 免提交 applications made
    checks: int = 0  # 办件调用 recorded


def simulate_licence_uses(
    *,
    seed: int,
    scale: int,
    clock: SimulatedClock,
    days: list[dt.date],
    people: Population,
    items: Catalogue,
    applicants: QuerySet[Applicant],
    cases: QuerySet[Case],
    batch: int,
    finish: Callable[[], None],
) -> LicenceReport:
    """The 免提交 applications, then the checks over every simulated case (`cases`; `batch`
    per transaction, `finish` before each commit)."""
    report = LicenceReport()
    runner = LicenceCaseRunner(
        clock=clock, days=days, people=people, items=items, applicants=applicants
    )
    made: list[Case] = []

    def one(plan: LicenceCasePlan) -> None:
        case = runner.run(plan)
        if case is not None:
            made.append(case)

    plans = licence_case_plans(seed, licence_cases_for(scale), days)
    in_batches(plans, one, size=batch, finish=finish)
    report.cases = len(made)
    found = checks(cases, applicants)
    check_runner = CheckRunner(clock=clock, people=people)
    check_runner.load(found)
    in_batches(found, check_runner.run, size=batch, finish=finish)
    report.checks = len(found)
    return report
