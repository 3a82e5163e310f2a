"""SM2 seals: the standard's example, interoperability with gmalg (pure Python, independent) both
ways, the encodings, tampering, and the private key's envelope."""

from __future__ import annotations

import gmalg
import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.common.crypto import sm3_hex, sm4_decrypt_bytes, sm4_encrypt_bytes
from yiwang.licenses import sealing
from yiwang.licenses.sealing import CURVE_ORDER, SealError, generate_key, key_id_for, sign, verify

UID = b"1234567812345678"
# GM/T 0003.5's signature example on the recommended curve (message "message digest").
EXAMPLE_PRIVATE = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
EXAMPLE_PUBLIC = sealing._EXAMPLE_PUBLIC
EXAMPLE_SIGNATURE = sealing._EXAMPLE_SIGNATURE


def gmalg_verify(data: bytes, public_key: str, signature: str, uid: bytes = UID) -> bool:
    raw = bytes.fromhex(signature)
    return gmalg.SM2(pk=bytes.fromhex(public_key), uid=uid).verify(data, raw[:32], raw[32:])


def gmalg_sign(data: bytes, private_key: str, public_key: str) -> str:
    signer = gmalg.SM2(sk=bytes.fromhex(private_key), uid=UID, pk=bytes.fromhex(public_key))
    r, s = signer.sign(data)
    # gmalg gives r and s in as few bytes as they need; r ‖ s is 32 bytes each, zero-padded.
    return (r.rjust(32, b"\0") + s.rjust(32, b"\0")).hex()


@pytest.fixture(scope="module")
def key():
    return generate_key()


def scalar_of(material) -> str:
    return sm4_decrypt_bytes(material.private_key_envelope).hex()


def test_standard_example_verifies_in_both_libraries():
    assert verify(b"message digest", public_key=EXAMPLE_PUBLIC, signature=EXAMPLE_SIGNATURE)
    assert gmalg_verify(b"message digest", EXAMPLE_PUBLIC, EXAMPLE_SIGNATURE)
    # The ID is part of what is signed: the same signature under another ID is refused.
    assert not gmalg_verify(
        b"message digest", EXAMPLE_PUBLIC, EXAMPLE_SIGNATURE, b"ALICE123@YAHOO.COM"
    )
    assert gmalg.SM2().generate_pk(bytes.fromhex(EXAMPLE_PRIVATE)).hex() == EXAMPLE_PUBLIC


def test_encodings(key):
    assert len(key.public_key) == 130 and key.public_key.startswith("04")
    assert key.key_id == sm3_hex(bytes.fromhex(key.public_key))[:16] == key_id_for(key.public_key)
    signature = sign(b"x", private_key_envelope=key.private_key_envelope, public_key=key.public_key)
    assert len(signature) == 128 and signature == signature.lower()
    r, s = int(signature[:64], 16), int(signature[64:], 16)
    assert 0 < r < CURVE_ORDER and 0 < s < CURVE_ORDER
    # Upper-case hex is the same key and signature.
    assert verify(b"x", public_key=key.public_key.upper(), signature=signature.upper())


def test_private_key_is_kept_only_in_its_envelope(key):
    assert key.private_key_envelope.startswith("sm4gcm:")
    scalar = scalar_of(key)
    assert len(scalar) == 64
    assert scalar not in key.private_key_envelope
    assert key.private_key_envelope not in repr(key) and scalar not in repr(key)
    # The scalar really is the private half of the public key.
    assert gmalg.SM2().generate_pk(bytes.fromhex(scalar)).hex() == key.public_key


def test_our_signature_verifies_in_gmalg(key):
    data = "电子证照 canonical bytes".encode()
    signature = sign(data, private_key_envelope=key.private_key_envelope, public_key=key.public_key)
    assert gmalg_verify(data, key.public_key, signature)
    assert not gmalg_verify(data + b".", key.public_key, signature)
    assert not gmalg_verify(data, key.public_key, signature, uid=b"1234567812345679")


def test_gmalg_signature_verifies_with_ours():
    private, public = gmalg.SM2().generate_keypair()
    data = "营业执照".encode()
    signature = gmalg_sign(data, private.hex(), public.hex())
    assert verify(data, public_key=public.hex(), signature=signature)
    assert not verify(data[:-1], public_key=public.hex(), signature=signature)


def test_gmalg_signature_with_our_stored_key_verifies_with_ours(key):
    # The same key pair on both sides: gmalg signs with the scalar from our envelope.
    data = b"\x00\x01 binary \xff"
    signature = gmalg_sign(data, scalar_of(key), key.public_key)
    assert verify(data, public_key=key.public_key, signature=signature)


@settings(max_examples=15, deadline=None)  # gmalg is pure Python: ~45 operations a second
@given(st.binary(max_size=300))
def test_interoperability_on_any_message(data):
    material = _shared_key()
    ours = sign(
        data, private_key_envelope=material.private_key_envelope, public_key=material.public_key
    )
    assert gmalg_verify(data, material.public_key, ours)
    theirs = gmalg_sign(data, scalar_of(material), material.public_key)
    assert verify(data, public_key=material.public_key, signature=theirs)


_SHARED: list = []


def _shared_key():
    if not _SHARED:
        _SHARED.append(generate_key())
    return _SHARED[0]


