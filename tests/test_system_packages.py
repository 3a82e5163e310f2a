"""scripts/ensure-system-packages: `make test` installs the Debian packages the tests need as
root, and stops with one line naming them otherwise. dpkg-query, id and apt-get are replaced
by stubs on PATH, so nothing is installed and the answers are ours."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "ensure-system-packages"
LIST = ROOT / "scripts" / "system-packages"


def listed_packages() -> list[str]:
    names = []
    for line in LIST.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            names.append(word)
    return names


def stub(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)


def run(tmp_path: Path, *, installed: set[str], uid: int, args: tuple[str, ...] = ()):
    """Run the script with dpkg-query answering `installed` for exactly those packages."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    apt_log = tmp_path / "apt.log"
    cases = " ".join(f'"{name}") echo installed ;;' for name in installed)
    # dpkg-query -W -f=FORMAT PACKAGE: the package name is the last argument.
    stub(
        bin_dir,
        "dpkg-query",
        'for last; do :; done\ncase "$last" in ' + cases + " *) exit 1 ;; esac",
    )
    stub(bin_dir, "id", f"echo {uid}")
    stub(bin_dir, "apt-get", f'echo "$*" >> {apt_log}')
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    result = subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=30
    )
    calls = apt_log.read_text().splitlines() if apt_log.exists() else []
    return result, calls


def test_the_list_names_what_the_tests_need():
    assert {"poppler-utils", "chromium", "fonts-noto-cjk", "redis-server", "gettext"} <= set(
        listed_packages()
    )


def test_nothing_missing_is_silent_and_installs_nothing(tmp_path):
    result, calls = run(tmp_path, installed=set(listed_packages()), uid=1000)
    assert result.returncode == 0
    assert result.stdout == result.stderr == ""
    assert calls == []


def test_as_root_installs_only_the_missing_packages(tmp_path):
    have = set(listed_packages()) - {"poppler-utils"}
    result, calls = run(tmp_path, installed=have, uid=0, args=("postgresql",))
    assert result.returncode == 0, result.stderr
    assert calls == ["update -qq", "install -y -qq poppler-utils postgresql"]


def test_not_root_stops_with_one_line_naming_the_packages(tmp_path):
    have = set(listed_packages()) - {"poppler-utils", "chromium"}
    result, calls = run(tmp_path, installed=have, uid=1000)
    assert result.returncode == 1
    assert calls == []
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("缺少系统软件包：poppler-utils chromium；")
    assert "apt-get install -y poppler-utils chromium" in lines[0]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to nobody")
def test_as_nobody_with_the_real_dpkg(tmp_path):
    """No stubs: the real dpkg-query does not know the package, and nobody may not install."""
    drop_to_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    result = subprocess.run(
        [*drop_to_nobody, str(SCRIPT), "yiwang-no-such-package"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "缺少系统软件包：" in result.stderr
    assert "yiwang-no-such-package" in result.stderr


def test_make_test_and_ci_use_the_script():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test:.*\bsystem-packages\b", makefile, re.M)
    assert "scripts/ensure-system-packages" in makefile
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/ensure-system-packages postgresql" in ci
    # one list: no package names repeated in CI
    assert "poppler-utils" not in ci
