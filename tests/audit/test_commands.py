"""`yiwang audit verify` / `yiwang audit head`, through call_command and as a real process."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yiwang.audit.models import AuditChainHead

YIWANG = str(Path(sys.executable).with_name("yiwang"))


def test_verify_reports_the_count_of_an_intact_chain(chain, capsys):
    chain(3)
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == "已验证 3 条审计事件，链完整。"


def test_verify_of_an_empty_chain(db, capsys):
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == "已验证 0 条审计事件，链完整。"


def test_verify_fails_on_an_edited_row(chain, raw):
    chain(4)
    raw.set_column(2, "action", "test.other")
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify")
    assert caught.value.returncode == 1
    assert str(caught.value) == "审计链不完整：第 2 条审计事件的内容与其哈希不符（记录被修改）。"


def test_verify_fails_on_a_deleted_row(chain, raw):
    chain(4)
    raw.delete(3)
    with pytest.raises(CommandError, match="第 3 条审计事件缺失") as caught:
        call_command("audit", "verify")
    assert caught.value.returncode == 1


def test_verify_fails_on_an_inserted_row(chain, raw):
    chain(4)
    raw.copy(source=4, sequence=5)
    raw.forge_link(5, raw.hash_of(4))
    with pytest.raises(CommandError, match="第 5 条审计事件不在链头记录之内") as caught:
        call_command("audit", "verify")
    assert caught.value.returncode == 1


def test_progress_bar_goes_to_stderr(chain, capsys):
    chain(3)
    call_command("audit", "verify", "--progress")
    captured = capsys.readouterr()
    assert "验证审计链" in captured.err
    assert "验证审计链" not in captured.out
    call_command("audit", "verify")  # small chain: no bar by default
    assert "验证审计链" not in capsys.readouterr().err


def test_head_prints_the_anchor(chain, capsys):
    events = chain(2)
    call_command("audit", "head")
    assert capsys.readouterr().out.strip() == f"2:{events[-1].hash}"


def test_head_of_an_empty_chain(db, capsys):
    call_command("audit", "head")
    assert capsys.readouterr().out.strip() == "审计链为空。"


def test_anchor_detects_a_chain_rewritten_from_scratch(chain, raw, capsys):
    events = chain(3)
    anchor = f"2:{events[1].hash}"
    call_command("audit", "verify", f"--anchor={anchor}")
    assert "链完整" in capsys.readouterr().out
    # A forger with database access edits event 2 and recomputes every hash after it, head
    # included: the chain alone now verifies, the anchor kept outside does not.
    raw.set_column(2, "reason", "改写")
    previous = raw.forge_link(2, events[0].hash)
    last = raw.forge_link(3, previous)
    AuditChainHead.objects.update(last_hash=last)
    call_command("audit", "verify")
    with pytest.raises(CommandError, match="与库外留存的锚点不符") as caught:
        call_command("audit", "verify", f"--anchor={anchor}")
    assert caught.value.returncode == 1


def test_anchor_beyond_the_chain_and_malformed_anchor(chain):
    chain(1)
    with pytest.raises(CommandError, match="锚点第 9 条审计事件不存在"):
        call_command("audit", "verify", "--anchor=9:" + "a" * 64)
    with pytest.raises(CommandError, match="锚点格式") as caught:
        call_command("audit", "verify", "--anchor=abc")
    assert caught.value.returncode == 2


# --- as a process, against its own SQLite database -----------------------------------------


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("audit-cli-template")
    run = _yiwang(data, "migrate", "-v0")
    assert run.returncode == 0, run.stderr
    return data / "yiwang.sqlite3"


def _yiwang(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["YIWANG_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [YIWANG, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def data_dir(migrated, tmp_path) -> Path:
    shutil.copy(migrated, tmp_path / "yiwang.sqlite3")
    return tmp_path


APPEND = """
from yiwang.audit.services import audit_change
from yiwang.org.models import Region
region = Region.objects.create(code="341199100000", name="甲镇", level=4)
for i in range(3):
    audit_change(action="cli.test", obj=region, before={"n": i}, after={"n": i + 1})
"""


def test_process_exit_codes(data_dir):
    assert _yiwang(data_dir, "shell", "-c", APPEND).returncode == 0
    ok = _yiwang(data_dir, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "已验证 3 条审计事件，链完整。"

    with sqlite3.connect(data_dir / "yiwang.sqlite3") as db:
        db.execute("UPDATE audit_auditevent SET action = 'cli.forged' WHERE sequence = 2")
    bad = _yiwang(data_dir, "audit", "verify")
    assert bad.returncode == 1
    assert bad.stderr.strip() == "审计链不完整：第 2 条审计事件的内容与其哈希不符（记录被修改）。"
    assert "Traceback" not in bad.stderr


def test_process_on_an_unmigrated_database(tmp_path):
    run = _yiwang(tmp_path, "audit", "verify")
    assert run.returncode == 2
    assert "yiwang migrate" in run.stderr
    assert "Traceback" not in run.stderr