def test_short_r_and_s_are_zero_padded(key):
    # About one signature in 256 has r (or s) below 2^248; ours keeps 32 bytes for each.
    for n in range(5000):
        data = n.to_bytes(2, "big")
        signature = sign(
            data, private_key_envelope=key.private_key_envelope, public_key=key.public_key
        )
        if signature.startswith("00") or signature[64:66] == "00":
            break
    else:
        pytest.fail("no short r or s in 5,000 signatures")
    assert len(signature) == 128
    assert verify(data, public_key=key.public_key, signature=signature)
    assert gmalg_verify(data, key.public_key, signature)
    # The same value without its leading zero byte is not an r ‖ s signature.
    short = signature[2:] if signature.startswith("00") else signature[:64] + signature[66:]
    assert not verify(data, public_key=key.public_key, signature=short)


def test_tampering_is_refused(key):
    data = b"license bytes"
    signature = sign(data, private_key_envelope=key.private_key_envelope, public_key=key.public_key)
    assert verify(data, public_key=key.public_key, signature=signature)
    for i in range(len(data)):
        altered = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]
        assert not verify(altered, public_key=key.public_key, signature=signature)
    for i in (0, 63, 64, 127):  # first and last hex digit of r and of s
        digit = "1" if signature[i] != "1" else "2"
        altered_signature = signature[:i] + digit + signature[i + 1 :]
        assert not verify(data, public_key=key.public_key, signature=altered_signature)
    other = generate_key()
    assert not verify(data, public_key=other.public_key, signature=signature)


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "zz" * 64,
        "00" * 63,
        "00" * 65,
        "00" * 32 + "01" * 32,  # r = 0
        f"{CURVE_ORDER:064x}" + "01" * 32,  # r = n
        "01" * 32 + f"{CURVE_ORDER:064x}",  # s = n
        "30440220" + "11" * 60,  # DER-looking text, wrong length
    ],
)
def test_malformed_signatures_do_not_verify(key, signature):
    assert not verify(b"x", public_key=key.public_key, signature=signature)


def test_a_good_signature_with_a_trailing_newline_does_not_verify(key):
    # "$" would have matched before the newline, and bytes.fromhex skips it.
    signature = sign(b"x", private_key_envelope=key.private_key_envelope, public_key=key.public_key)
    assert verify(b"x", public_key=key.public_key, signature=signature)
    assert not verify(b"x", public_key=key.public_key, signature=signature + "\n")
    with pytest.raises(SealError):
        verify(b"x", public_key=key.public_key + "\n", signature=signature)


@pytest.mark.parametrize(
    "public_key",
    [
        "",
        "04" + "00" * 63,  # too short
        "02" + "11" * 32,  # compressed: not the registered form
        "04" + "01" * 64,  # not on the curve
        "05" + EXAMPLE_PUBLIC[2:],
    ],
)
def test_malformed_public_keys_are_refused(public_key):
    with pytest.raises(SealError):
        verify(b"x", public_key=public_key, signature=EXAMPLE_SIGNATURE)
    with pytest.raises(SealError):
        key_id_for(public_key)


def test_envelope_bound_to_its_public_key(key):
    other = generate_key()
    with pytest.raises(SealError, match="不匹配"):
        sign(b"x", private_key_envelope=other.private_key_envelope, public_key=key.public_key)


def test_altered_or_unusable_envelopes_are_refused(key, settings):
    envelope = key.private_key_envelope
    altered = envelope[:-6] + ("A" if envelope[-6] != "A" else "B") + envelope[-5:]
    with pytest.raises(SealError, match="无法解密"):
        sign(b"x", private_key_envelope=altered, public_key=key.public_key)
    # A scalar of the wrong size, or 0, is not a key.
    for scalar in (b"\x01" * 31, b"\x00" * 32, CURVE_ORDER.to_bytes(32, "big")):
        with pytest.raises(SealError, match="不是有效的"):
            sign(b"x", private_key_envelope=sm4_encrypt_bytes(scalar), public_key=key.public_key)
    # Under an SM4 key that is no longer configured.
    original = settings.YIWANG_PII_KEYS
    settings.YIWANG_PII_KEYS = original + ",k2099:" + "ab" * 16
    sealed_elsewhere = sm4_encrypt_bytes(bytes.fromhex(scalar_of(key)), key_id="k2099")
    settings.YIWANG_PII_KEYS = original
    with pytest.raises(SealError, match="无法解密"):
        sign(b"x", private_key_envelope=sealed_elsewhere, public_key=key.public_key)


def test_self_test_stops_sealing_when_the_library_disagrees(monkeypatch, key):
    sealing._self_test.cache_clear()
    monkeypatch.setattr(sealing, "_EXAMPLE_MESSAGE", b"message digesT")
    try:
        with pytest.raises(ImproperlyConfigured, match="自检失败"):
            sign(b"x", private_key_envelope=key.private_key_envelope, public_key=key.public_key)
        with pytest.raises(ImproperlyConfigured, match="自检失败"):
            verify(b"x", public_key=key.public_key, signature=EXAMPLE_SIGNATURE)
        with pytest.raises(ImproperlyConfigured):
            generate_key()
    finally:
        sealing._self_test.cache_clear()
