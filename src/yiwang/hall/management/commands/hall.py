"""`yiwang hall slots --hall NAME --group CODE --from DATE --to DATE --times 09:00-09:30,…
--capacity N`: open appointment slots for a hall and item group on every day of a period that
the group may take — working days, and the calendar's non-working days only for a group
designated 周末预约办 (other groups skip them; `--non-working-only` opens just those).
Existing slots are left as they are. Prints how many were made and skipped.

`yiwang hall sweep`: mark bookings whose slot has ended without a check-in as 未到场
(the figures count them so already); prints how many."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from yiwang.common.commands import YiwangCommand


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{what}“{text}”格式不正确，应为 YYYY-MM-DD。", returncode=2) from None


def _times(text: str) -> list[tuple[dt.time, dt.time]]:
    from yiwang.hall.forms import parse_periods

    try:
        periods = parse_periods(text)
    except ValueError as exc:
        raise CommandError(
            f"时段“{exc.args[0]}”格式不正确，应为 HH:MM-HH:MM（多个用逗号分隔）。", returncode=2
        ) from None
    if not periods:
        raise CommandError("请用 --times 给出至少一个时段，如 09:00-09:30。", returncode=2)
    return periods


class Command(YiwangCommand):
    help = "预约与排队：开放预约时段、标记未到场预约。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{slots,sweep}")
        slots = sub.add_parser("slots", help="为大厅和事项分组开放一段日期内的预约时段")
        slots.add_argument("--hall", required=True, help="大厅名称")
        slots.add_argument("--group", required=True, help="事项分组编码")
        slots.add_argument("--from", dest="first", required=True, help="开始日期 YYYY-MM-DD")
        slots.add_argument("--to", dest="last", required=True, help="结束日期 YYYY-MM-DD")
        slots.add_argument("--times", required=True, help="时段，如 09:00-09:30,09:30-10:00")
        slots.add_argument("--capacity", type=int, required=True, help="每个时段可预约人数")
        slots.add_argument(
            "--non-working-only", action="store_true", help="只开放非工作日（周末预约办）"
        )
        sub.add_parser("sweep", help="把时段已结束仍未签到的预约标记为未到场")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sweep":
            from yiwang.hall.services import bookings_mark_no_show

            self.stdout.write(f"标记未到场预约 {bookings_mark_no_show()} 个。")
            return
        self._slots(options)

    def _slots(self, options: dict[str, Any]) -> None:
        from yiwang.hall import services
        from yiwang.hall.models import ItemGroup
        from yiwang.org.models import ServiceHall

        hall = ServiceHall.objects.filter(name=options["hall"]).first()
        if hall is None:
            raise CommandError(f"没有名为“{options['hall']}”的大厅。", returncode=2)
        group = ItemGroup.objects.filter(code=options["group"]).first()
        if group is None:
            raise CommandError(f"没有编码为“{options['group']}”的事项分组。", returncode=2)
        first, last = _date(options["first"], "开始日期"), _date(options["last"], "结束日期")
        if last < first:
            raise CommandError("结束日期不能早于开始日期。", returncode=2)
        try:
            made, skipped = services.slots_open_period(
                hall=hall,
                group=group,
                first=first,
                last=last,
                periods=_times(options["times"]),
                capacity=options["capacity"],
                non_working_only=options["non_working_only"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"开放预约时段 {made} 个，已存在 {skipped} 个。")
