"""The rating forms of the pages: levels, the dimensions of the subject's set, comment,
anonymous or real-name. Only shape here; the services check and refuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yiwang.evaluations.fields import COMMENT_MAX, DIMENSIONS, Level

LEVEL_CHOICES = [(value, label) for value, label in Level.choices]


def _translated_levels() -> list[tuple[int, str]]:
    return [(value, gettext(label)) for value, label in Level.choices]


class RatingForm(forms.Form):
    """整体满意度 (required), the other dimensions of `dimension_set` (optional), comment and
    anonymity; `ask_contact` adds name and mobile (a rater who is not known: a window's QR)."""

    level = forms.TypedChoiceField(
        label=_("整体满意度"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=LEVEL_CHOICES,
        error_messages={"required": _("请选择整体满意度。")},
    )
    comment = forms.CharField(
        label=_("评价内容（选填）"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    anonymous = forms.BooleanField(label=_("匿名评价"), required=False)

    def __init__(
        self, *args: Any, dimension_set: str, ask_contact: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        levels = _translated_levels()
        self.fields["level"].choices = levels  # type: ignore[attr-defined]
        self.dimension_keys: list[str] = []
        for key, label in DIMENSIONS[dimension_set]:
            if key == "overall":
                continue
            self.fields[f"score_{key}"] = forms.TypedChoiceField(
                label=gettext(label),
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
                choices=levels,
            )
            self.dimension_keys.append(key)
        if ask_contact:
            self.fields["rater_name"] = forms.CharField(
                label=_("姓名（选填）"), required=False, max_length=64
            )
            self.fields["rater_phone"] = forms.CharField(
                label=_("手机号码（选填，便于回访）"), required=False, max_length=20
            )

    def scores(self) -> dict[str, int]:
        return {
            key: self.cleaned_data[f"score_{key}"]
            for key in self.dimension_keys
            if self.cleaned_data.get(f"score_{key}")
        }

    def dimension_fields(self) -> list[forms.BoundField]:
        return [self[f"score_{key}"] for key in self.dimension_keys]

    def add_service_errors(self, exc: ValidationError) -> None:
        """A service's refusal shown on the field it names (else above the form)."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                target = field if field in self.fields else None
                for message in errors:
                    self.add_error(target, message)
        else:
            for message in exc.messages:
                self.add_error(None, message)


class HotlineForm(forms.Form):
    """热线评价录入: the case number the caller gives, then his rating."""

    case_number = forms.CharField(label=_("办件编号"), max_length=32)
