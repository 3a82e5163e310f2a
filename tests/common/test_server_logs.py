"""A realistic session against the real production server (`yiwang serve`: gunicorn, its worker
processes, Django), and then every line it logged is searched for a clear resident-ID or mobile
number. Runs in the default suite (CI included): it needs nothing beyond the test install.

The server gets its own data directory and SQLite database whatever DATABASE_URL the suite runs
with: what is under test is what the server logs, not the database.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.pii_scan import clear_personal_numbers
from yiwang.common.validators import id_number_with_check

YIWANG = str(Path(sys.executable).with_name("yiwang"))
PASSWORD = "Test-pass-2026"
STAFF_PHONE = "13700001111"  # a staff user name that is a mobile number
CITIZEN_PHONE = "13812345678"
ID_NUMBER = id_number_with_check("34119919850315042")
OTHER_ID = id_number_with_check("34119919900101077")
UNKNOWN_ID = id_number_with_check("11010119900307777")

SEED = f"""
from tests import factories as f
from yiwang.org import services
bureau = f.department("县数据资源管理局", is_bureau=True)
f.staff(bureau, ["bureau_admin"], username="admin1")
f.staff(bureau, ["window_clerk"], username="{STAFF_PHONE}")
services.applicant_register(kind="person", name="张三", phone="{CITIZEN_PHONE}",
                            id_number="{ID_NUMBER}", password="{PASSWORD}")
services.applicant_register(kind="person", name="李四", phone="13912345670",
                            id_number="{OTHER_ID}")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fake_static_manifest(static_root: Path) -> None:
    """A manifest naming every static file as itself, so pages render without the minutes a
    full collectstatic takes; the assets themselves do not matter to what is logged."""
    from django.contrib.staticfiles import finders

    paths: dict[str, str] = {}
    for finder in finders.get_finders():
        for path, _storage in finder.list(["CVS", ".*", "*~"]):
            paths.setdefault(path.replace(os.sep, "/"), path.replace(os.sep, "/"))
    static_root.mkdir(parents=True, exist_ok=True)
    manifest = {"paths": paths, "version": "1.1", "hash": "test"}
    (static_root / "staticfiles.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture
def server(tmp_path):  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    root = str(Path(__file__).resolve().parents[2])
    env.update(
        YIWANG_DATA_DIR=str(data),
        YIWANG_LOG_LEVEL="DEBUG",
        PYTHONPATH=os.pathsep.join([root, env.get("PYTHONPATH", "")]),
        PYTHONUNBUFFERED="1",
    )
    logs = tmp_path / "logs"
    logs.mkdir()

    def run(*args: str) -> None:
        out = subprocess.run(
            [YIWANG, *args], env=env, cwd=root, capture_output=True, text=True, timeout=300
        )
        # Setup commands log too: their output is part of what is scanned.
        with (logs / "setup.log").open("a", encoding="utf-8") as f:
            f.write(out.stdout + out.stderr)
        assert out.returncode == 0, out.stderr[-3000:]

    run("migrate", "-v0")
    run("shell", "-c", SEED)
    _fake_static_manifest(data / "static")
    port = _free_port()
    stdout = (logs / "server.out").open("w", encoding="utf-8")
    stderr = (logs / "server.err").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [YIWANG, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-collectstatic"],
        env=env,
        cwd=root,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, (logs / "server.err").read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the server did not answer within 90 s"
            time.sleep(0.3)
        yield base, logs
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stdout.close()
        stderr.close()


def _csrf(session: requests.Session, base: str, path: str) -> str:
    page = session.get(base + path, timeout=10)
    assert page.status_code == 200, page.status_code
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _sign_in(session: requests.Session, base: str, path: str, **fields: str):  # type: ignore[no-untyped-def]
    token = _csrf(session, base, path)
    return session.post(
        base + path,
        data={"csrfmiddlewaretoken": token, **fields},
        headers={"Referer": base + path},
        timeout=30,
        allow_redirects=False,
    )


def test_a_realistic_session_logs_no_clear_id_or_mobile_number(server):
    base, logs = server
    staff = requests.Session()

    # Bookmarked old-style lookup while signed out: redirected with the ID inside `next=`.
    old = staff.get(
        f"{base}/accounts/applicants/",
        params={"id_number": ID_NUMBER},
        timeout=10,
        allow_redirects=False,
    )
    assert old.status_code == 302 and "next=" in old.headers["Location"]
    staff.get(base + old.headers["Location"], timeout=10)

    # Staff: a failed sign-in with a phone-number user name, then a good one.
    failed = _sign_in(staff, base, "/accounts/sign-in/", username=STAFF_PHONE, password="wrong")
    assert failed.status_code == 200
    signed_in = _sign_in(staff, base, "/accounts/sign-in/", username="admin1", password=PASSWORD)
    assert signed_in.status_code == 302

    # Lookup by ID: the API (POST) and the page form (POST).
    csrf = staff.cookies["csrftoken"]
    api_headers = {"X-CSRFToken": csrf, "Referer": base + "/"}
    found = staff.post(
        f"{base}/api/org/applicants/lookup/",
        json={"id_number": ID_NUMBER},
        headers=api_headers,
        timeout=10,
    )
    assert found.status_code == 200 and found.json()["name"] == "张三"
    missing = staff.post(
        f"{base}/api/org/applicants/lookup/",
        json={"id_number": UNKNOWN_ID},
        headers=api_headers,
        timeout=10,
    )
    assert missing.status_code == 404
    page = staff.post(
        f"{base}/accounts/applicants/",
        data={"csrfmiddlewaretoken": csrf, "id_number": OTHER_ID},
        headers={"Referer": base + "/accounts/applicants/"},
        timeout=10,
    )
    assert page.status_code == 200 and "李四" in page.text
    # The old GET filter, the search with a phone number, a 404 with an ID in the path.
    refused = staff.get(f"{base}/api/org/applicants/", params={"id_number": ID_NUMBER}, timeout=10)
    assert refused.status_code == 400
    search = staff.get(f"{base}/api/catalog/search/", params={"q": CITIZEN_PHONE}, timeout=10)
    assert search.status_code == 200
    staff.get(f"{base}/api/catalog/search/?q=138%201234%205678", timeout=10)
    assert staff.get(f"{base}/guide/item/{ID_NUMBER}/", timeout=10).status_code == 404
    assert staff.get(f"{base}/api/org/applicants/{ID_NUMBER}/", timeout=10).status_code == 404

    # Citizen: wrong password, then the right one, with the mobile number.
    citizen = requests.Session()
    wrong = _sign_in(
        citizen, base, "/accounts/citizen/sign-in/", mobile=CITIZEN_PHONE, password="wrong"
    )
    assert wrong.status_code == 200
    ok = _sign_in(
        citizen, base, "/accounts/citizen/sign-in/", mobile=CITIZEN_PHONE, password=PASSWORD
    )
    assert ok.status_code == 302

    time.sleep(0.5)  # let the access log flush
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(logs.iterdir()))
    # The access log and Django's logs really were captured (else the scan proves nothing).
    assert "/api/catalog/search/?q=138****5678" in text
    assert "/guide/item/3411**********" in text
    assert "Not Found" in text
    leaks = [line for line in text.splitlines() if clear_personal_numbers(line)]
    assert leaks == []
