"""Claims, base-item deletes and synonym writes racing each other (PostgreSQL: the base item's
row lock serialises claims and deletes; SQLite's in-memory test database is not shared between
threads). The loser gets the clear conflict the API answers with 409 (or the form error), never
a database error."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from tests import factories as f
from yiwang.catalog import services
from yiwang.catalog.models import BaseItem, SearchSynonym, ServiceItem
from yiwang.catalog.search import synonyms as search_synonyms

# long enough for the second thread to reach its lock while the first still holds the row
HOLD_SECONDS = 0.5

pytestmark = [pytest.mark.skip_allowed("postgresql"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def race(db):  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    dept = f.department("县市场监督管理局")
    clerk = f.staff(dept, ["window_clerk"], username="clerk")
    base = services.base_item_create(
        code="000103001000",
        name="食品经营许可（新办）",
        item_type="licensing",
        competent_department="市场监督管理部门",
        implementing_body="县级市场监督管理部门",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
    )
    return dept, clerk, base


def _run(first: Callable[[], Any], second: Callable[[], Any]) -> list[BaseException | None]:
    """`first` runs in a transaction it holds open HOLD_SECONDS after its write; `second` starts
    once `first` has written, so it meets the uncommitted row. Returns each one's error."""
    wrote = threading.Event()
    outcome: list[BaseException | None] = [None, None]

    def one() -> None:
        try:
            with transaction.atomic():
                first()
                wrote.set()
                time.sleep(HOLD_SECONDS)
        except BaseException as exc:  # reported to the test
            outcome[0] = exc
        finally:
            wrote.set()
            connections.close_all()

    def two() -> None:
        try:
            wrote.wait(10)
            second()
        except BaseException as exc:  # reported to the test
            outcome[1] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one), threading.Thread(target=two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcome


def test_two_claims_at_once_one_wins_the_other_is_told_already_claimed(race):
    dept, clerk, base = race

    def claim() -> None:
        services.item_claim(base=base, department=dept, region=dept.region, actor=clerk.user)

    first, second = _run(claim, claim)
    assert first is None
    assert isinstance(second, ValidationError), repr(second)
    assert second.code == "duplicate"
    assert "已认领" in second.messages[0]
    assert ServiceItem.objects.filter(base=base).count() == 1


def test_delete_racing_a_claim_is_refused_as_claimed(race):
    dept, clerk, base = race
    first, second = _run(
        lambda: services.item_claim(
            base=base, department=dept, region=dept.region, actor=clerk.user
        ),
        lambda: services.base_item_delete(base=base),
    )
    assert first is None
    assert isinstance(second, ValidationError), repr(second)
    assert "已被认领" in second.messages[0]
    assert BaseItem.objects.filter(pk=base.pk).exists()
    assert ServiceItem.objects.filter(base=base).count() == 1


def test_claim_racing_a_delete_is_told_the_item_is_gone(race):
    dept, clerk, base = race
    first, second = _run(
        lambda: services.base_item_delete(base=base),
        lambda: services.item_claim(
            base=base, department=dept, region=dept.region, actor=clerk.user
        ),
    )
    assert first is None
    assert isinstance(second, ValidationError), repr(second)
    assert second.code == "conflict"
    assert "已删除" in second.messages[0]
    assert not BaseItem.objects.filter(pk=base.pk).exists()
    assert not ServiceItem.objects.exists()


def test_two_admins_adding_the_same_synonym_at_once_one_is_told_it_exists(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")

    def add() -> None:
        search_synonyms.synonym_set(phrase="开网店", expansions="网店 电子商务")

    first, second = _run(add, add)
    assert first is None
    assert isinstance(second, ValidationError), repr(second)
    assert second.message_dict == {"phrase": ["群众说法“开网店”已存在。"]}
    assert SearchSynonym.objects.filter(phrase="开网店").count() == 1
