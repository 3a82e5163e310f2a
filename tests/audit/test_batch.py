"""audit.services.audit_batch: a bulk run's events written in one insert leave exactly the trail
one append per event would have — numbered and hashed in order, a rolled-back savepoint's
events left out, nothing written by a failing block."""

from __future__ import annotations

import pytest
from django.db import transaction

from yiwang.audit.models import AuditChainHead, AuditEvent
from yiwang.audit.services import audit_batch, audit_change, audit_verify
from yiwang.org.models import Applicant, ApplicantKind


@pytest.fixture
def applicant(db) -> Applicant:
    a = Applicant(kind=ApplicantKind.PERSON, name="张三", phone="13812345678")
    a.save()
    return a


def test_batched_events_chain_in_order_without_the_rolled_back_ones(applicant):
    audit_change(action="test.before", obj=applicant)
    with transaction.atomic(), audit_batch():
        audit_change(action="test.one", obj=applicant, after={"n": 1})
        # Nothing is written until the block ends.
        assert not AuditEvent.objects.filter(action="test.one").exists()
        try:
            with transaction.atomic():
                audit_change(action="test.undone", obj=applicant)
                raise RuntimeError("the change it records is rolled back")
        except RuntimeError:
            pass
        audit_change(action="test.two", obj=applicant, after={"n": 2})
    audit_change(action="test.after", obj=applicant)
    events = list(AuditEvent.objects.order_by("sequence").values_list("sequence", "action"))
    actions = [a for _, a in events]
    assert actions[-4:] == ["test.before", "test.one", "test.two", "test.after"]
    assert [s for s, _ in events] == list(range(1, len(events) + 1))
    head = AuditChainHead.objects.get()
    assert head.last_sequence == len(events)
    assert head.last_hash == AuditEvent.objects.order_by("-sequence").first().hash
    assert audit_verify().ok


def test_a_failing_block_writes_nothing_and_misuse_is_refused(applicant):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError, match="power cut"), transaction.atomic(), audit_batch():
        audit_change(action="test.lost", obj=applicant)
        raise RuntimeError("power cut")
    assert AuditEvent.objects.count() == before
    with transaction.atomic(), audit_batch(), pytest.raises(RuntimeError, match="nest"):
        audit_batch().__enter__()
    assert audit_verify().ok
