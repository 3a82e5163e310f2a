"""SM2 seals (电子印章的签名): key pairs, signing and verification, SM2 over SM3 (GB/T 32918,
GB/T 38540) with the user ID 1234567812345678, through tongsuopy (Tongsuo, C) — ADR 0015.

Encodings, as in the licence file (docs/licenses.md):
- public key: hex of the uncompressed point 04 ‖ x ‖ y (65 bytes, 130 hex characters);
- signature: hex of r ‖ s, each 32 bytes big-endian (64 bytes, 128 hex characters), not DER;
- key id: the first 16 hex characters of SM3(public key bytes) — a label for finding the key in
  the registry; trust always comes from comparing the whole public key;
- private key at rest: the 32-byte scalar d in an SM4-GCM envelope made by
  `yiwang.common.crypto.sm4_encrypt_bytes` (the installation's SM4 keys, YIWANG_PII_KEYS).
  The clear scalar never leaves this module.

tongsuopy signs through EVP_DigestSign on an SM2 key and offers no call to set the
distinguishing ID; Tongsuo then uses the standard default ID 1234567812345678. That is not
taken on trust: before its first use in a process this module verifies the standard's own
signature example (GM/T 0003.5 / GB/T 32918.5, recommended curve, ID 1234567812345678), so a
library whose default differed would stop sealing instead of sealing under another ID.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from tongsuopy.crypto import hashes as ts_hashes
from tongsuopy.crypto import serialization as ts_serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InvalidSignature

from yiwang.common.crypto import DecryptionError, sm3_hex, sm4_decrypt_bytes, sm4_encrypt_bytes

ALGORITHM = "SM2-SM3"
USER_ID = "1234567812345678"
# The order n of the SM2 recommended curve (GB/T 32918.5): r and s lie in [1, n − 1].
CURVE_ORDER = 0xFFFFFFFE_FFFFFFFF_FFFFFFFF_FFFFFFFF_7203DF6B_21C6052B_53BBF409_39D54123
# \Z, not $: "$" also matches before a final newline (which bytes.fromhex would then skip).
_PUBLIC_RE = re.compile(r"^04[0-9a-f]{128}\Z")
_SIGNATURE_RE = re.compile(r"^[0-9a-f]{128}\Z")
_SCHEME = ec.ECDSA(ts_hashes.SM3())  # tongsuopy's name for "sign with this key's curve": SM2

# GM/T 0003.5's signature example on the recommended curve: message "message digest", ID
# 1234567812345678, private key 3945208F…C5B8, random k 59276E27…BC21.
_EXAMPLE_PUBLIC = (
    "0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
)
_EXAMPLE_MESSAGE = b"message digest"
_EXAMPLE_SIGNATURE = (
    "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
    "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa"
)


class SealError(ValueError):
    """A public key, private-key envelope or signature that cannot be used as given."""


@dataclass(frozen=True)
class SealKeyMaterial:
    """A new key pair as it is stored: the private half only inside its SM4 envelope."""

    key_id: str
    public_key: str
    private_key_envelope: str

    def __repr__(self) -> str:  # never print even the envelope by accident
        return f"SealKeyMaterial(key_id={self.key_id!r}, public_key={self.public_key!r})"


@lru_cache(maxsize=256)
def key_id_for(public_key: str) -> str:
    """The key id of a public key (hex 04‖x‖y): SM3 of its 65 bytes, first 16 hex characters."""
    # A pure function of the text, asked on every licence file verified: remembered like the
    # parsed key below (a malformed key raises and is not remembered).
    return sm3_hex(bytes.fromhex(normalise_public_key(public_key)))[:16]


@lru_cache(maxsize=256)
def normalise_public_key(public_key: str) -> str:
    """Lower-case hex of an uncompressed point on the SM2 curve, or SealError."""
    # Pure, and asked on every seal: remembered (a malformed key raises and is not), which
    # also hands back the same string object each time, so the loaded key's entry compares
    # its public key by identity rather than character by character.
    _load_public(public_key)
    return public_key.lower()


@lru_cache(maxsize=256)
def _load_public(public_key: str) -> ec.EllipticCurvePublicKey:
    # Public keys are few (one per department and rotation) and verified often: parse once.
    if not isinstance(public_key, str) or not _PUBLIC_RE.match(public_key.lower()):
        raise SealError("公钥应为未压缩点 04‖x‖y 的 130 位十六进制。")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), bytes.fromhex(public_key))
    except ValueError:
        raise SealError("公钥不是 SM2 曲线上的点。") from None


def _public_hex(key: ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(
        ts_serialization.Encoding.X962, ts_serialization.PublicFormat.UncompressedPoint
    ).hex()


def generate_key() -> SealKeyMaterial:
    """A fresh SM2 key pair (Tongsuo's random generator); the private scalar SM4-encrypted."""
    _self_test()
    private = ec.generate_private_key(ec.SM2())
    scalar = private.private_numbers().private_value.to_bytes(32, "big")
    public_key = _public_hex(private.public_key())
    return SealKeyMaterial(
        key_id=key_id_for(public_key),
        public_key=public_key,
        private_key_envelope=sm4_encrypt_bytes(scalar),
    )


class _LoadedKeys:
    """The private keys this process has unsealed, by key id (an LRU of at most `size`).

    Unsealing (SM4 envelope → scalar → SM2 key, a point multiplication) costs as much as a
    signature, so a key is loaded once per process. An entry is used only while the row read
    for sealing still carries the very envelope and public key it was loaded from: a key
    re-encrypted or replaced in another process is unsealed again, never used stale. Rotation
    and re-encryption also drop the entries here (`forget`), so a retired key's private half
    does not linger in this process's memory. The keys are never logged or shown: repr names
    only how many are loaded."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._keys: OrderedDict[str, tuple[str, str, ec.EllipticCurvePrivateKey]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key_id: str, envelope: str, public_key: str) -> ec.EllipticCurvePrivateKey:
        with self._lock:
            entry = self._keys.get(key_id)
            if entry is not None and entry[0] == envelope and entry[1] == public_key:
                self._keys.move_to_end(key_id)
                return entry[2]
        private = _unseal(envelope, public_key)
        with self._lock:
            self._keys[key_id] = (envelope, public_key, private)
            self._keys.move_to_end(key_id)
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)
        return private

    def forget(self, key_ids: Iterable[str] | None = None) -> None:
        """Drop the given keys (all of them with None)."""
        with self._lock:
            if key_ids is None:
                self._keys.clear()
            else:
                for key_id in key_ids:
                    self._keys.pop(key_id, None)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"<loaded seal keys: {len(self._keys)}>"


# One entry per department that seals (its current key); the oldest unused go first.
_LOADED = _LoadedKeys(size=256)


def forget_private_keys(key_ids: Iterable[str] | None = None) -> None:
    """Drop loaded private keys from this process (rotation, re-encryption; all with None):
    at once, and again when the current transaction commits — a seal in between still read
    the old row and may have loaded the key again."""
    ids = None if key_ids is None else list(key_ids)
    _LOADED.forget(ids)
    transaction.on_commit(lambda: _LOADED.forget(ids))


def _unseal(envelope: str, public_key: str) -> ec.EllipticCurvePrivateKey:
    # The clear scalar lives in memory as it must while signing; it is never logged or
    # returned.
    try:
        scalar = sm4_decrypt_bytes(envelope)
    except (DecryptionError, ImproperlyConfigured) as exc:
        raise SealError(f"签章私钥无法解密：{exc}") from None
    if len(scalar) != 32 or not 0 < int.from_bytes(scalar, "big") < CURVE_ORDER:
        raise SealError("签章私钥的内容不是有效的 SM2 私钥。")
    private = ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SM2())
    # Binds the envelope to its public key: an envelope copied onto another key's row is
    # refused here rather than producing seals that never verify.
    if _public_hex(private.public_key()) != public_key:
        raise SealError("签章私钥与登记的公钥不匹配。")
    return private


def _load_private(envelope: str, public_key: str) -> ec.EllipticCurvePrivateKey:
    """The loaded private key of a stored key pair (SealError if it cannot be used)."""
    public_key = normalise_public_key(public_key)
    return _LOADED.get(key_id_for(public_key), envelope, public_key)


def sign(
    data: bytes, *, private_key_envelope: str, public_key: str, key_id: str | None = None
) -> str:
    """SM2 signature (ID 1234567812345678, SM3) of `data` as hex r‖s (128 characters).

    `key_id` (the stored key's) saves recomputing it from the public key."""
    _self_test()
    public_key = normalise_public_key(public_key)
    private = _LOADED.get(key_id or key_id_for(public_key), private_key_envelope, public_key)
    r, s = decode_dss_signature(private.sign(bytes(data), _SCHEME))
    return (r.to_bytes(32, "big") + s.to_bytes(32, "big")).hex()


def verify(data: bytes, *, public_key: str, signature: str) -> bool:
    """Whether `signature` (hex r‖s) is an SM2 signature of `data` under `public_key`.

    False for a wrong or malformed signature; SealError for a malformed public key.
    """
    _self_test()
    return _verify(data, public_key=public_key, signature=signature)


def _verify(data: bytes, *, public_key: str, signature: str) -> bool:
    key = _load_public(public_key)
    if not isinstance(signature, str) or not _SIGNATURE_RE.match(signature.lower()):
        return False
    raw = bytes.fromhex(signature)
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    if not (0 < r < CURVE_ORDER and 0 < s < CURVE_ORDER):
        return False
    try:
        key.verify(encode_dss_signature(r, s), bytes(data), _SCHEME)
    except InvalidSignature:
        return False
    return True


@lru_cache(maxsize=1)
def _self_test() -> None:
    if not _verify(_EXAMPLE_MESSAGE, public_key=_EXAMPLE_PUBLIC, signature=_EXAMPLE_SIGNATURE):
        raise ImproperlyConfigured(
            "SM2 自检失败：tongsuopy 未按用户标识 1234567812345678 验证国密标准示例签名，"
            "已停止签章。"
        )
