"""Verifying a licence file against the registry: the rule behind `yiwang license verify`
(and, later, the public verification page and API).

In this order: the canonical bytes recomputed from `license` must equal `canonical`; the
signature must verify over them; the public key must be one registered for the licence's
issuer (current or retired) — never just the key inside the file; then the registry's status.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from yiwang.licenses import canonical, sealing, selectors
from yiwang.licenses.models import License, LicenseStatus

VALID = "有效"
ALTERED = "已被篡改"
UNTRUSTED = "签章密钥不可信"
REVOKED = "已撤销"


@dataclass(frozen=True)
class Verdict:
    """The outcome: `word` (有效, 已被篡改, 签章密钥不可信, 已撤销, 已注销 …) and one sentence."""

    word: str
    detail: str

    @property
    def valid(self) -> bool:
        return self.word == VALID

    def __str__(self) -> str:
        return f"{self.word}：{self.detail}"

    @property
    def result(self) -> str:
        """The word as the API's code: valid, altered, untrusted_key, or the status value."""
        return _RESULTS.get(self.word, "altered")


_RESULTS = {VALID: "valid", ALTERED: "altered", UNTRUSTED: "untrusted_key"} | {
    f"已{status.label}": status.value for status in LicenseStatus if status != LicenseStatus.VALID
}


def _altered(detail: str) -> Verdict:
    return Verdict(ALTERED, detail)


def verify_document(document: dict[str, Any]) -> Verdict:
    """Verify a licence file already read by `files.read`."""
    license, seal = document["license"], document["seal"]
    try:
        recomputed = canonical.canonical_bytes(license)
    except canonical.CanonicalError as exc:
        return _altered(f"证照数据不符合签章格式（{exc}）。")
    try:
        signed = base64.b64decode(document["canonical"], validate=True)
    except (binascii.Error, ValueError):
        return _altered("canonical 不是有效的 base64。")
    if signed != recomputed:
        return _altered("证照数据与签章原文不一致。")
    if seal["algorithm"] != sealing.ALGORITHM or seal["user_id"] != sealing.USER_ID:
        return _altered("签章算法或用户标识不是 SM2-SM3 / 1234567812345678。")
    try:
        key_id = sealing.key_id_for(seal["public_key"])
    except sealing.SealError:
        return _altered("签章公钥不是 SM2 曲线上的未压缩点。")
    if key_id != seal["key_id"].lower():
        return _altered("签章密钥标识与公钥不符。")
    if not sealing.verify(signed, public_key=seal["public_key"], signature=seal["signature"]):
        return _altered("签名与签章原文不符。")
    issuer = license["issuer"]["uscc"]
    if seal["issuer"] != issuer:
        return Verdict(UNTRUSTED, f"签章机构 {seal['issuer']} 不是证照的颁发机构 {issuer}。")
    public_key = seal["public_key"].lower()
    record = selectors.license_for_verification(license["identifier"])
    # The usual case costs one query: the registry's licence names this very key, and the key
    # is its issuer's. Otherwise the issuer's registered keys are searched (an old licence
    # file after a re-issue, a licence not in this registry).
    if (
        record is not None
        and record.issuer_uscc == issuer
        and record.seal_key_department_id == record.issuer_id
        and record.seal_key_public_key == public_key
    ):
        key_pk, key_public = record.seal_key_id, record.seal_key_public_key
    else:
        key = selectors.registered_seal_key(issuer_uscc=issuer, public_key=public_key)
        if key is None:
            return Verdict(UNTRUSTED, f"签章公钥不是颁发机构 {issuer} 登记的签章密钥。")
        key_pk, key_public = key.pk, key.public_key
    # Trust comes from the registered key: were its text not the file's, check again with it.
    if key_public != public_key and not sealing.verify(
        signed, public_key=key_public, signature=seal["signature"]
    ):
        return _altered("签名与登记的签章公钥不符。")
    if record is not None:
        if record.canonical != signed:
            return _altered("证照数据与登记的电子证照不一致。")
        if record.seal_key_id != key_pk:
            return Verdict(UNTRUSTED, "登记的电子证照不是用这把签章密钥签发的。")
        status = _status_verdict(record)
        if status is not None:
            return status
    name = license["type"]["name"]
    return Verdict(VALID, f"{name} {license['identifier']}，{license['issuer']['name']}签章。")


def _status_verdict(record: License | selectors.VerificationRecord) -> Verdict | None:
    if record.status == LicenseStatus.VALID:
        return None
    label = LicenseStatus(record.status).label
    reason = f"，原因：{record.status_reason}" if record.status_reason else ""
    return Verdict(f"已{label}", f"电子证照 {record.identifier} 已{label}{reason}。")


def verify_record(record: License) -> Verdict:
    """Verify a licence of the registry as stored (the public page and API by identifier): its
    signature over the stored canonical bytes under its issuer's registered key, the bytes'
    identifier and issuer those of the record, then its status."""
    key = record.seal_key
    if key.department_id != record.issuer_id:
        return Verdict(UNTRUSTED, f"签章密钥不是颁发机构 {record.issuer.uscc} 登记的签章密钥。")
    signed = bytes(record.canonical)
    if not sealing.verify(signed, public_key=key.public_key, signature=record.signature):
        return _altered("签名与登记的签章原文不符。")
    try:
        content = json.loads(signed)
    except ValueError:
        return _altered("登记的签章原文不是有效的 JSON。")
    if (
        not isinstance(content, dict)
        or content.get("identifier") != record.identifier
        or (content.get("issuer") or {}).get("uscc") != record.issuer.uscc
    ):
        return _altered("签章原文中的标识或颁发机构与登记的电子证照不符。")
    status = _status_verdict(record)
    if status is not None:
        return status
    name = (content.get("type") or {}).get("name", record.license_type.name)
    return Verdict(VALID, f"{name} {record.identifier}，{record.issuer.name}签章。")
