"""`yiwang license export / verify / list`: the licence file, and every verdict with its exit
code — 有效 (0); 已被篡改, 签章密钥不可信, 已撤销 (1); unreadable (2)."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests import factories
from yiwang.licenses import sealing, services
from yiwang.licenses.canonical import canonical_bytes
from yiwang.licenses.models import LicenseStatus

from .conftest import issue

pytestmark = pytest.mark.django_db


def export(license, path) -> dict:
    call_command("license", "export", license.identifier, "--out", str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def run(*argv: str) -> tuple[int, str, str]:
    """The command's exit code, stdout and stderr: YiwangCommand exits with a CommandError's
    returncode and prints its sentence alone on stderr (tests/common covers that part)."""
    out = io.StringIO()
    try:
        call_command("license", *argv, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), ""


def write(path, document) -> str:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return str(path)


@pytest.fixture
def licence(license_type):
    return issue(license_type, holder_id_number="340104199001011239")


def test_export_writes_the_licence_file(licence, issuer, tmp_path):
    document = export(licence, tmp_path / "licence.json")
    assert set(document) == {"license", "canonical", "seal"}
    body = document["license"]
    assert body["identifier"] == licence.identifier and body["status"] == "valid"
    assert body["holder"] == {"kind": "person", "name": "张三", "id_number": "3401**********1239"}
    assert body["issuer"] == {"uscc": issuer.uscc, "name": "示范县市场监督管理局"}
    assert body["type"]["name"] == "食品经营许可证"
    assert set(body["fields"]) == {"经营场所", "从业人员", "网络经营", "核发日期"}
    assert set(body["validity"]) == {"from", "until"}
    assert base64.b64decode(document["canonical"]) == bytes(licence.canonical)
    seal = document["seal"]
    key = licence.seal_key
    assert seal == {
        "algorithm": "SM2-SM3",
        "user_id": "1234567812345678",
        "issuer": issuer.uscc,
        "key_id": key.key_id,
        "public_key": key.public_key,
        "signature": licence.signature,
    }
    text = (tmp_path / "licence.json").read_text(encoding="utf-8")
    assert "340104199001011239" not in text and key.private_key not in text


def test_verify_valid(licence, tmp_path):
    export(licence, tmp_path / "a.json")
    code, out, err = run("verify", str(tmp_path / "a.json"))
    assert (code, err) == (0, "")
    assert out.startswith("有效") and licence.identifier in out


def test_reformatted_file_still_verifies(licence, tmp_path):
    document = export(licence, tmp_path / "a.json")
    reordered = {k: document[k] for k in ("seal", "canonical", "license")}
    reordered["license"] = dict(reversed(list(document["license"].items())))
    path = tmp_path / "b.json"
    path.write_text(json.dumps(reordered, ensure_ascii=False), encoding="utf-8")
    assert run("verify", str(path))[0] == 0


def test_one_changed_byte_is_altered(licence, tmp_path):
    export(licence, tmp_path / "a.json")
    raw = (tmp_path / "a.json").read_bytes()
    target = "人民路 1 号".encode()
    at = raw.index(target) + len(target) - len("1 号".encode())
    altered = raw[:at] + b"2" + raw[at + 1 :]  # 人民路 1 号 → 人民路 2 号
    (tmp_path / "b.json").write_bytes(altered)
    code, out, err = run("verify", str(tmp_path / "b.json"))
    assert code == 1 and out == ""
    assert err.startswith("已被篡改") and "Traceback" not in err


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["license"]["fields"].update({"从业人员": 4}),
        lambda d: d["license"]["holder"].update({"name": "李四"}),
        lambda d: d["license"]["validity"].update({"until": "2036-03-01"}),
        lambda d: d["license"].update({"备注": "x"}),
        lambda d: d.update({"canonical": base64.b64encode(b"{}").decode()}),
        # the first hex digit of the signature changed (to one it is not)
        lambda d: d["seal"].update(
            {"signature": "1f"[d["seal"]["signature"][0] == "1"] + d["seal"]["signature"][1:]}
        ),
        lambda d: d["seal"].update({"algorithm": "SM2"}),
        lambda d: d["seal"].update({"key_id": "0" * 16}),
        lambda d: d["seal"].update({"public_key": "04" + "1" * 128}),
    ],
)
def test_changes_anywhere_signed_are_altered(licence, tmp_path, change):
    document = export(licence, tmp_path / "a.json")
    change(document)
    code, _, err = run("verify", write(tmp_path / "b.json", document))
    assert code == 1 and err.startswith("已被篡改")


def test_both_data_and_canonical_changed_is_altered(licence, tmp_path):
    # The forger rewrites license and canonical consistently but cannot re-sign.
    document = export(licence, tmp_path / "a.json")
    document["license"]["fields"]["从业人员"] = 40
    document["canonical"] = base64.b64encode(canonical_bytes(document["license"])).decode()
    code, _, err = run("verify", write(tmp_path / "b.json", document))
    assert code == 1 and err.startswith("已被篡改")


def test_signature_under_an_unregistered_key_is_refused(licence, tmp_path):
    document = export(licence, tmp_path / "a.json")
    document["license"]["fields"]["从业人员"] = 40
    data = canonical_bytes(document["license"])
    forged = sealing.generate_key()  # a key pair of the forger's own
    document["canonical"] = base64.b64encode(data).decode()
    document["seal"].update(
        key_id=forged.key_id,
        public_key=forged.public_key,
        signature=sealing.sign(
            data, private_key_envelope=forged.private_key_envelope, public_key=forged.public_key
        ),
    )
    code, _, err = run("verify", write(tmp_path / "b.json", document))
    assert code == 1 and err.startswith("签章密钥不可信")


def test_another_departments_registered_key_is_not_the_issuers(licence, tmp_path):
    other = factories.department("示范县交通运输局")
    key = services.seal_key_rotate(department=other)
    document = export(licence, tmp_path / "a.json")
    data = base64.b64decode(document["canonical"])
    signature = sealing.sign(data, private_key_envelope=key.private_key, public_key=key.public_key)
    for issuer in (other.uscc, document["seal"]["issuer"]):
        document["seal"].update(
            issuer=issuer, key_id=key.key_id, public_key=key.public_key, signature=signature
        )
        code, _, err = run("verify", write(tmp_path / "b.json", document))
        assert code == 1 and err.startswith("签章密钥不可信")


def test_revoked_and_other_ended_licences(license_type, licence, tmp_path):
    export(licence, tmp_path / "a.json")
    services.license_revoke(license=licence, reason="以欺骗手段取得")
    code, _, err = run("verify", str(tmp_path / "a.json"))
    assert code == 1 and err.startswith("已撤销") and "以欺骗手段取得" in err
    # A file exported after revocation says so, and verifies the same way.
    assert export(licence, tmp_path / "b.json")["license"]["status"] == "revoked"
    assert run("verify", str(tmp_path / "b.json"))[0] == 1
    cancelled = issue(license_type)
    services.license_revoke(license=cancelled, reason="申请注销", status=LicenseStatus.CANCELLED)
    export(cancelled, tmp_path / "c.json")
    code, _, err = run("verify", str(tmp_path / "c.json"))
    assert code == 1 and err.startswith("已注销")


def test_a_status_changed_in_the_file_changes_nothing(licence, tmp_path):
    services.license_revoke(license=licence, reason="吊销前撤销")
    document = export(licence, tmp_path / "a.json")
    document["license"]["status"] = "valid"
    code, _, err = run("verify", write(tmp_path / "b.json", document))
    assert code == 1 and err.startswith("已撤销")


def test_rotation_keeps_old_licences_verifiable(issuer, license_type, licence, tmp_path):
    export(licence, tmp_path / "old.json")
    services.seal_key_rotate(department=issuer)
    services.seal_key_rotate(department=issuer)
    newer = issue(license_type)
    export(newer, tmp_path / "new.json")
    assert run("verify", str(tmp_path / "old.json"))[0] == 0
    assert run("verify", str(tmp_path / "new.json"))[0] == 0
    # An export made after the rotation still carries the key that sealed the licence.
    assert export(licence, tmp_path / "again.json")["seal"]["key_id"] == licence.seal_key.key_id


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not json", "不是有效的 JSON"),
        (b"\xff\xfe", "UTF-8"),
        (b"[]", "JSON 对象"),
        (b'{"license": {}, "canonical": ""}', "缺少 seal"),
        (b'{"license": {}, "license": {}, "canonical": "", "seal": {}}', "两次"),
        (b'{"license": {}, "canonical": "", "seal": {"algorithm": "SM2-SM3"}}', "seal 缺少"),
    ],
)
def test_unreadable_files_exit_2(tmp_path, content, says, db):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    code, out, err = run("verify", str(path))
    assert code == 2 and out == "" and says in err and "Traceback" not in err


def test_missing_file_exits_2(tmp_path, db):
    code, _, err = run("verify", str(tmp_path / "none.json"))
    assert code == 2 and "无法读取文件" in err


def test_export_refusals(tmp_path, licence):
    with pytest.raises(CommandError) as excinfo:
        # another last character (the check digit may itself be 0): no such licence
        other = licence.identifier[:-1] + ("1" if licence.identifier[-1] == "0" else "0")
        call_command("license", "export", other, "--out", str(tmp_path / "a"))
    assert excinfo.value.returncode == 2 and "没有电子证照" in str(excinfo.value)
    code, _, err = run("export", licence.identifier, "--out", str(tmp_path / "no" / "a.json"))
    assert code == 2 and "无法写入" in err


def test_list_json(license_type, licence):
    services.license_revoke(license=issue(license_type), reason="撤销")
    code, out, _ = run("list", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 2
    assert set(rows[0]) == {"identifier", "type", "status", "issuer"}
    assert {row["status"] for row in rows} == {"valid", "revoked"}
    assert {row["type"] for row in rows} == {license_type.code}
    code, out, _ = run("list")
    assert code == 0 and licence.identifier in out


def test_list_when_empty(db):
    assert run("list", "--json")[1].strip() == "[]"
    assert "没有电子证照" in run("list")[1]


def test_rekey(issuer, settings):
    settings.YIWANG_PII_KEYS = "k2099:" + "ab" * 16 + "," + settings.YIWANG_PII_KEYS
    settings.YIWANG_PII_KEY_ID = "k2099"
    assert run("rekey")[:2] == (0, "已将 1 把签章私钥改用当前 SM4 密钥 k2099。\n")
    assert run("rekey")[:2] == (0, "签章私钥均已使用当前 SM4 密钥 k2099。\n")
    settings.YIWANG_PII_KEYS = "k2100:" + "cd" * 16
    settings.YIWANG_PII_KEY_ID = "k2100"
    code, _, err = run("rekey")
    assert code == 2 and "无法解密" in err
