from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import factories as f
from yiwang.catalog import generation, services
from yiwang.catalog.models import BaseItem, ServiceItem
from yiwang.org.models import Department, Staff


@dataclass
class CatalogWorld:
    dept: Department
    other: Department
    bureau: Department
    clerk: Staff
    other_clerk: Staff
    reviewer: Staff
    base: BaseItem


@pytest.fixture
def world(db) -> CatalogWorld:
    dept = f.department("县市场监督管理局")
    other = f.department("县公安局")
    bureau = f.department("县数据资源管理局", is_bureau=True)
    base = services.base_item_create(
        code="000103001000",
        name="食品经营许可（新办）",
        item_type="licensing",
        competent_department="市场监督管理部门",
        implementing_body="县级市场监督管理部门",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
    )
    return CatalogWorld(
        dept=dept,
        other=other,
        bureau=bureau,
        clerk=f.staff(dept, ["window_clerk"], username="clerk"),
        other_clerk=f.staff(other, ["window_clerk"], username="other_clerk"),
        reviewer=f.staff(bureau, ["bureau_admin"], username="reviewer"),
        base=base,
    )


READY_ELEMENTS = {
    "legal_limit": 20,
    "promised_limit": 10,
    "handling_kind": "promised",
    "visits": 1,
    "conditions": "持有营业执照的食品经营者",
    "location": "示范县政务服务中心 7 号窗口",
    "hours": "工作日 8:30-17:30",
    "consult_phone": "0550-12345",
    "complaint_channel": "12345 热线",
    "handling_forms": ["window", "online"],
}
READY_MATERIALS = [
    {"name": "食品经营许可申请书", "original_or_copy": "original", "count": 1},
    {"name": "营业执照", "source": "government", "exempt": True, "original_or_copy": "copy"},
]


def claim_ready(world: CatalogWorld) -> ServiceItem:
    item = services.item_claim(
        base=world.base, department=world.dept, region=world.dept.region, actor=world.clerk.user
    )
    services.version_update(
        version=item.versions.get(),
        elements=READY_ELEMENTS,
        materials=READY_MATERIALS,
        actor=world.clerk.user,
    )
    return item


def publish(world: CatalogWorld, version):  # type: ignore[no-untyped-def]
    services.version_submit(version=version, actor=world.clerk.user)
    services.version_approve(version=version, actor=world.reviewer.user)
    return services.version_publish(version=version, actor=world.reviewer.user)


# --- Data migrations --------------------------------------------------------------------------


@pytest.fixture
def back_to_the_latest_migrations():  # type: ignore[no-untyped-def]
    """Going back to an earlier catalogue migration also unapplies the apps that depend on the
    catalogue (cases): afterwards every app is migrated forward again, or later tests find
    tables missing."""
    yield
    generation.uninstall()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    generation.install()


class MigrationStep:
    """One catalogue data migration under test: the database is taken back to `before`, the
    test writes rows through `old` (that state's models), then `forward()` applies `after` and
    answers that state's models. The generation triggers are off meanwhile, as `migrate` has
    them (catalog.apps): SQLite rebuilds the tables it alters. Needs a transactional test and
    the `back_to_the_latest_migrations` fixture."""

    def __init__(self, before: str, after: str) -> None:
        self.before, self.after = [("catalog", before)], [("catalog", after)]
        generation.uninstall()
        executor = MigrationExecutor(connection)
        executor.migrate(self.before)
        self.old = executor.loader.project_state(self.before).apps

    def department(self, name: str):  # type: ignore[no-untyped-def]
        """A county and one department of it, in the old state."""
        region = self.old.get_model("org", "Region").objects.create(
            code="341199000000", name="示范县", level=3
        )
        return self.old.get_model("org", "Department").objects.create(
            name=name, uscc=f.uscc(1), kind="authority", region=region
        )

    def forward(self):  # type: ignore[no-untyped-def]
        executor = MigrationExecutor(connection)
        executor.migrate(self.after)
        generation.install()
        return executor.loader.project_state(self.after).apps
