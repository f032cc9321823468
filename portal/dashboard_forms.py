"""The small GET forms of the dashboard pages (portal.dashboard): the as-of date and each page's own settings.

Every field may be left out, and the page then uses its default. A value the user got wrong is said next to the field
and the default is used instead: a dashboard always answers, never with a 500. The form then shows the value actually
used, so that submitting it again (to change another field) keeps the page as it is.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from criteria.forms import FIRST_YEAR, NumberField
from ntm_portal.formats import number_input

MAX_MONTHS_AFTER = 120
MAX_VISITS_PER_QUARTER = 100
MAX_DAYS_PER_QUARTER = 92  # the days of the longest quarter


class DashboardForm(forms.Form):
    as_of = forms.DateField(
        label=_("Tính đến ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data=None, **kwargs):
        # No parameter at all: an unbound form, every field at its default. A QueryDict is immutable: `value()` puts
        # the value used back into a copy.
        super().__init__(data.copy() if data else None, **kwargs)

    def value(self, name: str, default: Any | Callable[[], Any]) -> Any:
        """The field's valid value, else `default` (called only when needed: it may cost a query); the form then
        shows the value used."""
        value = None
        if self.is_bound:
            self.is_valid()  # cleans once; a wrong field is left out of cleaned_data and keeps its error
            value = self.cleaned_data.get(name)
        if value is not None:
            return value
        value = default() if callable(default) else default
        shown = self._shown(value)
        if self.is_bound:
            self.data[name] = shown
        else:
            self.initial[name] = shown
        return value

    @staticmethod
    def _shown(value: Any) -> str:
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, float | Decimal):
            return number_input(value)
        return str(value)

    def as_of_given(self) -> bool:
        """Whether the user chose a valid date: the tabs and the links of the page then keep it."""
        if not self.is_bound:
            return False
        self.is_valid()
        return self.cleaned_data.get("as_of") is not None

    def query(self) -> str:
        """The query string that keeps the date the user chose, e.g. "?as_of=2020-12-31"; "" when they chose none
        (the links then follow today)."""
        return f"?as_of={self.cleaned_data['as_of'].isoformat()}" if self.as_of_given() else ""


class SecondmentResultsForm(DashboardForm):
    months_after = forms.IntegerField(
        label=_("Tính cả số tháng sau khi cán bộ về"),
        required=False,
        min_value=0,
        max_value=MAX_MONTHS_AFTER,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class SponsorAccountabilityForm(DashboardForm):
    year = forms.TypedChoiceField(label=_("Năm"), required=False, coerce=int, empty_value=None)
    min_visits = forms.IntegerField(
        label=_("Số lượt đến tối thiểu mỗi xã mỗi quý"),
        required=False,
        min_value=0,
        max_value=MAX_VISITS_PER_QUARTER,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    min_days = NumberField(
        label=_("Số ngày tại xã tối thiểu mỗi xã mỗi quý"),
        min_value=0,
        max_value=MAX_DAYS_PER_QUARTER,
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # The years to choose from run to the chosen date's (today's when none or a wrong one): the figures of a year
        # after the as-of date are not known on that date.
        try:
            as_of = self.fields["as_of"].clean(self.data.get("as_of")) if self.is_bound else None
        except ValidationError:
            as_of = None
        last_year = (as_of or timezone.localdate()).year
        self.fields["year"].choices = [(year, str(year)) for year in range(last_year, FIRST_YEAR - 1, -1)]
