"""The joint clock's marks in the periodic sweep (cases_sweep → bundles.bundle_sweep): at the
warning share of the 45 working days a "联合办理即将超期" line, past the joint deadline
"联合办理已超期", each once per deadline (an extension's new deadline is marked again), the lead
department's administrators told; a bundle no longer in progress is left alone."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from tests.cases.bundle_world import FORM, BundleWorld, bundle_world, open_children
from tests.common import files
from yiwang.cases import bundles as b
from yiwang.cases import services as s
from yiwang.cases.fields import BundleCaseStatus
from yiwang.cases.models import BundleCase, BundleEvent
from yiwang.catalog.guides.bundles import material_equivalences
from yiwang.notifications.models import Message
from yiwang.workdays.selectors import add_working_days

__all__ = ["bundle_world"]
PDF = files.pdf(pages=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def accepted(world: BundleWorld) -> BundleCase:
    """A bundle whose first child is accepted: the joint clock runs."""
    bundle_case = b.bundle_case_create(
        bundle=world.bundle, applicant=world.citizen, actor=world.citizen.user, form=FORM
    )
    table = material_equivalences()
    for name in (
        "个体工商户登记申请书",
        "经营场所使用证明",
        "食品经营许可申请书",
        "消防安全检查申请表",
    ):
        b.bundle_material_upload(
            bundle_case=bundle_case,
            actor=world.citizen.user,
            key=b.material_key(name, table),
            file=PDF,
            file_name="m.pdf",
        )
    b.bundle_case_submit(bundle_case=bundle_case, actor=world.citizen.user)
    (registration,) = open_children(bundle_case)
    s.case_accept(case=registration, actor=world.market_clerk.user)
    bundle_case.refresh_from_db()
    return bundle_case


def marks(bundle_case: BundleCase) -> list[tuple[str, str]]:
    return list(
        BundleEvent.objects.filter(bundle_case=bundle_case, action__in=("warning", "overdue"))
        .order_by("id")
        .values_list("action", "note")
    )


def test_the_joint_clock_is_warned_then_marked_overdue_once(bundle_world, settings):
    settings.YIWANG_CASE_WARNING_SHARE = 0.8
    bundle_case = accepted(bundle_world)
    start, deadline = bundle_case.started_on, bundle_case.deadline
    warn_on = add_working_days(start, math.ceil(45 * 0.8)).date  # the 36th working day
    note = f"联合办理期限 {deadline.isoformat()}"

    day_before = warn_on - dt.timedelta(days=1)
    assert s.cases_sweep(today=day_before).bundle_warned == 0
    assert marks(bundle_case) == []

    report = s.cases_sweep(today=warn_on)
    assert (report.bundle_warned, report.bundle_overdue) == (1, 0)
    assert marks(bundle_case) == [("warning", note)]
    told = Message.objects.filter(kind="bundle.warning")
    assert {m.recipient_id for m in told} == {bundle_world.market_head.user.pk}
    assert bundle_case.number in told.get().text
    assert s.cases_sweep(today=warn_on).bundle_warned == 0  # once

    assert s.cases_sweep(today=deadline).bundle_overdue == 0  # the deadline day still counts
    late = deadline + dt.timedelta(days=1)
    report = s.cases_sweep(today=late)
    assert (report.bundle_warned, report.bundle_overdue) == (0, 1)
    assert marks(bundle_case) == [("warning", note), ("overdue", note)]
    assert Message.objects.filter(kind="bundle.overdue").count() == 1
    assert s.cases_sweep(today=late).bundle_overdue == 0  # once

    # the head extends: the new deadline is watched again
    b.bundle_case_extend(
        bundle_case=bundle_case, actor=bundle_world.market_head.user, reason="需现场核查"
    )
    bundle_case.refresh_from_db()
    assert s.cases_sweep(today=late).bundle_overdue == 0
    new_late = bundle_case.deadline + dt.timedelta(days=1)
    assert s.cases_sweep(today=new_late).bundle_overdue == 1
    assert marks(bundle_case)[-1] == ("overdue", f"联合办理期限 {bundle_case.deadline.isoformat()}")


def test_a_bundle_no_longer_in_progress_is_not_marked(bundle_world):
    bundle_case = accepted(bundle_world)
    late = bundle_case.deadline + dt.timedelta(days=1)
    BundleCase.objects.filter(pk=bundle_case.pk).update(status=BundleCaseStatus.STOPPED)
    assert s.cases_sweep(today=late).bundle_overdue == 0
    assert marks(bundle_case) == []


def test_the_marks_are_on_the_one_timeline(bundle_world):
    from yiwang.cases import bundle_selectors as bs

    bundle_case = accepted(bundle_world)
    b.bundle_sweep(today=bundle_case.deadline + dt.timedelta(days=1))
    labels = [e.label for e in bs.bundle_timeline(bundle_case)]
    assert "联合办理已超期" in labels
