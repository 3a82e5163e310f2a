"""Open311 tests: the bureau (12345 centre) with a dispatcher, a department with a handler, an
Open311 API key."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories as f
from yiwang.org import services as org
from yiwang.org.models import ApiKeyScope, Department, Staff


@dataclass
class Open311World:
    bureau: Department
    market: Department
    dispatcher: Staff
    handler: Staff
    key: str


def _world() -> Open311World:
    bureau = f.department("县数据资源管理局", is_bureau=True)
    market = f.department("县市场监督管理局")
    _, key = org.api_key_create(name="城市服务 App", scope=ApiKeyScope.OPEN311)
    return Open311World(
        bureau=bureau,
        market=market,
        dispatcher=f.staff(bureau, ["bureau_admin"], username="dispatcher"),
        handler=f.staff(market, ["approver"], username="market"),
        key=key,
    )


@pytest.fixture
def world(db) -> Open311World:
    return _world()


@pytest.fixture
def live_world(live_server, transactional_db, django_db_serialized_rollback) -> Open311World:
    """The same world for tests against the running server (flushed afterwards and restored
    to its migrated state, as the browser tests are)."""
    return _world()
