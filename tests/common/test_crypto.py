"""国密 primitives: standard vectors, and cross-checks against gmalg (an independent pure-Python
implementation of SM3 and SM4)."""

from __future__ import annotations

import base64

import gmalg
import pytest
from cryptography.hazmat.primitives.ciphers import algorithms
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from yiwang.common import crypto
from yiwang.common.crypto import (
    NONCE_BYTES,
    TAG_BYTES,
    DecryptionError,
    current_key_id,
    envelope_key_id,
    hmac_sm3_hex,
    pii_keys,
    sm3_hex,
    sm4_decrypt,
    sm4_encrypt,
)

KEY_HEX = "00112233445566778899aabbccddeeff"


def gmalg_sm3(data: bytes) -> bytes:
    digest = gmalg.SM3()
    digest.update(data)
    return digest.value()


def test_sm3_standard_vectors():
    # GB/T 32905-2016, examples 1 and 2.
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert (
        sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


@given(st.binary(max_size=300))
def test_sm3_agrees_with_gmalg(data):
    assert sm3_hex(data) == gmalg_sm3(data).hex()


def reference_hmac_sm3(key: bytes, data: bytes) -> str:
    """HMAC (RFC 2104, block size 64) written out over gmalg's SM3."""
    if len(key) > 64:
        key = gmalg_sm3(key)
    key = key.ljust(64, b"\0")
    inner = gmalg_sm3(bytes(b ^ 0x36 for b in key) + data)
    return gmalg_sm3(bytes(b ^ 0x5C for b in key) + inner).hex()


@given(key=st.binary(min_size=1, max_size=100), data=st.binary(max_size=200))
def test_hmac_sm3_agrees_with_hmac_built_on_gmalg(key, data):
    assert hmac_sm3_hex(key, data) == reference_hmac_sm3(key, data)


def test_sm4_block_standard_vector_in_gmalg():
    # GB/T 32907-2016 example 1; anchors the gmalg cross-check below.
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    assert gmalg.SM4(key).encrypt(key).hex() == "681edf34d206965e86b3e94f536e4246"


@given(st.text(max_size=80))
def test_sm4_gcm_body_agrees_with_gmalg_counter_mode(plaintext):
    """GCM encrypts with SM4 in counter mode from nonce ‖ 00000002; rebuild the keystream with
    gmalg's block cipher and recover the plaintext independently."""
    envelope = sm4_encrypt(plaintext, key_id="dev")
    raw = base64.b64decode(envelope.split(":", 2)[2])
    nonce, body = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES]
    cipher = gmalg.SM4(bytes.fromhex(KEY_HEX))
    stream = b"".join(
        cipher.encrypt(nonce + (counter + 2).to_bytes(4, "big"))
        for counter in range((len(body) + 15) // 16)
    )
    assert bytes(a ^ b for a, b in zip(body, stream, strict=False)).decode() == plaintext


def test_envelope_round_trip_and_format():
    envelope = sm4_encrypt("340104199001011234")
    assert envelope.startswith("sm4gcm:dev:")
    assert "340104199001011234" not in envelope
    assert sm4_decrypt(envelope) == "340104199001011234"
    assert envelope_key_id(envelope) == "dev"
    # A fresh nonce every time: equal values do not give equal ciphertexts.
    assert sm4_encrypt("340104199001011234") != envelope


def test_altered_ciphertext_fails_authentication():
    envelope = sm4_encrypt("13812345678")
    raw = bytearray(base64.b64decode(envelope.split(":", 2)[2]))
    raw[NONCE_BYTES] ^= 1
    forged = "sm4gcm:dev:" + base64.b64encode(bytes(raw)).decode()
    with pytest.raises(DecryptionError, match="完整性校验"):
        sm4_decrypt(forged)


@pytest.mark.parametrize(
    "envelope",
    ["plain text", "sm4gcm:dev", "sm4gcm:dev:!!!notbase64", "sm4gcm:dev:AAAA", "aes:dev:AAAA"],
)
def test_malformed_envelopes(envelope):
    with pytest.raises(DecryptionError):
        sm4_decrypt(envelope)


def test_wrong_key_fails_authentication(settings):
    envelope = sm4_encrypt("13812345678")
    settings.YIWANG_PII_KEYS = "dev:" + "ff" * 16
    with pytest.raises(DecryptionError):
        sm4_decrypt(envelope)


def test_key_no_longer_configured(settings):
    settings.YIWANG_PII_KEYS = f"dev:{KEY_HEX},old:{'11' * 16}"
    envelope = sm4_encrypt("13812345678", key_id="old")
    settings.YIWANG_PII_KEYS = f"dev:{KEY_HEX}"
    with pytest.raises(ImproperlyConfigured, match="'old' 已不在 YIWANG_PII_KEYS"):
        sm4_decrypt(envelope)


def test_several_keys_and_the_current_one(settings):
    settings.YIWANG_PII_KEYS = f"dev:{KEY_HEX}, k2026:{'22' * 16}"
    settings.YIWANG_PII_KEY_ID = "k2026"
    assert set(pii_keys()) == {"dev", "k2026"}
    assert current_key_id() == "k2026"
    assert envelope_key_id(sm4_encrypt("x")) == "k2026"
    settings.YIWANG_PII_KEY_ID = "missing"
    with pytest.raises(ImproperlyConfigured, match="不在 YIWANG_PII_KEYS"):
        current_key_id()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "未配置任何"),
        ("dev:xyz", "不是十六进制"),
        ("dev:0011", "16 字节"),
        (f"a b:{KEY_HEX}", "密钥编号"),
        (f":{KEY_HEX}", "密钥编号"),
        (f"dev:{KEY_HEX},dev:{KEY_HEX}", "重复"),
    ],
)
def test_bad_key_configuration(settings, spec, message):
    settings.YIWANG_PII_KEYS = spec
    with pytest.raises(ImproperlyConfigured, match=message):
        pii_keys()


def test_one_key_object_per_key_and_a_new_nonce_per_value(settings, monkeypatch):
    """The SM4 key object is made once per key and shared; nonces stay random per value."""
    made = []
    original = algorithms.SM4

    def counting(key: bytes) -> algorithms.SM4:
        made.append(key)
        return original(key)

    crypto._sm4.cache_clear()
    monkeypatch.setattr(crypto.algorithms, "SM4", counting)
    settings.YIWANG_PII_KEYS = f"dev:{KEY_HEX},k2:{'22' * 16}"
    envelopes = [sm4_encrypt("13812345678") for _ in range(5)]
    assert [sm4_decrypt(e) for e in envelopes] == ["13812345678"] * 5
    assert made == [bytes.fromhex(KEY_HEX)]
    nonces = {base64.b64decode(e.split(":", 2)[2])[:NONCE_BYTES] for e in envelopes}
    assert len(nonces) == 5
    other = sm4_encrypt("13812345678", key_id="k2")
    assert made == [bytes.fromhex(KEY_HEX), bytes.fromhex("22" * 16)]
    assert sm4_decrypt(other) == "13812345678"
    settings.YIWANG_PII_KEYS = "dev:" + "ff" * 16  # another key under the same id
    with pytest.raises(DecryptionError):
        sm4_decrypt(envelopes[0])
    crypto._sm4.cache_clear()
