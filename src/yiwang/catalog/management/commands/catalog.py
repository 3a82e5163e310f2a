"""`yiwang catalog import|export|template`: the service-item catalogue in files.

import FILE [FILE …]   xlsx or CSV (items and bundles, docs/catalog-import.md), all or nothing;
                       exit 1 when rows are invalid (one sentence per problem on stderr),
                       2 when a file cannot be read.
export [--department NAME] FILE   the catalogue (or one department's part) as xlsx.
template FILE          the import template (xlsx).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError
from tqdm import tqdm

from yiwang.common.commands import YiwangCommand

INVALID_ROWS = 1
UNREADABLE = 2


class Command(YiwangCommand):
    help = "事项目录的导入、导出和导入模板。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{import,export,template}"
        )
        imp = sub.add_parser("import", help="从 xlsx 或 CSV 导入事项和一件事（有错则全部不导入）")
        imp.add_argument("files", nargs="+", metavar="FILE", help="xlsx 或 CSV 文件")
        imp.add_argument(
            "--publish", action="store_true", help="导入后直接提交、审核并发布（默认存为草稿）"
        )
        imp.add_argument("--user", help="以该工作人员的身份和数据范围导入（默认为系统）")
        imp.add_argument("--check", action="store_true", help="只检查，不写入")
        imp.add_argument("--quiet", action="store_true", help="不显示进度条")
        exp = sub.add_parser("export", help="导出事项目录为 xlsx")
        exp.add_argument("file", metavar="FILE", help="输出的 xlsx 文件")
        exp.add_argument("--department", help="只导出该部门（部门全称）的事项")
        exp.add_argument("--user", help="只导出该工作人员数据范围内的事项")
        tpl = sub.add_parser("template", help="生成导入模板 xlsx")
        tpl.add_argument("file", metavar="FILE", help="输出的 xlsx 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            {"import": self._import, "export": self._export, "template": self._template}[
                options["action"]
            ](options)
        except DatabaseError as exc:
            raise CommandError(
                f"数据库不可用或尚未迁移，请先运行 yiwang migrate（{exc}）。", returncode=1
            ) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc), returncode=1) from None

    def _user(self, username: str | None) -> Any:
        if not username:
            return None
        from yiwang.org.selectors import user_by_username

        user = user_by_username(username)
        if user is None:
            raise CommandError(f"找不到用户“{username}”。", returncode=UNREADABLE)
        return user

    def _import(self, options: dict[str, Any]) -> None:
        from yiwang.catalog.transfer.importing import catalog_import
        from yiwang.catalog.transfer.report import ImportFileError

        files = []
        for name in options["files"]:
            path = Path(name)
            try:
                files.append((path.name, path.read_bytes()))
            except OSError as exc:
                raise CommandError(
                    f"无法读取文件“{name}”（{exc.strerror}）。", returncode=UNREADABLE
                ) from None
        user = self._user(options["user"])
        bar = tqdm(desc="导入", unit="项", disable=options["quiet"], file=sys.stderr, leave=False)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)  # redraws at most every tenth of a second

        phase = [""]

        def checking(done: int, total: int) -> None:
            if phase[0] != "检查":
                phase[0] = "检查"
                bar.set_description("检查（行）", refresh=False)
            progress(done, total)

        def writing(total: int) -> None:
            bar.set_description("写入（项）", refresh=False)
            bar.reset(total=total)

        try:
            result = catalog_import(
                files=files,
                actor=user,
                publish=options["publish"],
                dry_run=options["check"],
                progress=progress,
                checking=checking,
                writing=writing,
            )
        except ImportFileError as exc:
            raise CommandError("；".join(exc.messages), returncode=UNREADABLE) from None
        finally:
            bar.close()
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{error}")
            raise CommandError(
                f"文件有 {len(result.errors)} 处错误，未导入任何数据。", returncode=INVALID_ROWS
            )
        self.stdout.write(result.summary)

    def _export(self, options: dict[str, Any]) -> None:
        from yiwang.catalog.transfer.export import catalog_export
        from yiwang.org.models import Department

        department = None
        if options["department"]:
            department = Department.objects.filter(name=options["department"]).first()
            if department is None:
                raise CommandError(f"部门“{options['department']}”不存在。", returncode=UNREADABLE)
        data = catalog_export(user=self._user(options["user"]), department=department)
        self._write(options["file"], data)
        self.stdout.write(f"已导出到 {options['file']}。")

    def _template(self, options: dict[str, Any]) -> None:
        from yiwang.catalog.transfer.template import import_template

        self._write(options["file"], import_template())
        self.stdout.write(f"导入模板已保存到 {options['file']}。")

    def _write(self, name: str, data: bytes) -> None:
        try:
            Path(name).write_bytes(data)
        except OSError as exc:
            raise CommandError(
                f"无法写入文件“{name}”（{exc.strerror}）。", returncode=UNREADABLE
            ) from None
