"""Forms of the front desk's pages. They only read input: the rules are in windows.services and
cases.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.windows.fields import COLLECTOR_NAME_MAX


class DayForm(forms.Form):
    day = forms.DateField(label=_("日期"), required=False, widget=forms.DateInput({"type": "date"}))


class HandOutForm(forms.Form):
    collected_by = forms.CharField(label=_("领取人"), max_length=COLLECTOR_NAME_MAX)
    collector_id_number = forms.CharField(
        label=_("领取人身份证号码"), required=False, max_length=20
    )
    id_checked = forms.BooleanField(label=_("已核验领取人身份证件"), required=False)
