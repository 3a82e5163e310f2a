"""`yiwang pii rotate`: re-encryption under a new key and re-hashing under a new hash key."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from yiwang.audit.models import AuditEvent
from yiwang.audit.services import audit_verify
from yiwang.common.personal import personal_hash
from yiwang.common.validators import id_number_with_check
from yiwang.org.models import Applicant, ApplicantKind

OLD = "00112233445566778899aabbccddeeff"
NEW = "ffeeddccbbaa99887766554433221100"
PHONES = ["13800000001", "13800000002", "13800000003"]


@pytest.fixture
def applicants(db) -> list[Applicant]:
    made = []
    for i, phone in enumerate(PHONES):
        a = Applicant(
            kind=ApplicantKind.PERSON,
            name=f"申请人{i}",
            id_number=id_number_with_check(f"44030419850101{i:03d}"),
            phone=phone,
        )
        a.save()
        made.append(a)
    return made


@pytest.fixture
def new_key(settings):
    settings.YIWANG_PII_KEYS = f"dev:{OLD},k2026:{NEW}"
    settings.YIWANG_PII_KEY_ID = "k2026"
    return settings


def raw(column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM org_applicant ORDER BY id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def rotate(*args: str) -> None:
    call_command("pii", "rotate", "--no-progress", *args)


def test_rotation_moves_every_value_to_the_current_key(applicants, new_key, capsys):
    assert all(v.startswith("sm4gcm:dev:") for v in raw("phone"))
    rotate()
    out = capsys.readouterr().out
    assert "重新加密 6 个值（当前密钥 k2026）" in out
    assert all(v.startswith("sm4gcm:k2026:") for v in raw("phone") + raw("id_number"))
    assert raw("legal_representative_id_number") == ["", "", ""]
    # The old key can go now.
    new_key.YIWANG_PII_KEYS = f"k2026:{NEW}"
    assert [a.phone.reveal() for a in Applicant.objects.order_by("id")] == PHONES
    assert Applicant.objects.filter(phone_hash=personal_hash("phone", PHONES[1])).count() == 1


def test_rotation_is_audited_without_values(applicants, new_key):
    rotate()
    event = AuditEvent.objects.get(action="pii.rotate")
    assert event.object_type == "org.applicant"
    assert event.changes == {
        "key_id": {"before": "dev", "after": "k2026"},
        "reencrypted": {"before": None, "after": 6},
        "rehashed": {"before": None, "after": 0},
    }
    assert event.actor_label == "system"
    assert audit_verify().ok


def test_rotation_is_idempotent(applicants, new_key, capsys):
    rotate()
    first = raw("phone")
    events = AuditEvent.objects.count()
    capsys.readouterr()
    rotate()
    assert raw("phone") == first  # nothing rewritten
    assert AuditEvent.objects.count() == events
    assert "已全部使用当前密钥 k2026，哈希均为最新（共检查 3 行）" in capsys.readouterr().out


def test_one_transaction_and_one_event_per_batch(applicants, new_key):
    rotate("--batch-size", "2")
    events = list(AuditEvent.objects.filter(action="pii.rotate").order_by("sequence"))
    assert [e.object_id for e in events] == [
        f"{applicants[0].pk}–{applicants[1].pk}",
        f"{applicants[2].pk}–{applicants[2].pk}",
    ]
    assert [e.changes["reencrypted"]["after"] for e in events] == [4, 2]


def test_hash_key_rotation_recomputes_lookups(applicants, settings):
    settings.YIWANG_PII_HASH_KEY = "new-hash-key-" + "7" * 40
    lookup = personal_hash("phone", PHONES[0])
    assert not Applicant.objects.filter(phone_hash=lookup).exists()  # stale until rotated
    rotate()
    assert Applicant.objects.filter(phone_hash=lookup).count() == 1
    assert raw("phone_hash") == [personal_hash("phone", p) for p in PHONES]
    event = AuditEvent.objects.get(action="pii.rotate")
    assert event.changes["rehashed"]["after"] == 6
    assert event.changes["reencrypted"]["after"] == 0


def test_stale_hash_of_an_emptied_value_is_cleared(applicants):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE org_applicant SET phone = '' WHERE id = %s", [applicants[0].pk])
    rotate()
    assert raw("phone_hash")[0] == ""


def test_a_key_already_removed_stops_the_rotation(applicants, settings):
    settings.YIWANG_PII_KEYS = f"k2026:{NEW}"
    settings.YIWANG_PII_KEY_ID = "k2026"
    with pytest.raises(CommandError, match=r"密钥轮换中止：.*'dev' 已不在") as caught:
        rotate()
    assert caught.value.returncode == 1


def test_an_altered_ciphertext_is_named(applicants, new_key):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE org_applicant SET phone = %s WHERE id = %s",
            ["sm4gcm:dev:" + "B" * 40, applicants[1].pk],
        )
    with pytest.raises(
        CommandError, match=re.escape(f"org.Applicant 第 {applicants[1].pk} 行的 phone")
    ):
        rotate("--batch-size", "1")
    # Batches before the bad row are done and audited; a rerun after repair continues.
    assert raw("phone")[0].startswith("sm4gcm:k2026:")


def test_progress_bar_and_bad_batch_size(applicants, capsys):
    call_command("pii", "rotate")
    assert "密钥轮换" in capsys.readouterr().err
    with pytest.raises(CommandError) as caught:
        call_command("pii", "rotate", "--batch-size", "0")
    assert caught.value.returncode == 2
