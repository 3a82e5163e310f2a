"""Sealing and verifying throughput through our services vs raw SM2 calls of the same library
(tongsuopy), in the same run. Target: service / raw ≥ 0.8 for both.

- seal (service): `licenses.services.license_seal` on an unsaved licence — the issuer's current
  key read from the database, the canonical bytes (RFC 8785) built and checked, the SM2-SM3
  signature (the key from the SM4 envelope, loaded once per process as in production).
- seal (raw): `private_key.sign(canonical, ECDSA(SM3()))` on a loaded tongsuopy SM2 key.
- verify (service): `licenses.verification.verify_document` on a licence file — canonical bytes
  recomputed and compared, the signature checked, the issuer's registered key and the licence
  read from the database, the status; the whole rule behind the page, API and command.
- verify (record): `verification.verify_record` — the page's and API's check by identifier.
- verify (raw): `public_key.verify(der_signature, canonical, ECDSA(SM3()))` on a loaded key.

The database is a throw-away SQLite file (or DATABASE_URL if set). Each measure runs for
--seconds, interleaved with the others round by round, so a busy machine slows all alike.

    .venv/bin/python bench/seal.py [--seconds 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
_TMP = tempfile.TemporaryDirectory(prefix="yiwang-bench-seal-")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{_TMP.name}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402
from tests import factories  # noqa: E402
from tests.licenses.conftest import FIELDS, issue  # noqa: E402
from tongsuopy.crypto import hashes as ts_hashes  # noqa: E402
from tongsuopy.crypto.asymciphers import ec  # noqa: E402

from yiwang.licenses import files, sealing, services, verification  # noqa: E402
from yiwang.licenses.models import License  # noqa: E402


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of `fn` over about `seconds`."""
    n, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(20):
            fn()
        n += 20
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measure and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    issuer = factories.department("示范县市场监督管理局")
    key = services.seal_key_rotate(department=issuer)
    license_type = services.license_type_create(
        code=factories.uscc() + "001",
        name="食品经营许可证",
        department=issuer,
        national=True,
        fields=FIELDS,
    )
    licence = License.objects.select_related("license_type", "issuer", "seal_key").get(
        pk=issue(license_type).pk
    )
    document = files.license_file(licence)
    content = files.sealed_content(licence)
    data = bytes(licence.canonical)

    # Raw tongsuopy: the same curve, scheme and bytes, keys already loaded.
    scheme = ec.ECDSA(ts_hashes.SM3())
    private = sealing._load_private(key.private_key, key.public_key)
    public = private.public_key()
    raw_sig = bytes.fromhex(licence.signature)
    der = encode_dss_signature(int.from_bytes(raw_sig[:32]), int.from_bytes(raw_sig[32:]))
    public.verify(der, data, scheme)  # the stored signature verifies raw too

    unsaved = License(
        license_type=license_type,
        issuer=issuer,
        serial=licence.serial,
        version=2,
        holder_kind=licence.holder_kind,
        holder_name=licence.holder_name,
        fields=licence.fields,
        valid_from=licence.valid_from,
    )
    assert verification.verify_document(document).valid
    assert verification.verify_record(licence).valid

    measures: dict[str, Callable[[], object]] = {
        "seal_service": lambda: services.license_seal(license=unsaved, content=content),
        "seal_raw": lambda: private.sign(data, scheme),
        "verify_service": lambda: verification.verify_document(document),
        "verify_record": lambda: verification.verify_record(licence),
        "verify_raw": lambda: public.verify(der, data, scheme),
    }
    results: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(args.rounds):
        for name, fn in measures.items():
            results[name].append(rate(fn, args.seconds))
    best = {name: max(values) for name, values in results.items()}

    print(
        f"database: {django.db.connection.vendor}; cpus: {os.cpu_count()}; "
        f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"canonical bytes: {len(data)}; rounds: {args.rounds} × {args.seconds:g} s; best round")
    for name, value in best.items():
        print(f"  {name:<15} {value:9.0f} /s   ({1e6 / value:7.1f} µs each)")
    ok = True
    for service, raw in (
        ("seal_service", "seal_raw"),
        ("verify_service", "verify_raw"),
        ("verify_record", "verify_raw"),
    ):
        ratio = best[service] / best[raw]
        ok &= ratio >= 0.8
        print(f"  ratio {service} / {raw}: {ratio:.2f} (target ≥ 0.8)")
    print("target met" if ok else "target NOT met")


if __name__ == "__main__":
    main()
