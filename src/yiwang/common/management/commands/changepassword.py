"""`yiwang changepassword <user>`: an operator sets a user's password from the console.

Replaces django.contrib.auth's command of the same name, which saves the password directly and
leaves no audit event: yiwang.common comes first in INSTALLED_APPS so this one wins the name.
The password is set through `org.services.password_reset` (validated, audited, the user must
change it at the next sign-in, like any password an administrator sets).
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from yiwang.common.commands import YiwangCommand

MAX_TRIES = 3


class Command(YiwangCommand):
    help = "为用户设置新密码（经审计；该用户下次登录时须修改密码）。"
    requires_migrations_checks = True
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="要设置密码的用户名。")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="从标准输入读取新密码（一行），用于脚本；默认交互输入两次。",
        )

    def _prompt(self, text: str) -> str:
        value = getpass.getpass(text)
        if not value:
            raise CommandError("已取消：密码不能为空。")
        return value

    def handle(self, *args: Any, **options: Any) -> None:
        from yiwang.org import services
        from yiwang.org.models import User

        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"用户“{options['username']}”不存在。")
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("已取消：标准输入中没有密码。")
            self._set(services, user, password)
            return
        self.stdout.write(f"正在为用户“{user.get_username()}”设置密码。")
        for attempt in range(1, MAX_TRIES + 1):
            first = self._prompt("新密码：")
            if first != self._prompt("再次输入新密码："):
                self.stderr.write("两次输入的密码不一致。")
                continue
            try:
                self._set(services, user, first)
                return
            except CommandError as exc:
                if attempt == MAX_TRIES:
                    raise
                self.stderr.write(str(exc))
        raise CommandError(f"已尝试 {MAX_TRIES} 次，密码未修改。")

    def _set(self, services: Any, user: Any, password: str) -> None:
        try:
            services.password_reset(user=user, new_password=password, actor=None)
        except ValidationError as exc:
            raise CommandError("密码不符合要求：" + "".join(exc.messages)) from exc
        self.stdout.write(f"用户“{user.get_username()}”的密码已修改，下次登录时须修改密码。")
