"""The verification API for systems: POST a licence file or GET by identifier, no sign-in."""

from __future__ import annotations

import base64
import json

import pytest

from tests import factories
from tests.licenses.conftest import issue
from yiwang.licenses import files, sealing, services
from yiwang.licenses.canonical import canonical_bytes
from yiwang.licenses.models import License, LicenseStatus

URL = "/api/licenses/verify/"


@pytest.fixture
def licence(license_type):
    return issue(license_type)


def post(client, body: bytes):
    return client.post(URL, data=body, content_type="application/json")


def file_bytes(licence) -> bytes:
    return files.dumps(files.license_file(License.objects.get(pk=licence.pk)))


def test_valid_file(client, licence):
    response = post(client, file_bytes(licence))
    assert response.status_code == 200
    assert response.json()["result"] == "valid" and response.json()["message"] == "有效"
    assert response.json()["identifier"] == licence.identifier


def test_one_changed_byte_is_altered(client, licence):
    raw = file_bytes(licence)
    target = "人民路 1 号".encode()
    at = raw.index(target) + len(target) - len("1 号".encode())
    response = post(client, raw[:at] + b"2" + raw[at + 1 :])
    assert response.status_code == 200
    assert response.json() | {"detail": ""} == {
        "result": "altered",
        "message": "已被篡改",
        "detail": "",
        "identifier": licence.identifier,
    }


def test_revoked_file_and_identifier(client, licence):
    raw = file_bytes(licence)  # exported while valid: the registry's status wins
    services.license_revoke(license=licence, reason="以欺骗手段取得")
    for response in (post(client, raw), client.get(f"{URL}{licence.identifier}/")):
        assert response.status_code == 200
        body = response.json()
        assert body["result"] == "revoked" and body["message"] == "已撤销"
        assert "以欺骗手段取得" in body["detail"]


def test_other_ended_statuses(client, license_type):
    record = issue(license_type)
    services.license_revoke(license=record, reason="申请注销", status=LicenseStatus.CANCELLED)
    body = client.get(f"{URL}{record.identifier}/").json()
    assert (body["result"], body["message"]) == ("cancelled", "已注销")


def test_signature_under_a_key_outside_the_registry_is_untrusted(client, licence):
    document = json.loads(file_bytes(licence))
    document["license"]["fields"]["从业人员"] = 40
    data = canonical_bytes(document["license"])
    forged = sealing.generate_key()
    document["canonical"] = base64.b64encode(data).decode()
    document["seal"].update(
        key_id=forged.key_id,
        public_key=forged.public_key,
        signature=sealing.sign(
            data, private_key_envelope=forged.private_key_envelope, public_key=forged.public_key
        ),
    )
    body = post(client, json.dumps(document).encode()).json()
    assert (body["result"], body["message"]) == ("untrusted_key", "签章密钥不可信")


def test_stored_record_signed_by_another_departments_key_is_untrusted(client, licence):
    other = services.seal_key_rotate(department=factories.department("示范县交通运输局"))
    License.objects.filter(pk=licence.pk).update(
        seal_key=other,
        signature=sealing.sign(
            bytes(licence.canonical),
            private_key_envelope=other.private_key,
            public_key=other.public_key,
        ),
    )
    assert client.get(f"{URL}{licence.identifier}/").json()["result"] == "untrusted_key"


def test_stored_bytes_changed_by_one_byte_are_altered(client, licence):
    data = bytearray(bytes(licence.canonical))
    at = data.index("人民路 1 号".encode()) + len("人民路 ".encode())
    data[at] = ord("2")
    License.objects.filter(pk=licence.pk).update(canonical=bytes(data))
    body = client.get(f"{URL}{licence.identifier}/").json()
    assert (body["result"], body["message"]) == ("altered", "已被篡改")


def test_valid_by_identifier(client, licence):
    body = client.get(f"{URL}{licence.identifier}/").json()
    assert (body["result"], body["message"]) == ("valid", "有效")


def test_unknown_identifier_is_404(client, db):
    response = client.get(f"{URL}1.2.156.3005.2.unknown/")
    assert response.status_code == 404 and "没有找到" in response.json()["detail"]


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"license": {}}'])
def test_unreadable_file_is_400(client, db, body):
    response = post(client, body)
    assert response.status_code == 400 and response.json()["detail"]


def test_rate_limited(client, licence, settings):
    settings.YIWANG_RATE_LIMIT_LICENSE_VERIFY_PER_ADDRESS = 2
    url = f"{URL}{licence.identifier}/"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert post(client, file_bytes(licence)).status_code == 429


def test_no_private_key_in_any_answer(client, licence):
    key = licence.seal_key
    for response in (client.get(f"{URL}{licence.identifier}/"), post(client, file_bytes(licence))):
        assert key.private_key not in response.content.decode()
