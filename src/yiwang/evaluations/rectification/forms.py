"""Forms of the rectification pages: the task page's actions and the citizen's rating of the
fix. They only collect what was typed; every rule is checked by rectification.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.evaluations.fields import Level
from yiwang.evaluations.rectification.fields import (
    EVIDENCE_MAX_FILES,
    TEXT_MAX,
    Classification,
)


def _area(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _levels() -> list[tuple[int, Any]]:
    return [(value, _(str(label))) for value, label in Level.choices]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class VerifyForm(forms.Form):
    finding = _area(_("核实情况"))
    contacted = forms.BooleanField(label=_("已电话联系评价人"), required=False)
    contact_note = _area(_("回电情况（未能联系的写明原因）"), required=False)


class NoteForm(forms.Form):
    note = _area(_("说明"), required=False)


class RectifyForm(forms.Form):
    measures = _area(_("整改措施"))


class ExplainForm(forms.Form):
    explanation = _area(_("解释说明（向评价人说明的理由和依据）"))


class AppealForm(forms.Form):
    classification = forms.ChoiceField(
        label=_("申诉认定"),
        choices=[
            (c.value, _(str(c.label))) for c in (Classification.MISTAKEN, Classification.MALICIOUS)
        ],
        widget=forms.RadioSelect,
    )
    reason = _area(_("申诉理由"))
    evidence = MultipleFileField(
        label=_("证据材料"),
        required=False,
        help_text=_("PDF、JPEG、PNG、docx 或 xlsx，最多 %(n)d 份。") % {"n": EVIDENCE_MAX_FILES},
    )


class DecisionForm(forms.Form):
    note = _area(_("复核意见"))


class FollowUpForm(forms.Form):
    """A handler records the rating of the fix the rater gave on the phone."""

    level = forms.TypedChoiceField(
        label=_("评价人对整改结果的评价"), coerce=int, choices=_levels, widget=forms.RadioSelect
    )
    comment = _area(_("评价人的意见"), required=False)


class RateFixForm(forms.Form):
    """The citizen's rating of the fix (回访评价), from his follow-up link."""

    level = forms.TypedChoiceField(
        label=_("您对整改结果是否满意"), coerce=int, choices=_levels, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见和建议（选填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


FORMS: dict[str, type[forms.Form]] = {
    "verify": VerifyForm,
    "confirm": NoteForm,
    "rectify": RectifyForm,
    "explain": ExplainForm,
    "appeal": AppealForm,
    "uphold": DecisionForm,
    "reject": DecisionForm,
    "record_follow_up": FollowUpForm,
}
