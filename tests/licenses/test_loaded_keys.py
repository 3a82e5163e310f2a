"""The private keys a process keeps loaded for sealing (licenses.sealing._LoadedKeys): unsealed
once, never used once the stored row says otherwise, dropped on rotation and re-encryption,
never shown."""

from __future__ import annotations

import logging

import pytest

from tests.licenses.conftest import issue
from yiwang.common.crypto import sm4_decrypt_bytes, sm4_encrypt_bytes
from yiwang.licenses import sealing, services, verification
from yiwang.licenses.models import SealKey


@pytest.fixture
def unsealed(monkeypatch):
    """The key ids unsealed (SM4 envelope decrypted, key derived), in order."""
    calls: list[str] = []
    real = sealing._unseal

    def counting(envelope, public_key):  # type: ignore[no-untyped-def]
        calls.append(sealing.key_id_for(public_key))
        return real(envelope, public_key)

    monkeypatch.setattr(sealing, "_unseal", counting)
    sealing.forget_private_keys()
    yield calls
    sealing.forget_private_keys()


def current(department):  # type: ignore[no-untyped-def]
    return SealKey.objects.get(department=department, retired_at=None)


def test_a_key_is_unsealed_once_per_process(license_type, issuer, unsealed):
    issue(license_type)
    issue(license_type)
    issue(license_type)
    assert unsealed == [current(issuer).key_id]


def test_rotation_drops_the_retired_key_and_seals_with_the_next(license_type, issuer, unsealed):
    old = current(issuer)
    first = issue(license_type)
    assert old.key_id in sealing._LOADED
    new = services.seal_key_rotate(department=issuer)
    assert old.key_id not in sealing._LOADED  # its private half is gone from memory too
    later = issue(license_type)
    assert (first.seal_key_id, later.seal_key_id) == (old.pk, new.pk)
    assert unsealed == [old.key_id, new.key_id]
    assert sealing.verify(
        bytes(later.canonical), public_key=new.public_key, signature=later.signature
    )
    assert verification.verify_record(first).valid  # the old licence still verifies


def test_reencryption_drops_the_loaded_key(license_type, issuer, unsealed, settings):
    issue(license_type)
    settings.YIWANG_PII_KEYS = "k2099:" + "ab" * 16 + "," + settings.YIWANG_PII_KEYS
    settings.YIWANG_PII_KEY_ID = "k2099"
    assert services.seal_keys_reencrypt() == 1
    key = current(issuer)
    assert key.key_id not in sealing._LOADED
    issue(license_type)
    assert unsealed == [key.key_id, key.key_id]  # unsealed again, from the new envelope


def test_a_row_changed_by_another_process_is_never_signed_from_memory(
    license_type, issuer, unsealed, settings
):
    key = current(issuer)
    issue(license_type)
    # Another worker re-encrypts the envelope: this process's loaded key no longer matches the
    # row it reads, so it unseals the row's envelope again.
    settings.YIWANG_PII_KEYS = "k2099:" + "ab" * 16 + "," + settings.YIWANG_PII_KEYS
    settings.YIWANG_PII_KEY_ID = "k2099"
    scalar = sm4_decrypt_bytes(key.private_key)
    SealKey.objects.filter(pk=key.pk).update(private_key=sm4_encrypt_bytes(scalar))
    issue(license_type)
    assert unsealed == [key.key_id, key.key_id]
    # An envelope that cannot be opened stops sealing, whatever is loaded.
    SealKey.objects.filter(pk=key.pk).update(private_key="not an envelope")
    with pytest.raises(sealing.SealError):
        issue(license_type)


def test_loaded_keys_are_never_shown(license_type, issuer, unsealed, caplog):
    caplog.set_level(logging.DEBUG)
    key = current(issuer)
    issue(license_type)
    scalar = sm4_decrypt_bytes(key.private_key).hex()
    shown = repr(sealing._LOADED) + str(sealing._LOADED)
    assert shown == "<loaded seal keys: 1>" * 2
    assert scalar not in caplog.text and key.private_key not in caplog.text


def test_the_least_recently_used_key_goes_first(license_type, issuer, unsealed):
    loaded = sealing._LoadedKeys(size=2)
    pairs = [sealing.generate_key() for _ in range(3)]
    for pair in pairs:
        loaded.get(pair.key_id, pair.private_key_envelope, pair.public_key)
    assert [p.key_id in loaded for p in pairs] == [False, True, True]
    assert len(loaded) == 2


def test_remembered_key_ids_never_let_a_forged_or_retired_key_pass(license_type, issuer):
    """What verification remembers per process (a public key's id, its parsed point) are pure
    functions of the key's text: trust and status are still read from the registry per call."""
    from yiwang.licenses import files
    from yiwang.licenses.canonical import canonical_bytes

    first = issue(license_type)
    genuine = files.license_file(first)
    assert verification.verify_document(genuine).valid  # warms the caches
    forged_key = sealing.generate_key()
    forged = {**genuine, "seal": dict(genuine["seal"])}
    data = canonical_bytes(genuine["license"])
    forged["seal"].update(
        key_id=forged_key.key_id,
        public_key=forged_key.public_key,
        signature=sealing.sign(
            data,
            private_key_envelope=forged_key.private_key_envelope,
            public_key=forged_key.public_key,
        ),
    )
    for _ in range(2):  # cold, then with its key id remembered
        assert verification.verify_document(forged).word == verification.UNTRUSTED
    mislabelled = {**genuine, "seal": {**genuine["seal"], "key_id": forged_key.key_id}}
    assert verification.verify_document(mislabelled).word == verification.ALTERED
    services.seal_key_rotate(department=issuer)
    assert verification.verify_document(genuine).valid  # the retired key still verifies
    later = issue(license_type)
    assert later.seal_key_id != first.seal_key_id
    assert verification.verify_document(files.license_file(later)).valid
    services.license_revoke(license=first, reason="测试撤销")
    assert verification.verify_document(genuine).word == verification.REVOKED  # read per call


def test_remembered_normal_form_of_a_public_key_refuses_every_time(db, unsealed):
    """normalise_public_key is remembered for keys that pass; a malformed key or a point off
    the curve is refused on every call, and an upper-case key signs as its lower-case self."""
    pair = sealing.generate_key()
    upper = pair.public_key.upper()
    assert sealing.normalise_public_key(upper) == pair.public_key
    assert sealing.normalise_public_key(upper) is sealing.normalise_public_key(upper)
    signature = sealing.sign(b"x", private_key_envelope=pair.private_key_envelope, public_key=upper)
    assert sealing.verify(b"x", public_key=pair.public_key, signature=signature)
    assert unsealed == [pair.key_id]  # one loaded key, whichever case the row's text has
    off_curve = "04" + "00" * 64
    for _ in range(2):
        with pytest.raises(sealing.SealError):
            sealing.normalise_public_key(off_curve)
        with pytest.raises(sealing.SealError):
            sealing.normalise_public_key(pair.public_key + "\n")
        with pytest.raises(sealing.SealError):
            sealing.sign(b"x", private_key_envelope=pair.private_key_envelope, public_key=off_curve)
