"""The lock files (requirements/*.txt, ADR 0010) cover pyproject.toml: every declared dependency
is pinned, within its declared range, with hashes, and the two files agree on every version.
A dependency added to pyproject.toml without `make lock` fails here, not on a fresh machine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ROOT / "requirements" / "runtime.txt"
TEST = ROOT / "requirements" / "test.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s\\;]+)")


def pins(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of a requirements file written by uv."""
    out: dict[str, tuple[str, int]] = {}
    name = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            name = canonicalize_name(match.group(1))
            out[name] = (match.group(3), 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            version, hashes = out[name]
            out[name] = (version, hashes + 1)
    return out


def declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    # The lock is made for Linux and Python 3.11 (ADR 0010).
    env = {**default_environment(), "python_version": "3.11", "sys_platform": "linux"}
    out = []
    for text in names:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(env):
            out.append(requirement)
    return out


def check(requirements: list[Requirement], locked: dict[str, tuple[str, int]], file: str):
    problems = []
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement} is not in {file}: run `make lock`")
            continue
        version, _ = locked[name]
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{file} pins {name}=={version}, outside {requirement}")
    return problems


def test_every_runtime_dependency_is_locked_within_its_range():
    assert check(declared(), pins(RUNTIME), "requirements/runtime.txt") == []


def test_every_test_dependency_is_locked_within_its_range():
    locked = pins(TEST)
    assert check(declared() + declared("test"), locked, "requirements/test.txt") == []


def test_every_pin_has_hashes_and_the_two_files_agree():
    runtime, test = pins(RUNTIME), pins(TEST)
    assert runtime and test
    assert [name for name, (_, hashes) in {**runtime, **test}.items() if hashes == 0] == []
    disagree = {
        name: (version, test.get(name, ("missing", 0))[0])
        for name, (version, _) in runtime.items()
        if test.get(name, ("missing", 0))[0] != version
    }
    assert disagree == {}


def test_the_pin_reader_sees_a_missing_or_out_of_range_pin():
    # the check itself can fail: a dependency the lock lacks, and one pinned outside its range
    locked = {"django": ("5.1.4", 2)}
    problems = check([Requirement("Django>=5.2,<5.3"), Requirement("numpy>=1.26")], locked, "x")
    assert problems == [
        "x pins django==5.1.4, outside Django<5.3,>=5.2",
        "numpy>=1.26 is not in x: run `make lock`",
    ]


def test_make_and_ci_install_from_the_lock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-r requirements/runtime.txt" in makefile
    assert "-r requirements/test.txt" in makefile
    assert "--no-deps -e ." in makefile
    # no install step resolves pyproject.toml's ranges by itself
    assert not re.search(r"pip install[^\n]*-e '?\.(\[test\])?'?\s*$", makefile, re.M)
    assert re.search(r"^lock:", makefile, re.M)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make install-test" in ci
