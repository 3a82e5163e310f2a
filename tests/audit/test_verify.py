"""audit_verify against tampering done in raw SQL, below every Python guard."""

from __future__ import annotations

import pytest

from yiwang.audit import services
from yiwang.audit.models import AuditChainHead, AuditEvent
from yiwang.audit.services import audit_change, audit_verify


def test_intact_chain_is_verified_and_counted(chain):
    chain(5)
    result = audit_verify()
    assert result.ok
    assert (result.verified, result.first_bad_sequence, result.problem) == (5, None, "")


def test_empty_chain_is_intact(db):
    result = audit_verify()
    assert result.ok and result.verified == 0


def test_walk_crosses_chunk_boundaries(chain, monkeypatch):
    monkeypatch.setattr(services, "VERIFY_CHUNK", 2)
    chain(7)
    calls: list[int] = []
    result = audit_verify(progress=calls.append)
    assert result.ok and result.verified == 7
    assert sum(calls) == 7


def test_edited_changes_are_detected(chain, raw):
    chain(5)
    raw.set_column(3, "changes", {"name": {"before": "名称2", "after": "别的名称"}})
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_sequence == 3
    assert result.verified == 2
    assert result.problem == "第 3 条审计事件的内容与其哈希不符（记录被修改）。"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "test.innocent"),
        ("actor_label", "someone_else"),
        ("reason", "改过的事由"),
        ("object_id", "999"),
        ("client_address", "127.0.0.1"),
        ("kind", "access"),
    ],
)
def test_each_hashed_column_is_covered(chain, raw, column, value):
    chain(4)
    raw.set_column(2, column, value)
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence) == (False, 2)


def test_edited_time_is_detected(chain, raw):
    events = chain(3)
    moved = events[1].occurred_at.replace(
        microsecond=(events[1].occurred_at.microsecond + 1) % 10**6
    )
    from django.db import connection

    raw.set_column(2, "occurred_at", connection.ops.adapt_datetimefield_value(moved))
    assert audit_verify().first_bad_sequence == 2


def test_edit_with_recomputed_hash_breaks_the_next_link(chain, raw):
    chain(5)
    raw.set_column(3, "action", "test.forged")
    raw.forge_link(3, raw.hash_of(2))  # event 3 is self-consistent again
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence) == (False, 4)
    assert "第 4 条审计事件的前一哈希与第 3 条的哈希不符" in result.problem


def test_deleted_row_is_detected(chain, raw):
    chain(5)
    raw.delete(3)
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence) == (False, 3)
    assert result.problem == "第 3 条审计事件缺失（已被删除）。"


def test_deleted_first_row_is_detected(chain, raw):
    chain(3)
    raw.delete(1)
    assert audit_verify().first_bad_sequence == 1


def test_deleted_last_row_is_a_truncated_tail(chain, raw):
    chain(5)
    raw.delete(5)
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence, result.verified) == (False, 5, 4)
    assert "链尾被截断" in result.problem


def test_deletion_hidden_by_renumbering_is_detected(chain, raw):
    chain(5)
    raw.delete(3)
    raw.shift(4, -1)  # 4 → 3, 5 → 4: sequences contiguous again
    AuditChainHead.objects.update(last_sequence=4)
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence) == (False, 3)
    assert "原第 3 条被删除" in result.problem


def test_row_inserted_in_the_middle_is_detected(chain, raw):
    chain(5)
    raw.shift(3, +1)  # 3 → 4 … 5 → 6, leaving 3 free
    raw.copy(source=2, sequence=3)
    raw.forge_link(3, raw.hash_of(2))  # the forged event itself hashes correctly
    AuditChainHead.objects.update(last_sequence=6, last_hash=raw.hash_of(6))
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence, result.verified) == (False, 3, 2)
    assert result.problem.startswith("第 3 条审计事件是插入的")


def test_row_inserted_with_a_careless_hash_is_detected(chain, raw):
    chain(4)
    raw.shift(2, +1)
    raw.copy(source=1, sequence=2)  # copied hash and previous hash: wrong for sequence 2
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence, result.verified) == (False, 2, 1)
    assert result.problem == "第 2 条审计事件是复制第 1 条后插入的。"


def test_row_appended_after_the_last_is_detected(chain, raw):
    chain(4)
    raw.copy(source=4, sequence=5)
    raw.forge_link(5, raw.hash_of(4))  # a perfect forgery, but the head was not updated
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence, result.verified) == (False, 5, 4)
    assert "不在链头记录之内" in result.problem


def test_row_inserted_at_a_sequence_gap_is_detected(chain, raw):
    chain(4)
    raw.copy(source=2, sequence=40)
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence) == (False, 40)


def test_row_with_sequence_zero_is_detected(chain, raw):
    chain(2)
    raw.copy(source=1, sequence=0)
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence) == (False, 0)


def test_replaced_first_row_is_detected(chain, raw):
    chain(3)
    raw.set_column(1, "action", "test.forged")
    raw.forge_link(1, "f" * 64)
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence) == (False, 1)
    assert "起点" in result.problem


def test_head_out_of_step_with_the_last_event_is_detected(chain):
    chain(3)
    AuditChainHead.objects.update(last_hash="e" * 64)
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence) == (False, 3)


def test_missing_head_with_events_is_detected(chain):
    chain(2)
    AuditChainHead.objects.all().delete()
    result = audit_verify()
    assert (result.ok, result.first_bad_sequence) == (False, 1)
    assert "链头记录缺失" in result.problem


def test_events_appended_during_the_walk_are_not_an_alarm(chain, make_region):
    chain(3)
    region = make_region()

    def append_meanwhile(count: int) -> None:
        audit_change(action="t.meanwhile", obj=region, after={"n": count})

    result = audit_verify(progress=append_meanwhile)
    assert result.ok and result.verified == 3
    assert AuditEvent.objects.count() == 4
    assert audit_verify().verified == 4
