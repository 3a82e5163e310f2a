"""`yiwang apikey create --name NAME --scope open311|rating-device|license-gather [--window CODE]
[--department NAME_OR_ID]`: create an API key for an outside system and print it on the last line
(it is shown this once; only its digest is kept). A rating device's key needs `--window`, given as
`大厅名称/窗口号` (or just the 窗口号 when one hall alone has it); a licence-gathering key needs
`--department` (the department whose own licences the system sends).

`yiwang apikey list [--scope S] [--all]`: the keys (id, prefix, scope, window, created, last
used; `--all` includes revoked ones). `yiwang apikey revoke ID`: revoke a key at once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from yiwang.common.commands import YiwangCommand


def _sentence(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class Command(YiwangCommand):
    help = "接口密钥：为外部系统（Open311 客户端、窗口评价器）创建、列出、撤销接口密钥。"

    def add_arguments(self, parser: CommandParser) -> None:
        from yiwang.org.models import ApiKeyScope

        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = sub.add_parser("create", help="创建接口密钥，最后一行打印密钥（仅此一次）")
        create.add_argument("--name", required=True, help="名称，如使用方系统")
        # Checked by the service, so that a wrong scope is refused in a Chinese sentence.
        scopes = "、".join(ApiKeyScope.values)
        create.add_argument("--scope", required=True, help=f"用途：{scopes}")
        create.add_argument("--window", help="窗口（评价器必填）：大厅名称/窗口号")
        create.add_argument("--department", help="部门名称或编号（证照归集必填）")
        listing = sub.add_parser("list", help="列出接口密钥")
        listing.add_argument("--scope", help=f"只列此用途：{scopes}")
        listing.add_argument("--all", action="store_true", help="包括已撤销的密钥")
        revoke = sub.add_parser("revoke", help="撤销接口密钥")
        revoke.add_argument("id", type=int, help="密钥编号（见 list）")
        revoke.add_argument("--reason", default="", help="撤销原因")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"])(options)

    def _create(self, options: dict[str, Any]) -> None:
        from yiwang.org import selectors, services

        window = None
        if options.get("window"):
            window = selectors.window_by_code(options["window"])
            if window is None:
                raise CommandError(
                    f"窗口“{options['window']}”不存在或不唯一，请写作“大厅名称/窗口号”。",
                    returncode=2,
                )
        department = None
        if options.get("department"):
            department = selectors.department_by_name_or_id(options["department"])
            if department is None:
                raise CommandError(
                    f"部门“{options['department']}”不存在，请写部门全称或编号。", returncode=2
                )
        try:
            key, secret = services.api_key_create(
                name=options["name"], scope=options["scope"], window=window, department=department
            )
        except ValidationError as exc:
            raise CommandError(_sentence(exc), returncode=2) from None
        where = f"，窗口 {key.window}" if key.window else ""
        if key.department:
            where += f"，部门 {key.department}"
        self.stdout.write(f"已创建接口密钥 {key.pk}（{key.name}，用途 {key.scope}{where}）。")
        self.stdout.write("密钥只显示这一次，请妥善保存：")
        self.stdout.write(secret)

    def _list(self, options: dict[str, Any]) -> None:
        from django.utils import timezone

        from yiwang.org import selectors

        keys = selectors.api_key_list(scope=options.get("scope"), include_revoked=options["all"])
        count = 0
        for key in keys:
            count += 1
            used = (
                f"{timezone.localtime(key.last_used_at):%Y-%m-%d %H:%M}"
                if key.last_used_at
                else "从未使用"
            )
            revoked = (
                f"\t已撤销 {timezone.localtime(key.revoked_at):%Y-%m-%d %H:%M}"
                if key.revoked_at
                else ""
            )
            self.stdout.write(
                f"{key.pk}\t{key.prefix}…\t{key.scope}\t{key.name}\t"
                f"{key.window or key.department or '-'}\t"
                f"创建 {timezone.localtime(key.created_at):%Y-%m-%d %H:%M}\t最近使用 {used}"
                f"{revoked}"
            )
        if not count:
            self.stdout.write("没有接口密钥。")

    def _revoke(self, options: dict[str, Any]) -> None:
        from yiwang.org import services
        from yiwang.org.models import ApiKey

        key = ApiKey.objects.filter(pk=options["id"]).first()
        if key is None:
            raise CommandError(f"没有编号为 {options['id']} 的接口密钥。", returncode=2)
        try:
            services.api_key_revoke(key=key, reason=options["reason"])
        except ValidationError as exc:
            raise CommandError(_sentence(exc), returncode=2) from None
        self.stdout.write(f"已撤销接口密钥 {key.pk}（{key.name}）。")
