"""一件事 within a bulk path's batch (cases.bundles.notices_cached): the bundle's notice is read
once and reused while the catalogue generation stays the same — the same application, children,
materials, history and messages as without it, fewer statements; a catalogue change within the
block is seen at once (the bundle withdrawn, an item suspended), and outside the block nothing is
cached."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.cases.bundle_world import BundleWorld, approve, bundle_world, open_children
from tests.cases.test_bundles import applied
from yiwang.cases import bundles as b
from yiwang.cases.models import BundleEvent, BundleMaterial, Case, CaseEvent
from yiwang.catalog.models import Bundle, BundleStatus, ServiceItem
from yiwang.notifications.models import Message

__all__ = ["bundle_world"]
NUMBER = r"\d{8}[A-Z]?\d{6,}"  # a case's or a bundle's number


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _plain(rows: Any) -> list[Any]:
    # Case and bundle numbers (from sequences, which a rollback does not rewind on PostgreSQL).
    return [[re.sub(NUMBER, "<number>", v) if isinstance(v, str) else v for v in r] for r in rows]


def _line(world: BundleWorld) -> dict[str, Any]:
    """Apply, hand in the merged materials, submit, approve every child stage by stage; what it
    left (ids aside)."""
    bundle_case = applied(world)
    while children := open_children(bundle_case):
        for child in children:
            approve(world, child)
    bundle_case.refresh_from_db()
    cases = Case.objects.filter(bundle_case=bundle_case).order_by("pk")
    return {
        "bundle": [bundle_case.status, bundle_case.form_data, bundle_case.delivery],
        "children": _plain(
            [
                [c.item_id, c.status, json.dumps(c.form_data, sort_keys=True), c.received_on]
                for c in cases
            ]
        ),
        "materials": list(
            BundleMaterial.objects.filter(bundle_case=bundle_case)
            .order_by("pk")
            .values_list("key", "name", "file_name", "size", "digest", "current")
        ),
        "events": _plain(
            BundleEvent.objects.filter(bundle_case=bundle_case)
            .order_by("pk")
            .values_list("action", "label", "note", "actor_id")
        ),
        "case_events": _plain(
            CaseEvent.objects.filter(case__in=cases)
            .order_by("case_id", "pk")
            .values_list("action", "from_status", "to_status", "note", "actor_id")
        ),
        "messages": sorted(
            _plain(Message.objects.filter(recipient=world.citizen.user).values_list("kind", "text"))
        ),
    }


def _measured(world: BundleWorld, cached: bool) -> tuple[dict[str, Any], int]:
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            if cached:
                with b.notices_cached():
                    found = _line(world)
            else:
                found = _line(world)
        transaction.set_rollback(True)  # the next run starts from the same database
    return found, len(queries)


def test_the_cached_notice_leaves_what_the_uncached_one_leaves(bundle_world):
    plain, plain_queries = _measured(bundle_world, cached=False)
    cached, cached_queries = _measured(bundle_world, cached=True)
    assert plain["bundle"][0] == "concluded" and len(plain["children"]) == 3
    assert len(plain["materials"]) == 4 and plain["events"]
    assert cached == plain
    assert cached_queries < plain_queries  # the notice is not read again for each upload


def test_a_catalogue_change_in_the_block_is_seen_at_once(bundle_world):
    with b.notices_cached():
        first = b.published_notice(bundle_world.bundle)
        assert b.published_notice(bundle_world.bundle) is first  # from memory
        ServiceItem.objects.filter(pk=bundle_world.food.pk).update(status="suspended")
        with pytest.raises(ValidationError) as caught:
            b.published_notice(bundle_world.bundle)
        assert "暂停办理" in str(caught.value)
        ServiceItem.objects.filter(pk=bundle_world.food.pk).update(status="active")
        assert b.published_notice(bundle_world.bundle) is not first  # read again
        Bundle.objects.filter(pk=bundle_world.bundle.pk).update(status=BundleStatus.WITHDRAWN)
        with pytest.raises(ValidationError) as caught:
            b.bundle_case_create(
                bundle=bundle_world.bundle,
                applicant=bundle_world.citizen,
                actor=bundle_world.citizen.user,
            )
        assert "未发布或已撤销" in str(caught.value)


def test_outside_the_block_the_notice_is_read_every_time(bundle_world):
    first = b.published_notice(bundle_world.bundle)
    assert b.published_notice(bundle_world.bundle) is not first
    with CaptureQueriesContext(connection) as queries:
        b.published_notice(bundle_world.bundle)
    assert len(queries) > 1
