"""The last two children of a bundle's stage decided at the same moment by two departments, each
on its own database connection (PostgreSQL): the parent row's lock serialises them, so the second
sees the first's decision and exactly one of them concludes the bundle — one conclusion, one
result notice, one message; without the lock each would see the other still open and the bundle
would never conclude."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.cases.bundle_world import FORM, approve, bundle_world, open_children
from tests.common import files
from yiwang.cases import bundles as b
from yiwang.cases import services as s
from yiwang.cases.fields import BundleCaseStatus
from yiwang.cases.models import BundleCase, BundleEvent
from yiwang.catalog.guides.bundles import material_equivalences
from yiwang.notifications.models import Message

pytestmark = [pytest.mark.skip_allowed("postgresql"), pytest.mark.django_db(transaction=True)]
__all__ = ["bundle_world"]
PDF = files.pdf(pages=1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_two_departments_decide_the_last_children_at_once(bundle_world):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    world = bundle_world
    user = world.citizen.user
    bundle_case = b.bundle_case_create(
        bundle=world.bundle, applicant=world.citizen, actor=user, form=FORM
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
            actor=user,
            key=b.material_key(name, table),
            file=PDF,
            file_name="m.pdf",
        )
    b.bundle_case_submit(bundle_case=bundle_case, actor=user)
    approve(world, open_children(bundle_case)[0])
    children = open_children(bundle_case)
    ready = []
    for child in children:
        s.case_accept(case=child, actor=world.clerk_for(child).user)
        approver = world.approver_for(child).user
        for _ in range(len(s.review_steps(child.version)) - 1):
            s.case_advance(case=child, actor=approver)
        ready.append((child, approver))

    barrier = threading.Barrier(len(ready))
    errors: list[BaseException] = []

    def decide(child, approver) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(10)
            s.case_decide(case=child, actor=approver, decision="approve")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=pair) for pair in ready]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    bundle_case = BundleCase.objects.get(pk=bundle_case.pk)
    assert bundle_case.status == BundleCaseStatus.CONCLUDED
    assert BundleEvent.objects.filter(bundle_case=bundle_case, action="conclude").count() == 1
    assert Message.objects.filter(kind="bundle.concluded", channel="sms").count() == 1
