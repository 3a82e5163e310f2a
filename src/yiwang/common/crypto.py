"""国密 primitives used across the platform: SM3 digests, keyed SM3 (HMAC-SM3) and SM4-GCM.

All come from `cryptography` (OpenSSL). SM2 signatures live with the licences app (tongsuopy).
Key configuration (YIWANG_PII_KEYS, YIWANG_PII_KEY_ID) is described in docs/personal-data.md.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENVELOPE_PREFIX = "sm4gcm"
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 16
# Key ids appear inside every envelope ("sm4gcm:<id>:…"), so no ":" or ",".
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class DecryptionError(ValueError):
    """An envelope is malformed or fails authentication (wrong key, altered ciphertext)."""


def sm3_hex(data: bytes) -> str:
    """SM3 digest of `data` as 64 lowercase hex characters."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3_hex(key: bytes, data: bytes) -> str:
    """Keyed SM3 (HMAC construction, GB/T 15852.2) as hex."""
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


@lru_cache(maxsize=8)
def _parse_keys(spec: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        key_id, _, hex_key = part.partition(":")
        if not _KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(
                f"YIWANG_PII_KEYS 中密钥编号 {key_id!r} 无效：只能用字母、数字、_ . -，最长 32 位。"
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"YIWANG_PII_KEYS 中密钥编号 {key_id!r} 重复。")
        try:
            key = bytes.fromhex(hex_key)
        except ValueError as exc:
            raise ImproperlyConfigured(f"YIWANG_PII_KEYS 中密钥 {key_id!r} 不是十六进制。") from exc
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"YIWANG_PII_KEYS 中密钥 {key_id!r} 必须是 16 字节（32 个十六进制字符）。"
            )
        keys[key_id] = key
    if not keys:
        raise ImproperlyConfigured("YIWANG_PII_KEYS 未配置任何 SM4 密钥。")
    return keys


@lru_cache(maxsize=32)
def _sm4(key: bytes) -> algorithms.SM4:
    # The algorithm object only holds the key (checked once, here); it is immutable and shared
    # by every Cipher made with it, across threads. Each encryption still draws a new nonce.
    return algorithms.SM4(key)


def pii_keys() -> dict[str, bytes]:
    """The SM4 keys by id, from YIWANG_PII_KEYS ("id:32 hex chars", comma-separated)."""
    return _parse_keys(settings.YIWANG_PII_KEYS)


def current_key_id() -> str:
    """The key id new values are encrypted under (YIWANG_PII_KEY_ID)."""
    key_id = settings.YIWANG_PII_KEY_ID
    if key_id not in pii_keys():
        raise ImproperlyConfigured(f"YIWANG_PII_KEY_ID={key_id!r} 不在 YIWANG_PII_KEYS 中。")
    return key_id


def sm4_encrypt(plaintext: str, *, key_id: str | None = None) -> str:
    """Encrypt with SM4-GCM under a random nonce; returns `sm4gcm:<key id>:<base64>`.

    The base64 holds nonce (12 bytes) ‖ ciphertext ‖ tag (16 bytes). A fresh nonce per value
    means equal plaintexts give different envelopes; exact lookup uses the keyed hash instead.
    """
    return sm4_encrypt_bytes(plaintext.encode("utf-8"), key_id=key_id)


def sm4_encrypt_bytes(data: bytes, *, key_id: str | None = None) -> str:
    """:func:`sm4_encrypt` for bytes (a compressed document, say): the same envelope."""
    key_id = key_id or current_key_id()
    key = pii_keys()[key_id]
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(_sm4(key), modes.GCM(nonce)).encryptor()
    body = encryptor.update(data) + encryptor.finalize()
    blob = base64.b64encode(nonce + body + encryptor.tag).decode("ascii")
    return f"{ENVELOPE_PREFIX}:{key_id}:{blob}"


def is_envelope(value: object) -> bool:
    return isinstance(value, str) and value.startswith(ENVELOPE_PREFIX + ":")


def envelope_key_id(envelope: str) -> str:
    """The key id an envelope was encrypted under."""
    parts = envelope.split(":", 2)
    if len(parts) != 3 or parts[0] != ENVELOPE_PREFIX:
        raise DecryptionError("不是 SM4 密文信封。")
    return parts[1]


def sm4_decrypt(envelope: str) -> str:
    """Decrypt an envelope made by :func:`sm4_encrypt` (any key still listed in settings).

    Raises DecryptionError if the envelope is malformed or was altered, ImproperlyConfigured
    if its key is no longer configured.
    """
    return sm4_decrypt_bytes(envelope).decode("utf-8")


def sm4_decrypt_bytes(envelope: str) -> bytes:
    """:func:`sm4_decrypt` for an envelope made by :func:`sm4_encrypt_bytes`."""
    key_id = envelope_key_id(envelope)
    try:
        key = pii_keys()[key_id]
    except KeyError as exc:
        raise ImproperlyConfigured(
            f"解密所需的密钥 {key_id!r} 已不在 YIWANG_PII_KEYS 中。"
        ) from exc
    try:
        raw = base64.b64decode(envelope.split(":", 2)[2], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecryptionError("SM4 密文信封的内容不是有效的 base64。") from exc
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("SM4 密文信封过短。")
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(_sm4(key), modes.GCM(nonce, tag)).decryptor()
    try:
        plain = decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise DecryptionError(
            f"SM4 密文未通过完整性校验（密钥 {key_id!r} 不符或数据被篡改）。"
        ) from exc
    return plain
