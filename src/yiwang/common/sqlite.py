"""The SQLite database file and its -wal/-shm companions are private to the service user."""

from __future__ import annotations

import os
from typing import Any

PRIVATE_FILE_MODE = 0o600


def make_sqlite_files_private(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: chmod 0600 the database file and its WAL files. sqlite
    creates the file on first connect with 0644 less the umask, and later -wal/-shm files take
    the database file's mode, so one chmod keeps them all private."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for path in (name, f"{name}-wal", f"{name}-shm"):
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            continue
        if mode & 0o077:
            os.chmod(path, PRIVATE_FILE_MODE)
