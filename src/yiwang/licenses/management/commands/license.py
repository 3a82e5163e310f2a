"""`yiwang license export IDENTIFIER --out FILE`: write the licence file (docs/licenses.md).

`yiwang license verify FILE`: check a licence file against the registry — exit 0 with 有效;
exit 1 with 已被篡改, 签章密钥不可信, 已撤销 (or 已注销, 已失效, 已转出, 已吊销); exit 2 for a
file it cannot read.

`yiwang license list [--json]`: the licences (identifier, type, status, issuer).

`yiwang license rekey`: put the current seal keys' private keys under the current SM4 key
(after a new one is listed in YIWANG_PII_KEYS, before the old one is removed).

`yiwang license link item TYPE_CODE ITEM_CODE [--remove]`: the item's approved cases produce the
licence type (licenses.issuing); `yiwang license link material TYPE_CODE "材料名称" [--remove]`:
the type satisfies the material (免提交, licenses.exemption). Errors: one sentence, exit 2.

`yiwang license import FILE --department NAME_OR_ID [--dry-run] [--quiet]`: gather the
department's licences from an xlsx/CSV file (licenses.gathering): all or nothing; every bad row
printed (row, column, sentence) and exit 1; exit 2 for a file it cannot read or an unknown
department. `--dry-run` checks and counts without writing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from yiwang.common.commands import YiwangCommand


class Command(YiwangCommand):
    help = "电子证照：导出证照文件、验证证照文件、列出证照。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{export,verify,list,rekey,link,import}"
        )
        export = sub.add_parser("export", help="导出电子证照文件（JSON，含签章）")
        export.add_argument("identifier", help="电子证照标识")
        export.add_argument("--out", required=True, help="写入的文件")
        verify = sub.add_parser(
            "verify", help="验证电子证照文件：有效、已被篡改、签章密钥不可信、已撤销"
        )
        verify.add_argument("file", help="电子证照文件")
        listing = sub.add_parser("list", help="列出电子证照")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        sub.add_parser("rekey", help="签章私钥改用当前 SM4 密钥（更换 SM4 密钥后运行）")
        link = sub.add_parser("link", help="关联证照类型与产生它的事项、它可替代的申请材料")
        link.add_argument("kind", choices=["item", "material"], help="item 事项；material 材料")
        link.add_argument("type_code", help="证照类型代码")
        link.add_argument("target", help="事项实施编码，或材料名称")
        link.add_argument("--remove", action="store_true", help="解除关联")
        gather = sub.add_parser("import", help="归集部门的电子证照（xlsx 或 CSV，全部通过才写入）")
        gather.add_argument("file", help="归集文件（xlsx 或 CSV）")
        gather.add_argument("--department", required=True, help="颁发部门的名称或编号")
        gather.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        gather.add_argument("--quiet", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"])(options)

    def _export(self, options: dict[str, Any]) -> None:
        from yiwang.licenses import files, selectors

        license = selectors.license_by_identifier(options["identifier"])
        if license is None:
            raise CommandError(f"没有电子证照 {options['identifier']}。", returncode=2)
        out = Path(options["out"])
        try:
            out.write_bytes(files.dumps(files.license_file(license)))
        except OSError as exc:
            raise CommandError(f"无法写入文件 {out}：{exc.strerror}。", returncode=2) from None
        self.stdout.write(f"已导出电子证照 {license.identifier} 到 {out}。")

    def _verify(self, options: dict[str, Any]) -> None:
        from yiwang.licenses import files, verification

        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}。", returncode=2) from None
        try:
            document = files.read(data)
        except files.UnreadableFile as exc:
            raise CommandError(f"无法读取电子证照文件 {path}：{exc}", returncode=2) from None
        verdict = verification.verify_document(document)
        if not verdict.valid:
            raise CommandError(str(verdict), returncode=1)
        self.stdout.write(str(verdict))

    def _list(self, options: dict[str, Any]) -> None:
        from yiwang.licenses import selectors

        rows = [
            {
                "identifier": license.identifier,
                "type": license.license_type.code,
                "status": license.status,
                "issuer": license.issuer.uscc,
            }
            for license in selectors.license_list()
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        if not rows:
            self.stdout.write("没有电子证照。")
        for row in rows:
            self.stdout.write(
                f"{row['identifier']}\t{row['type']}\t{row['status']}\t{row['issuer']}"
            )

    def _rekey(self, options: dict[str, Any]) -> None:
        from django.core.exceptions import ValidationError

        from yiwang.common.crypto import current_key_id
        from yiwang.licenses import services

        try:
            changed = services.seal_keys_reencrypt()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from None
        target = current_key_id()
        if changed:
            self.stdout.write(f"已将 {changed} 把签章私钥改用当前 SM4 密钥 {target}。")
        else:
            self.stdout.write(f"签章私钥均已使用当前 SM4 密钥 {target}。")

    def _link(self, options: dict[str, Any]) -> None:
        from django.core.exceptions import ValidationError

        from yiwang.catalog.models import ServiceItem
        from yiwang.licenses import services
        from yiwang.licenses.models import LicenseType

        kind = LicenseType.objects.filter(code=options["type_code"].strip()).first()
        if kind is None:
            raise CommandError(f"没有证照类型 {options['type_code']}。", returncode=2)
        target, remove = options["target"], options["remove"]
        try:
            if options["kind"] == "item":
                item = ServiceItem.objects.filter(code=target.strip()).first()
                if item is None:
                    raise CommandError(f"没有实施编码为 {target} 的事项。", returncode=2)
                services.license_type_link_item(license_type=kind, item=item, remove=remove)
                done = "已解除" if remove else "已关联"
                self.stdout.write(f"{done}事项 {item.code} 与证照类型“{kind.name}”。")
                return
            if remove:
                services.license_material_unlink(material_name=target, license_type=kind)
                self.stdout.write(f"已解除材料“{target.strip()}”与证照类型“{kind.name}”。")
            else:
                services.license_material_link(license_type=kind, material_name=target)
                self.stdout.write(
                    f"已关联材料“{target.strip()}”与证照类型“{kind.name}”（免提交）。"
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from None

    def _import(self, options: dict[str, Any]) -> None:
        import sys

        from tqdm import tqdm

        from yiwang.licenses import gathering
        from yiwang.org.selectors import department_by_name_or_id

        department = department_by_name_or_id(options["department"])
        if department is None:
            raise CommandError(
                f"部门“{options['department']}”不存在，请写部门全称或编号。", returncode=2
            )
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}。", returncode=2) from None
        bar = tqdm(
            desc="写入（本）", unit="本", disable=options["quiet"], file=sys.stderr, leave=False
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = gathering.gather_file(
                department=department,
                filename=path.name,
                data=data,
                dry_run=options["dry_run"],
                progress=progress,
            )
        except gathering.GatherFileError as exc:
            raise CommandError(str(exc), returncode=2) from None
        finally:
            bar.close()
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"文件有 {len(result.errors)} 行有误，未写入任何证照。", returncode=1
            )
        self.stdout.write(("检查通过（未写入）。" if result.dry_run else "") + result.summary())
