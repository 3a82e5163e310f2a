"""audit.services: what a change or access event records, and the chain it extends."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

import gmalg
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from yiwang.audit.context import audit_context
from yiwang.audit.models import GENESIS_HASH, AppendOnlyError, AuditChainHead, AuditEvent
from yiwang.audit.services import (
    audit_access,
    audit_change,
    audit_operation,
    audit_verify,
    personal_data_reveal,
    snapshot,
)
from yiwang.common.validators import id_number_with_check
from yiwang.org.models import Applicant, ApplicantKind


def _id(birth: str = "19850101", seq: str = "123") -> str:
    # Futian district (440304, created 1990) on an ID of someone born in 1985: genuine.
    return id_number_with_check(f"440304{birth}{seq}")


@pytest.fixture
def applicant(db) -> Applicant:
    a = Applicant(kind=ApplicantKind.PERSON, name="张三", id_number=_id(), phone="13812345678")
    a.save()
    return a


# --- audit_change ---------------------------------------------------------------------------


def test_change_stores_only_changed_fields(make_region):
    region = make_region()
    event = audit_change(
        action="org.region_rename",
        obj=region,
        before={"name": "旧名", "code": region.code},
        after={"name": "新名", "code": region.code},
    )
    assert event.kind == "change"
    assert event.changes == {"name": {"before": "旧名", "after": "新名"}}


def test_creation_records_every_field_and_deletion_every_field(make_region):
    region = make_region("甲镇")
    created = audit_change(action="t.create", obj=region, after=snapshot(region, ["name", "code"]))
    assert created.changes == {
        "name": {"before": None, "after": "甲镇"},
        "code": {"before": None, "after": region.code},
    }
    deleted = audit_change(action="t.delete", obj=region, before=snapshot(region, ["name"]))
    assert deleted.changes == {"name": {"before": "甲镇", "after": None}}


def test_identity_of_the_object(make_region, monkeypatch):
    region = make_region()
    monkeypatch.setattr(type(region), "__str__", lambda self: "很长" * 150)
    event = audit_change(action="t", obj=region, after={"name": "x"})
    assert event.object_type == "org.region"
    assert event.object_id == str(region.pk)
    assert event.object_label == str(region)[:200]
    assert len(event.object_label) == 200


def test_values_are_json_safe(make_region):
    region = make_region()
    other = make_region()
    moment = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    event = audit_change(
        action="t",
        obj=region,
        before={},
        after={
            "day": dt.date(2026, 3, 1),
            "at": moment,
            "fee": decimal.Decimal("12.50"),
            "parent": other,
            "ratio": 1e20,
            "ident": ident,
            "tags": {"b", "a"},
            "span": dt.timedelta(days=2),
        },
    )
    after = {k: v["after"] for k, v in event.changes.items()}
    assert after == {
        "day": "2026-03-01",
        "at": "2026-03-01T08:30:00+00:00",
        "fee": "12.50",
        "parent": other.pk,
        "ratio": "1e+20",
        "ident": str(ident),
        "tags": ["a", "b"],
        "span": "P2DT00H00M00S",
    }
    # What the database gives back is what was hashed.
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.changes == event.changes
    assert audit_verify().ok


def test_equal_values_of_different_python_types_are_not_a_change(make_region):
    region = make_region()
    event = audit_change(
        action="t",
        obj=region,
        before={"on": dt.date(2026, 1, 2), "fee": decimal.Decimal("1.0")},
        after={"on": "2026-01-02", "fee": "1.0"},
    )
    assert event.changes == {}


def test_personal_data_is_masked_in_the_trail(applicant):
    before = snapshot(applicant, ["id_number", "phone", "name"])
    applicant.phone = "13998765432"
    applicant.name = "张三（身份证 340104199001011234，电话 13700001111）"
    applicant.save()
    event = audit_change(
        action="org.applicant_update",
        obj=applicant,
        before=before,
        after=snapshot(applicant, ["id_number", "phone", "name"]),
        reason="申请人来电 13600002222 更正",
    )
    assert event.changes["phone"] == {"before": "138****5678", "after": "139****5432"}
    assert "id_number" not in event.changes  # unchanged
    assert "340104199001011234" not in event.changes["name"]["after"]
    assert "3401**********1234" in event.changes["name"]["after"]
    assert event.reason == "申请人来电 136****2222 更正"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT changes, reason, object_label FROM audit_auditevent WHERE id = %s", [event.pk]
        )
        stored = " ".join(str(v) for v in cursor.fetchone())
    for clear in ("13812345678", "13998765432", "340104199001011234", "13600002222"):
        assert clear not in stored


def test_personal_change_hidden_by_the_mask_is_still_recorded(applicant):
    before = snapshot(applicant, ["id_number"])
    old = applicant.id_number.reveal()
    # Same first four and last four characters, different middle: the masks coincide.
    new = old[:6] + "19860101" + old[14:]
    assert new != old and new[:4] == old[:4] and new[-4:] == old[-4:]
    applicant.id_number = new
    event = audit_change(
        action="t", obj=applicant, before=before, after=snapshot(applicant, ["id_number"])
    )
    assert event.changes == {
        "id_number": {"before": "4403**********" + old[-4:], "after": "4403**********" + old[-4:]}
    }


def test_snapshot_of_clear_text_not_yet_saved_is_masked(applicant):
    applicant.phone = "13911112222"  # assigned, not saved: still a plain str on the instance
    values = snapshot(applicant, ["phone"])
    assert str(values["phone"]) == "139****2222"


def test_snapshot_reads_foreign_keys_many_to_many_and_properties(people):
    staff = people.clerk
    values = snapshot(staff, ["department", "roles"])
    assert values == {"department": staff.department_id, "roles": ["window_clerk"]}
    groups = snapshot(staff.user, ["groups"])["groups"]
    assert groups == sorted(staff.user.groups.values_list("pk", flat=True))
    with pytest.raises(ValueError, match="反向关系"):
        snapshot(staff.department, ["staff"])


def test_snapshot_is_not_affected_by_later_in_place_edits(make_region):
    region = make_region()
    region.extra = {"a": [1]}  # a JSON-like attribute
    before = snapshot(region, ["extra"])
    region.extra["a"].append(2)
    assert before == {"extra": {"a": [1]}}


def test_actor_and_address_come_from_the_request_context(make_region, people):
    region = make_region()
    user = people.bureau_admin.user
    with audit_context(user=user, client_address="10.1.2.3"):
        event = audit_change(action="t", obj=region, after={"name": "x"})
    assert event.actor_id == user.pk
    assert event.actor_label == "bureau_admin"
    assert event.client_address == "10.1.2.3"


def test_explicit_actor_wins_and_no_actor_is_system(make_region, people):
    from django.contrib.auth.models import AnonymousUser

    region = make_region()
    with audit_context(user=people.bureau_admin.user, client_address="10.0.0.1"):
        event = audit_change(action="t", obj=region, after={"n": 1}, actor=people.clerk.user)
    assert event.actor_label == "clerk"
    assert audit_change(action="t", obj=region, after={"n": 2}).actor_label == "system"
    with audit_context(user=AnonymousUser(), client_address="10.0.0.2"):
        anon = audit_change(action="t", obj=region, after={"n": 3})
    assert (anon.actor_id, anon.actor_label, anon.client_address) == (None, "system", "10.0.0.2")


def test_unsaved_object_and_bad_action_are_refused(make_region):
    from yiwang.org.models import Region

    with pytest.raises(ValueError, match="尚未保存"):
        audit_change(action="t", obj=Region(code="1", name="x", level=4), after={})
    with pytest.raises(ValueError, match="动作"):
        audit_change(action="", obj=make_region(), after={})
    with pytest.raises(ValidationError, match="500"):
        audit_change(action="t", obj=make_region(), after={}, reason="长" * 501)


# --- the chain ------------------------------------------------------------------------------


def test_events_form_a_chain_that_an_independent_sm3_reproduces(chain):
    events = chain(3)
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[0].previous_hash == GENESIS_HASH
    for previous, event in zip([None, *events], events, strict=False):
        if previous is not None:
            assert event.previous_hash == previous.hash
        content = {
            "sequence": event.sequence,
            "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "kind": event.kind,
            "actor_id": event.actor_id,
            "actor_label": event.actor_label,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "object_label": event.object_label,
            "changes": event.changes,
            "reason": event.reason,
            "client_address": event.client_address,
        }
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        sm3 = gmalg.SM3()
        sm3.update((event.previous_hash + text).encode("utf-8"))
        assert event.hash == sm3.value().hex()
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (3, events[-1].hash)


def test_event_rolls_back_with_the_change_it_records(chain, make_region):
    chain(2)
    region = make_region()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_change(action="t", obj=region, after={"n": 1})
        raise RuntimeError("the service failed after auditing")
    assert AuditEvent.objects.count() == 2
    assert AuditChainHead.objects.get().last_sequence == 2
    again = audit_change(action="t", obj=region, after={"n": 1})
    assert again.sequence == 3
    assert audit_verify().ok


def test_head_row_is_recreated_if_missing(make_region):
    AuditChainHead.objects.all().delete()  # e.g. a flushed test database
    event = audit_change(action="t", obj=make_region(), after={"n": 1})
    assert event.sequence == 1 and event.previous_hash == GENESIS_HASH


def test_the_orm_cannot_change_or_remove_events(chain):
    event = chain(1)[0]
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(sequence=99)])
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.rename"


# --- access events and reveal ---------------------------------------------------------------


def test_access_event_names_fields_and_reason(applicant, people):
    event = audit_access(
        action="applicant.export",
        obj=applicant,
        fields=["id_number", "phone"],
        reason="导出办件台账",
        actor=people.bureau_admin.user,
    )
    assert event.kind == "access"
    assert event.changes == {"fields": ["id_number", "phone"]}
    assert event.reason == "导出办件台账"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_access_needs_a_reason(applicant, reason):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        audit_access(action="x", obj=applicant, fields=["phone"], reason=reason)  # type: ignore[arg-type]
    assert caught.value.messages == ["请填写查看事由。"]
    assert AuditEvent.objects.count() == before


def test_access_needs_fields(applicant):
    with pytest.raises(ValueError, match="字段"):
        audit_access(action="x", obj=applicant, fields=[], reason="核对")


def test_reveal_returns_clear_text_and_records_who_and_why(applicant, people):
    clerk = people.clerk.user
    with audit_context(user=clerk, client_address="192.0.2.7"):
        value = personal_data_reveal(
            actor=clerk, obj=applicant, field="id_number", reason="核验申请人身份"
        )
    assert value == _id()
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    assert (event.kind, event.action) == ("access", "personal_data.reveal")
    assert (event.actor_id, event.client_address) == (clerk.pk, "192.0.2.7")
    assert event.changes == {"fields": ["id_number"]}
    assert event.reason == "核验申请人身份"
    assert event.object_type == "org.applicant" and event.object_id == str(applicant.pk)
    assert _id() not in json.dumps(event.changes)


def test_reveal_without_permission_is_refused_and_not_recorded(applicant, people):
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        personal_data_reveal(
            actor=people.department_admin.user, obj=applicant, field="phone", reason="想看看"
        )
    with pytest.raises(PermissionDenied):
        personal_data_reveal(actor=None, obj=applicant, field="phone", reason="想看看")
    assert AuditEvent.objects.count() == before


def test_reveal_needs_a_reason_and_a_personal_field(applicant, people):
    clerk = people.clerk.user
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        personal_data_reveal(actor=clerk, obj=applicant, field="phone", reason=" ")
    assert caught.value.messages == ["请填写查看事由。"]
    with pytest.raises(ValidationError, match="不是可查看的个人信息字段"):
        personal_data_reveal(actor=clerk, obj=applicant, field="name", reason="核对")
    with pytest.raises(ValidationError, match="不是可查看的个人信息字段"):
        personal_data_reveal(actor=clerk, obj=applicant, field="nope", reason="核对")
    assert AuditEvent.objects.count() == before


def test_operation_event_for_many_rows(db):
    event = audit_operation(
        action="pii.rotate",
        object_type="org.applicant",
        object_id="1–500",
        changes={"reencrypted": {"before": None, "after": 500}},
    )
    assert event.changes == {"reencrypted": {"before": None, "after": 500}}
    assert event.actor_label == "system"


def test_nul_characters_are_dropped_so_postgresql_accepts_the_event(make_region):
    # PostgreSQL text and jsonb refuse NUL; an audit write must not fail the service over it.
    event = audit_change(
        action="t", obj=make_region(), after={"k\x00ey": "va\x00lue"}, reason="事\x00由"
    )
    assert event.changes == {"key": {"before": None, "after": "value"}}
    assert event.reason == "事由"
    assert audit_verify().ok
