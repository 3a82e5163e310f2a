"""The simulated half year's 一件事 applications and licences (demo.simulation.bundles and
.licences): bundle cases through the bundle services to their conclusion (补正 and a refusal
on the way), licences issued on the approved cases and used in later ones (免提交 at submission,
办件调用 by the accepting clerk), every use audited; one seed gives the same records and figures,
a rerun changes nothing and --reset removes them (the seed's own stay)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from tests.seeded import demo_county
from yiwang.audit.models import AuditEvent
from yiwang.cases.fields import BundleCaseStatus
from yiwang.cases.models import BundleCase, BundleEvent, Case, CaseMaterial
from yiwang.demo.simulation import bundles as b
from yiwang.demo.simulation import engine
from yiwang.demo.simulation import licences as lu
from yiwang.demo.simulation import plan as p
from yiwang.demo.simulation.cases import catalogue
from yiwang.demo.simulation.clock import simulated_clock
from yiwang.demo.simulation.population import population
from yiwang.insight import registry
from yiwang.insight.periods import Period
from yiwang.licenses.models import License, LicenseUse
from yiwang.workdays.models import Clock
from yiwang.workdays.selectors import is_working_day, work_calendar_pinned

SCALE = 40
# Seed 46 at this scale (with the shares below): a company's 食品经营许可（新办） approved in
# February, a 免提交 plan after it, a bundle with a 补正 (the rates are checked on the pure plans).
SEED = 46
BUNDLE_SHARE = 0.1  # 4 bundle applications
LICENCE_SHARE = 0.1  # 4 免提交 plans


@pytest.fixture(scope="module")
def _seeded(django_db_setup, django_db_blocker):
    """The demo county, seeded once for the module inside a transaction rolled back at its end
    (as tests/demo/test_simulation.py)."""
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
    """The simulated bundles', licences' and uses' meaningful columns (no ids: a sequence goes
    on across a reset), in creation order."""
    bundles = list(
        engine.simulated_bundle_cases()
        .order_by("pk")
        .values_list(
            "pk",
            "number",
            "bundle__name",
            "applicant__phone_hash",
            "channel",
            "status",
            "stage",
            "submitted_at",
            "started_on",
            "concluded_on",
            "deadline",
            "handling_days",
            "stop_reason",
        )
    )
    ordinal = {row[0]: n for n, row in enumerate(bundles)}
    rows: list[tuple] = [(row[1][:8], *row[2:]) for row in bundles]
    children = Case.objects.filter(bundle_case__in=list(ordinal)).order_by("pk")
    rows += [
        (ordinal[c[0]], *c[1:])
        for c in children.values_list(
            "bundle_case_id", "stage", "item__code", "status", "decision", "accepted_on"
        )
    ]
    rows += list(
        lu.simulated_licences(engine.simulated_applicants())
        .order_by("issued_at", "pk")
        .values_list(
            "license_type__code",
            "holder_name",
            "valid_from",
            "issued_at",
            "status",
            "fields",
            "case__item__code",
            "case__submitted_at",
        )
    )
    rows += list(
        LicenseUse.objects.filter(case__in=engine.simulated_cases())
        .order_by("used_at", "pk")
        .values_list(
            "license__license_type__code",
            "case__item__code",
            "case__submitted_at",
            "actor__username",
            "purpose",
            "reason",
            "material_name",
            "used_at",
        )
    )
    return rows


def figures() -> list[tuple[str, object]]:
    half = Period.parse("2026H1")
    return [
        (m.key, registry.compute(m.key, period=half))
        for m in registry.all_metrics()
        if m.key.startswith(("cases.bundle_", "licenses."))
    ]


def _figure(figs: list[tuple[str, object]], key: str) -> object:
    return dict(figs)[key]


def test_bundles_and_licence_uses_one_seed_rerun_and_reset(county, monkeypatch):
    from yiwang.audit.services import audit_verify

    monkeypatch.setattr(b, "SHARE", BUNDLE_SHARE)
    monkeypatch.setattr(lu, "SHARE", LICENCE_SHARE)
    seeded_bundles = set(BundleCase.objects.values_list("pk", flat=True))
    seeded_licences = set(License.objects.values_list("pk", flat=True))
    assert seeded_bundles and seeded_licences  # the seed's own (they must stay)
    before = figures()

    report = engine.simulate(seed=SEED, scale=SCALE)
    assert report.cases == SCALE and report.bundle_cases == b.bundles_for(SCALE) == 4
    records, figs = fingerprint(), figures()

    # 一件事: through the bundle services, on working days, most concluded (every child's result
    # out), some child asked for a 补正 and corrected.
    bundles = engine.simulated_bundle_cases()
    assert bundles.count() == report.bundle_cases
    for bundle_case in bundles:
        day = timezone.localdate(bundle_case.submitted_at)
        assert p.START <= day <= p.END and is_working_day(day)
        assert BundleEvent.objects.filter(bundle_case=bundle_case, action="submit").exists()
        assert AuditEvent.objects.filter(
            action="cases.bundle_submit", object_id=str(bundle_case.pk)
        ).exists()
    statuses = Counter(bundles.values_list("status", flat=True))
    assert statuses[BundleCaseStatus.CONCLUDED] >= 3
    for bundle_case in bundles.filter(status=BundleCaseStatus.CONCLUDED):
        assert bundle_case.joint_clock is not None and bundle_case.result_notice["results"]
        assert set(bundle_case.children.values_list("status", flat=True)) == {"delivered"}
    children = Case.objects.filter(bundle_case__in=bundles)
    assert children.filter(corrections__isnull=False).exists()
    assert set(children.values_list("applicant", flat=True)) <= set(
        engine.simulated_applicants().values_list("pk", flat=True)
    )

    # Licences: issued by the licences app on every approved case of a linked item (the bundles'
    # children too), sealed; and counted.
    issued = lu.simulated_licences(engine.simulated_applicants())
    assert report.licences == issued.count() > 0
    assert issued.filter(case__bundle_case__isnull=False).exists()
    linked = engine.simulated_cases().filter(decision="approve", item__license_types__isnull=False)
    assert issued.count() == linked.count()
    assert not issued.filter(signature="").exists()

    # Uses: 免提交 at submission (no file for that material) and checks by the accepting
    # clerk, each after its licence was issued, each audited.
    uses = LicenseUse.objects.filter(case__in=engine.simulated_cases()).select_related(
        "license", "case"
    )
    purposes = Counter(uses.values_list("purpose", flat=True))
    assert purposes["material"] >= 1 and purposes["handling"] >= 1
    assert report.licence_uses == uses.count() and report.licence_cases >= 1
    for use in uses:
        assert use.license.issued_at < use.used_at
        assert p.START <= timezone.localdate(use.used_at) <= p.END
        assert use.case.applicant_id == use.license.applicant_id
        if use.purpose == "material":
            assert not CaseMaterial.objects.filter(case=use.case, order=use.material_order).exists()
        else:
            assert use.actor is not None and use.reason.startswith("核验")
    audited = AuditEvent.objects.filter(action="licenses.use", object_type="licenses.licenseuse")
    assert {str(u.pk) for u in uses} <= set(audited.values_list("object_id", flat=True))
    assert audit_verify().ok

    # The figures show them.
    assert _figure(figs, "cases.bundle_total") == _figure(before, "cases.bundle_total") + 4
    assert _figure(figs, "licenses.uses_total") >= uses.count()
    by_purpose = _figure(figs, "licenses.uses_by_purpose")
    assert by_purpose["免提交材料"] >= 1 and by_purpose["办件调用"] >= 1
    assert _figure(figs, "licenses.total") > _figure(before, "licenses.total")

    # Again without --reset: nothing changes.
    assert engine.simulate(seed=SEED, scale=SCALE).already
    assert fingerprint() == records

    # --reset removes them (the seed's own stay), and the same seed makes them again.
    bundle_ids = [str(pk) for pk in bundles.values_list("pk", flat=True)]
    clocks = Clock.objects.filter(subject_type=b.SUBJECT_TYPE, subject_id__in=bundle_ids)
    assert clocks.count() >= statuses[BundleCaseStatus.CONCLUDED]
    total = engine.simulated_cases().count()
    assert total == report.cases + children.count() + report.licence_cases
    assert engine.reset() == total
    assert not engine.simulated_bundle_cases().exists()
    assert not lu.simulated_licences(engine.simulated_applicants()).exists()
    assert not LicenseUse.objects.filter(case__applicant__in=engine.simulated_applicants())
    assert set(BundleCase.objects.values_list("pk", flat=True)) == seeded_bundles
    assert set(License.objects.values_list("pk", flat=True)) == seeded_licences
    assert not clocks.exists()
    assert figures() == before

    again = engine.simulate(seed=SEED, scale=SCALE)
    assert (again.bundle_cases, again.licences, again.licence_uses) == (
        report.bundle_cases,
        report.licences,
        report.licence_uses,
    )
    assert fingerprint() == records
    assert figures() == figs
    assert audit_verify().ok


def _runner_setup():
    days = p.working_days()
    items = catalogue(SEED)
    found = b.offers()
    people = population(sorted(set(items.department_ids) | b.department_ids(found[0])), scale=SCALE)
    return days, items, found, people


def test_a_bundle_with_a_correction_and_a_refused_child_stops(county):
    """The runner's paths on planned applications: a 补正 on the first stage's child, corrected
    at the window; a refused child (不予许可) stops the bundle with its notice."""
    days, _items, (offers, weights), people = _runner_setup()
    name = "开办运输企业一件事"  # two stages, both promised items
    at = next(n for n, o in enumerate(offers) if o.bundle.name == name)
    low = weights[at - 1] if at else 0.0
    pick = (low + weights[at]) / 2 / weights[-1]
    plan = b.BundlePlan(
        day=10,
        minute=9 * 60,
        bundle=pick,
        applicant=7,
        online=False,
        correction=True,
        corrected=0.0,
        refused=True,
        refused_stage=0.99,  # the last stage
        accept_lag=1,
        fix_lag=2,
        progress=0.5,
    )
    with simulated_clock(p.START) as clock, work_calendar_pinned():
        runner = b.BundleRunner(
            clock=clock, days=days, people=people, found=offers, weights=weights
        )
        bundle_case = runner.run(plan)
    assert bundle_case is not None and bundle_case.bundle.name == name
    bundle_case.refresh_from_db()
    assert bundle_case.channel == "window"
    assert bundle_case.status == BundleCaseStatus.STOPPED
    assert "不予许可" in bundle_case.stop_reason
    assert bundle_case.result_notice["kind"] == "stopped"
    first, second = bundle_case.children.order_by("stage", "pk")
    assert first.corrections.count() == 1 and first.decision == "approve"
    assert first.events.filter(action="resubmit").exists()
    assert second.decision == "refuse" and second.status == "concluded"
    # Each step on a later working day or minute than the one before.
    events = list(BundleEvent.objects.filter(bundle_case=bundle_case).order_by("pk"))
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert timezone.localdate(events[0].at) == days[10]


def test_a_licence_case_without_a_holder_makes_nothing_and_with_one_uses_it(county):
    """A 免提交 plan before anyone holds such a licence makes no case; once a simulated company
    holds a 食品经营许可证, its plan is an application with that material left out, the licence
    attached at submission through a recorded use."""
    days, items, _found, people = _runner_setup()
    applicants = engine.simulated_applicants()
    plan = lu.LicenceCasePlan(
        day=30, minute=10 * 60, pick=0.0, online=True, accept_lag=0, progress=0.2
    )
    with simulated_clock(p.START) as clock, work_calendar_pinned():
        runner = lu.LicenceCaseRunner(
            clock=clock, days=days, people=people, items=items, applicants=applicants
        )
        assert runner.run(plan) is None
        assert not Case.objects.filter(applicant__in=applicants).exists()
        # A company's 食品经营许可（新办）, approved through the bundle runner's steps.
        company = people.online_companies[0]
        new = next(
            i for i in items.company_items if i.published_version.name == "食品经营许可（新办）"
        )
        from yiwang.cases import services as cs
        from yiwang.demo.cases import _delivery, _form, _pdf

        cursor = b.Cursor(clock, days)
        cursor.start(5, 9 * 60)
        case = cs.case_create(
            item=new,
            applicant=company,
            actor=company.user,
            form=_form(new, company),
            channel="online",
            **_delivery(new),
        )
        for material in case.version.materials.all():
            if not material.exempt:
                cs.case_material_upload(
                    case=case,
                    actor=company.user,
                    order=material.order,
                    file=_pdf(),
                    file_name="a.pdf",
                )
        case = cs.case_submit(case=case, actor=company.user)
        handler = people.handlers[new.department_id]
        case = cs.case_accept(case=case, actor=handler)
        cursor.at(8)
        b.decide(cursor, case, handler)
        licence = License.objects.get(case=case)
        made = runner.run(plan)
    assert made is not None and made.applicant == company
    assert made.version.name in ("食品经营许可（变更）", "食品经营许可（延续）")
    use = LicenseUse.objects.get(case=made)
    assert use.license == licence and use.purpose == "material"
    assert not CaseMaterial.objects.filter(case=made, order=use.material_order).exists()
    assert made.status in ("in_review", "concluded", "delivered")
    assert timezone.localdate(use.used_at) == days[30]


def test_plans_are_pure_their_own_stream_and_about_their_shares(county):
    days = p.working_days()
    assert b.bundle_plans(2026, 400, days) == b.bundle_plans(2026, 400, days)
    assert b.bundle_plans(2026, 400, days) != b.bundle_plans(2027, 400, days)
    assert lu.licence_case_plans(2026, 100, days) == lu.licence_case_plans(2026, 100, days)
    # The single-item plan is drawn from random.Random(seed) alone: the others leave it as is.
    cases = p.case_plans(2026, 300, days)
    b.bundle_plans(2026, 400, days)
    assert p.case_plans(2026, 300, days) == cases
    assert b.bundles_for(engine.DEFAULT_SCALE) == 400  # 2% of the cases
    assert lu.licence_cases_for(engine.DEFAULT_SCALE) == 100
    plans = b.bundle_plans(2026, 2000, days)
    assert [(x.day, x.minute) for x in plans] == sorted((x.day, x.minute) for x in plans)
    assert all(8 * 60 + 30 <= x.minute < 17 * 60 for x in plans)
    months = Counter(days[x.day].month for x in plans)
    assert months[2] < months[3]  # the Spring Festival dip, the March peak
    assert 0.1 <= sum(x.correction for x in plans) / len(plans) <= 0.2
    assert 0.01 <= sum(x.refused for x in plans) / len(plans) <= 0.05
    assert 0.5 <= sum(x.online for x in plans) / len(plans) <= 0.7
    assert all(isinstance(days[x.day], dt.date) for x in plans)
