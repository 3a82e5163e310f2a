"""`yiwang changepassword` is the platform's audited command, not django.contrib.auth's."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from tests import factories as f
from yiwang.audit.models import AuditEvent
from yiwang.org.models import User

NEW_PASSWORD = "Another-pass-2026"


def test_the_command_name_resolves_to_yiwang():
    assert get_commands()["changepassword"] == "yiwang.common"


@pytest.fixture
def clerk(db):
    return f.staff(f.department(), ["window_clerk"], username="clerk")


def test_sets_the_password_through_the_audited_service(clerk, monkeypatch):
    answers = iter([NEW_PASSWORD, NEW_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    out = io.StringIO()
    call_command("changepassword", "clerk", stdout=out)
    user = User.objects.get(pk=clerk.user_id)
    assert user.check_password(NEW_PASSWORD)
    assert user.must_change_password
    [event] = AuditEvent.objects.filter(action="org.password_reset", object_id=str(user.pk))
    assert event.actor_id is None and event.actor_label == "system"
    assert "下次登录时须修改密码" in out.getvalue()


def test_a_weak_password_is_refused_in_one_sentence(clerk, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError, match="密码不符合要求"):
        call_command("changepassword", "clerk", "--password-stdin")
    assert User.objects.get(pk=clerk.user_id).check_password(f.PASSWORD)
    assert not AuditEvent.objects.filter(action="org.password_reset").exists()


def test_unknown_user(db):
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        call_command("changepassword", "nobody", "--password-stdin")


def test_the_console_script_dispatches_to_it():
    """The real `yiwang` entry point, as an operator runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "yiwang", "changepassword", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "经审计" in result.stdout and "--password-stdin" in result.stdout
