"""cases.api.snapshots.touches_deferred (bulk runs: demo.simulation): many writes to a case in one
block give it one new detail key at the end, and its snapshot is current after the commit."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.cases.test_api import in_state
from yiwang.cases import services as s
from yiwang.cases.api import snapshots
from yiwang.cases.fields import CaseStatus
from yiwang.cases.models import Case, CaseSnapshot


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_one_key_per_block_and_a_current_snapshot_after_commit(
    world, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pk = in_state(world, CaseStatus.IN_REVIEW)
    key = Case.objects.get(pk=pk).detail_key
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic(), snapshots.touches_deferred():
            s.case_advance(case=Case.objects.get(pk=pk), actor=world.approver.user)
            # Inside the block the writes have not given the case a new key yet.
            assert Case.objects.get(pk=pk).detail_key == key
        case = Case.objects.get(pk=pk)
        assert case.detail_key != key  # one new key, at the end of the block
    assert snapshots.is_current(CaseSnapshot.objects.get(case_id=pk), case)


def test_a_failing_block_touches_nothing(world, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pk = in_state(world, CaseStatus.IN_REVIEW)
    key = Case.objects.get(pk=pk).detail_key
    with pytest.raises(RuntimeError), transaction.atomic(), snapshots.touches_deferred():
        s.case_advance(case=Case.objects.get(pk=pk), actor=world.approver.user)
        raise RuntimeError("power cut")
    assert Case.objects.get(pk=pk).detail_key == key
