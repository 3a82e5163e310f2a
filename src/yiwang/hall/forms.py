"""Forms of the hall's workbench pages. They only shape input; every rule on slots (past days,
the weekend rule, duplicates, capacity) is checked by the services, whose errors the views put
back here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from yiwang.hall.models import ItemGroup
from yiwang.org.models import ServiceHall


def parse_periods(text: str) -> list[tuple[dt.time, dt.time]]:
    """ "09:00-09:30, 09:30-10:00" as (start, end) pairs; ValueError names the bad part."""
    periods = []
    for part in [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]:
        start, _sep, end = part.partition("-")
        try:
            periods.append(
                (dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip()))
            )
        except ValueError:
            raise ValueError(part) from None
    return periods


class SlotPeriodForm(forms.Form):
    """Open slots for one hall (of the user's scope) and item group over a period of days."""

    hall = forms.ModelChoiceField(
        queryset=ServiceHall.objects.none(),
        label=_("大厅"),
        error_messages={
            "required": _("请选择大厅。"),
            "invalid_choice": _("所选大厅不在您的数据范围内。"),
        },
    )
    group = forms.ModelChoiceField(
        queryset=ItemGroup.objects.none(),
        to_field_name="code",
        label=_("事项分组"),
        error_messages={
            "required": _("请选择事项分组。"),
            "invalid_choice": _("所选事项分组不存在或已停用。"),
        },
    )
    first = forms.DateField(
        label=_("开始日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请填写开始日期。"), "invalid": _("开始日期格式不正确。")},
    )
    last = forms.DateField(
        label=_("结束日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("请填写结束日期。"), "invalid": _("结束日期格式不正确。")},
    )
    times = forms.CharField(
        label=_("时段"),
        max_length=500,
        help_text=_("开始-结束，多个用逗号分隔，如 09:00-09:30,09:30-10:00"),
        error_messages={"required": _("请填写至少一个时段。")},
    )
    capacity = forms.IntegerField(
        label=_("每个时段可预约人数"),
        min_value=1,
        error_messages={
            "required": _("请填写每个时段可预约人数。"),
            "invalid": _("可预约人数应为整数。"),
            "min_value": _("可预约人数至少为 1。"),
        },
    )
    non_working_only = forms.BooleanField(
        label=_("只开放非工作日（周末预约办）"),
        required=False,
    )

    def __init__(
        self, *args: Any, halls: QuerySet[ServiceHall], groups: QuerySet[ItemGroup], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["hall"].queryset = halls  # type: ignore[attr-defined]
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]

    def clean_times(self) -> list[tuple[dt.time, dt.time]]:
        try:
            periods = parse_periods(self.cleaned_data["times"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("时段“%(part)s”格式不正确，应为 HH:MM-HH:MM（多个用逗号分隔）。")
                % {"part": exc.args[0]}
            ) from None
        if not periods:
            raise forms.ValidationError(_("请填写至少一个时段。"))
        return periods
