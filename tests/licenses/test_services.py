"""Licence services: types, seal keys and rotation, issuing and sealing, status changes."""

from __future__ import annotations

import datetime as dt
import json

import gmalg
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests import factories
from yiwang.audit.models import AuditEvent
from yiwang.common.crypto import envelope_key_id, sm4_decrypt_bytes
from yiwang.licenses import identifiers, sealing, services
from yiwang.licenses.canonical import canonical_bytes
from yiwang.licenses.files import sealed_content
from yiwang.licenses.models import HolderKind, License, LicenseStatus, SealKey

from .conftest import FIELDS, issue

pytestmark = pytest.mark.django_db


def test_issue_seals_the_canonical_bytes(license_type, issuer):
    number = factories.id_number()
    license = issue(license_type, holder_id_number=number)
    parsed = identifiers.parse(license.identifier)
    assert (parsed.type_code, parsed.issuer, parsed.serial, parsed.version) == (
        license_type.code,
        issuer.uscc,
        "2026000001",
        1,
    )
    data = bytes(license.canonical)
    key = SealKey.objects.get(department=issuer)
    assert license.seal_key == key
    assert sealing.verify(data, public_key=key.public_key, signature=license.signature)
    raw = bytes.fromhex(license.signature)
    assert gmalg.SM2(pk=bytes.fromhex(key.public_key), uid=b"1234567812345678").verify(
        data, raw[:32], raw[32:]
    )
    content = sealed_content(license)
    assert canonical_bytes(content) == data
    # The holder's number is sealed masked only; the table keeps it encrypted.
    assert number not in data.decode()
    assert content["holder"] == {
        "kind": "person",
        "name": "张三",
        "id_number": number[:4] + "*" * 10 + number[-4:],
    }
    stored = License.objects.get(pk=license.pk)
    assert stored.holder_id_number.reveal() == number
    # Every field of the type; left-out optional ones are null (jsonb keeps no order: the
    # type's list is the order).
    assert content["fields"] == dict(stored.fields)
    assert stored.fields == {
        "经营场所": "示范县人民路 1 号",
        "从业人员": 3,
        "网络经营": None,
        "核发日期": None,
    }
    assert content["validity"] == {"from": "2026-03-02", "until": "2031-03-01"}
    event = AuditEvent.objects.filter(action="licenses.issue").get()
    assert event.object_id == str(license.pk)
    assert event.changes["seal_key"]["after"] == key.key_id


def test_serials_follow_on_and_a_taken_one_is_refused(license_type):
    first, second = issue(license_type), issue(license_type)
    assert (first.serial, second.serial) == ("2026000001", "2026000002")
    issue(license_type, serial="2026000003")
    assert issue(license_type).serial == "2026000004"
    with pytest.raises(ValidationError) as excinfo:
        issue(license_type, serial="2026000003")
    assert excinfo.value.error_dict["serial"][0].code == "duplicate"


def test_enterprise_holder(license_type):
    code = factories.uscc()
    license = issue(
        license_type,
        holder_kind=HolderKind.ENTERPRISE,
        holder_name="示范县一味餐饮有限公司",
        holder_id_number="",
        holder_uscc=code.lower(),
    )
    assert license.holder_uscc == code
    assert sealed_content(license)["holder"]["id_number"] == code


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"fields": {"经营场所": ""}}, "请填写证照字段“经营场所”"),
        ({"fields": {"经营场所": "x", "注册资本": "1"}}, "没有字段“注册资本”"),
        ({"fields": {"经营场所": "x", "从业人员": "3"}}, "应为整数"),
        ({"fields": {"经营场所": "x", "从业人员": 2.5}}, "应为整数"),
        ({"fields": {"经营场所": "x", "网络经营": "是"}}, "应为是或否"),
        ({"fields": {"经营场所": "x", "核发日期": "2026-02-30"}}, "日期"),
        ({"fields": {"经营场所": "x\u202e"}}, "文字方向控制字符"),
        ({"holder_id_number": "340104199001011235"}, "校验位"),
        ({"holder_uscc": factories.uscc()}, "不填统一社会信用代码"),
        ({"holder_kind": "robot"}, "持证主体类型"),
        ({"holder_name": " "}, "持证主体名称"),
        ({"valid_until": dt.date(2026, 3, 1)}, "不能早于"),
        ({"serial": "2026-1"}, "流水号"),
    ],
)
def test_issue_refusals_are_sentences(license_type, overrides, says):
    with pytest.raises(ValidationError) as excinfo:
        issue(license_type, **overrides)
    assert says in " ".join(excinfo.value.messages)
    assert not License.objects.exists()


def test_dates_and_normalisation_in_fields(license_type):
    license = issue(
        license_type,
        fields={"经营场所": " Cafe\u0301 ", "核发日期": dt.date(2026, 3, 2), "网络经营": True},
    )
    fields = sealed_content(license)["fields"]
    assert fields["经营场所"] == "Café"
    assert fields["核发日期"] == "2026-03-02" and fields["网络经营"] is True


def test_no_seal_key_no_licence(db):
    department = factories.department()
    kind = services.license_type_create(
        code=factories.uscc() + "002", name="排污许可证", department=department, fields=FIELDS
    )
    with pytest.raises(ValidationError, match="尚无签章密钥"):
        issue(kind)


