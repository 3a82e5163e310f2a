"""var/ (DATA_DIR) is 0700 and the SQLite database with its -wal/-shm files 0600. Each case runs
in a fresh interpreter, because settings create DATA_DIR when they are imported."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from yiwang.common.sqlite import make_sqlite_files_private

# Connects, writes (so WAL mode has created -wal and -shm), and reports the modes while the
# connection is still open.
PROBE = """
import json, os, stat, django
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (x integer)")
    cursor.execute("INSERT INTO probe VALUES (1)")
name = settings.DATABASES["default"]["NAME"]
modes = {"dir": stat.S_IMODE(os.stat(settings.DATA_DIR).st_mode)}
for suffix in ("", "-wal", "-shm"):
    modes["db" + suffix] = stat.S_IMODE(os.stat(name + suffix).st_mode)
print(json.dumps(modes))
"""


def probe(data_dir: Path) -> dict[str, int]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("YIWANG_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(YIWANG_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="yiwang.settings")
    # the usual umask, so that nothing is private by accident
    result = subprocess.run(
        [sys.executable, "-c", f"import os; os.umask(0o022)\n{PROBE}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_new_data_dir_and_database_are_private(tmp_path):
    modes = probe(tmp_path / "new" / "var")
    assert modes == {"dir": 0o700, "db": 0o600, "db-wal": 0o600, "db-shm": 0o600}


def test_an_existing_open_data_dir_and_database_are_tightened(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    database = data_dir / "yiwang.sqlite3"
    database.touch()
    database.chmod(0o644)
    modes = probe(data_dir)
    assert modes == {"dir": 0o700, "db": 0o600, "db-wal": 0o600, "db-shm": 0o600}


class FakeConnection:
    def __init__(self, vendor: str, name: str) -> None:
        self.vendor = vendor
        self.settings_dict = {"NAME": name}


def test_receiver_leaves_other_databases_and_memory_alone(tmp_path):
    other = tmp_path / "other.db"
    other.touch()
    other.chmod(0o644)
    make_sqlite_files_private(None, FakeConnection("postgresql", str(other)))
    make_sqlite_files_private(None, FakeConnection("sqlite", ":memory:"))
    make_sqlite_files_private(None, FakeConnection("sqlite", str(tmp_path / "absent.db")))
    assert stat.S_IMODE(other.stat().st_mode) == 0o644
    make_sqlite_files_private(None, FakeConnection("sqlite", str(other)))
    assert stat.S_IMODE(other.stat().st_mode) == 0o600
