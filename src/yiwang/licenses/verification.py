"""Verifying a licence file against the registry: the rule behind `yiwang license verify`
(and, later, the public verification page and API).

In this order: the canonical bytes recomputed from `license` must equal `canonical`; the
signature must verify over them; the public key must be one registered for the licence's
issuer (current or retired) — never just the key inside the file; then the registry's status.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from yiwang.licenses import canonical, sealing, selectors
from yiwang.licenses.models import LicenseStatus

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
    key = selectors.registered_seal_key(issuer_uscc=issuer, public_key=seal["public_key"])
    if key is None:
        return Verdict(UNTRUSTED, f"签章公钥不是颁发机构 {issuer} 登记的签章密钥。")
    # The signature is checked again with the registered key itself, not the file's copy.
    if not sealing.verify(signed, public_key=key.public_key, signature=seal["signature"]):
        return _altered("签名与登记的签章公钥不符。")
    record = selectors.license_by_identifier(license["identifier"])
    if record is not None:
        if bytes(record.canonical) != signed:
            return _altered("证照数据与登记的电子证照不一致。")
        if record.seal_key_id != key.pk:
            return Verdict(UNTRUSTED, "登记的电子证照不是用这把签章密钥签发的。")
        if record.status != LicenseStatus.VALID:
            label = LicenseStatus(record.status).label
            reason = f"，原因：{record.status_reason}" if record.status_reason else ""
            return Verdict(f"已{label}", f"电子证照 {record.identifier} 已{label}{reason}。")
    name = license["type"]["name"]
    return Verdict(VALID, f"{name} {license['identifier']}，{license['issuer']['name']}签章。")