def test_license_type_refusals(issuer, license_type):
    with pytest.raises(ValidationError, match="已存在"):
        services.license_type_create(code=license_type.code, name="x", department=issuer)
    with pytest.raises(ValidationError, match="21 位"):
        services.license_type_create(code="123", name="x", department=issuer)
    with pytest.raises(ValidationError, match="重复"):
        services.license_type_create(
            code=factories.uscc() + "001",
            name="x",
            department=issuer,
            fields=[{"name": "a"}, {"name": "a"}],
        )
    with pytest.raises(ValidationError, match="类型“money”不存在"):
        services.license_type_create(
            code=factories.uscc() + "001",
            name="x",
            department=issuer,
            fields=[{"name": "a", "kind": "money"}],
        )


def test_change_makes_the_next_version_and_links_back(license_type):
    first = issue(license_type)
    second = issue(license_type, previous=first, fields={"经营场所": "示范县人民路 2 号"})
    assert (second.serial, second.version, second.previous) == (first.serial, 2, first)
    assert second.identifier.split(".")[-2] == "002"
    assert identifiers.is_valid(second.identifier)
    with pytest.raises(ValidationError) as excinfo:
        issue(license_type, previous=first)
    assert excinfo.value.error_dict["previous"][0].code == "conflict"


def test_revoke_and_other_status_changes(license_type):
    license = issue(license_type)
    services.license_revoke(license=license, reason="以欺骗手段取得")
    license.refresh_from_db()
    assert license.status == LicenseStatus.REVOKED
    assert license.status_reason == "以欺骗手段取得" and license.status_changed_at
    with pytest.raises(ValidationError) as excinfo:
        services.license_revoke(license=license, reason="再次", status=LicenseStatus.CANCELLED)
    assert excinfo.value.error_dict["status"][0].code == "conflict"
    assert "已撤销" in excinfo.value.messages[0]
    other = issue(license_type)
    with pytest.raises(ValidationError, match="原因"):
        services.license_revoke(license=other, reason=" ")
    with pytest.raises(ValidationError, match="不可用"):
        services.license_revoke(license=other, reason="x", status=LicenseStatus.VALID)
    services.license_revoke(license=other, reason="经营者申请", status=LicenseStatus.CANCELLED)
    event = AuditEvent.objects.filter(action="licenses.status_change").order_by("-pk").first()
    assert event.reason == "经营者申请"
    # The seal is untouched: the signature still holds over the same bytes.
    other.refresh_from_db()
    assert sealing.verify(
        bytes(other.canonical), public_key=other.seal_key.public_key, signature=other.signature
    )


def test_rotation_retires_the_old_key_and_keeps_it(issuer, license_type):
    old = SealKey.objects.get(department=issuer)
    before = issue(license_type)
    new = services.seal_key_rotate(department=issuer, reason="年度轮换")
    old.refresh_from_db()
    assert old.retired_at is not None and new.retired_at is None and new.key_id != old.key_id
    after = issue(license_type)
    assert (before.seal_key, after.seal_key) == (old, new)
    before.refresh_from_db()
    assert sealing.verify(
        bytes(before.canonical), public_key=old.public_key, signature=before.signature
    )
    assert SealKey.objects.filter(department=issuer, retired_at=None).get() == new


def test_one_current_key_per_department_is_a_database_rule(issuer):
    current = SealKey.objects.get(department=issuer)
    with pytest.raises(IntegrityError), transaction.atomic():
        SealKey.objects.create(
            department=issuer,
            key_id="0" * 16,
            public_key="04" + "0" * 128,
            private_key=current.private_key,
        )


def test_private_keys_stay_out_of_the_audit_trail_and_repr(issuer):
    key = SealKey.objects.get(department=issuer)
    scalar = sm4_decrypt_bytes(key.private_key).hex()
    trail = json.dumps(
        list(AuditEvent.objects.values("changes", "object_label")), ensure_ascii=False
    )
    assert key.public_key in trail
    assert key.private_key not in trail and scalar not in trail
    assert key.private_key not in repr(key) and key.private_key not in str(key)


def test_rotation_erases_the_retired_private_key(issuer):
    old = SealKey.objects.get(department=issuer)
    services.seal_key_rotate(department=issuer)
    old.refresh_from_db()
    assert old.private_key == "" and len(old.public_key) == 130


def test_reencrypt_moves_current_private_keys_to_the_current_sm4_key(
    issuer, license_type, settings
):
    key = SealKey.objects.get(department=issuer)
    original = settings.YIWANG_PII_KEYS
    old_id = envelope_key_id(key.private_key)
    settings.YIWANG_PII_KEYS = "k2099:" + "ab" * 16 + "," + original
    settings.YIWANG_PII_KEY_ID = "k2099"
    assert services.seal_keys_reencrypt() == 1
    key.refresh_from_db()
    assert envelope_key_id(key.private_key) == "k2099"
    assert services.seal_keys_reencrypt() == 0
    event = AuditEvent.objects.filter(action="licenses.seal_key_reencrypt").get()
    assert event.changes == {"sm4_key": {"before": old_id, "after": "k2099"}}
    # The old SM4 key can go: sealing works on the new one alone.
    settings.YIWANG_PII_KEYS = "k2099:" + "ab" * 16
    license = issue(license_type)
    assert sealing.verify(
        bytes(license.canonical), public_key=key.public_key, signature=license.signature
    )


def test_reencrypt_refuses_when_the_old_sm4_key_is_gone(issuer, settings):
    settings.YIWANG_PII_KEYS = "k2099:" + "ab" * 16
    settings.YIWANG_PII_KEY_ID = "k2099"
    with pytest.raises(ValidationError, match="无法解密"):
        services.seal_keys_reencrypt()
