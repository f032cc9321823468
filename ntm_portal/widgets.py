"""Form widgets shared by the apps' forms and the generic list pages' filter forms."""

from __future__ import annotations

import datetime

from django import forms

# As Vietnamese offices write dates (05/03/2018 is 5 March), then what a date picker sends. Django's own defaults
# would read 05/03/2018 the American way.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"]


class DateInput(forms.DateInput):
    """A date picker on phones and current browsers (it sends yyyy-mm-dd); a text box taking dd/mm/yyyy elsewhere."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": "dd/mm/yyyy", **(attrs or {})}, format="%Y-%m-%d")

    def format_value(self, value):
        # A form shown again with an error keeps what was typed: "10/05/2018" goes back as 2018-05-10, which a date
        # picker can show (it would show nothing for the former).
        if isinstance(value, str):
            for pattern in DATE_INPUT_FORMATS:
                try:
                    return datetime.datetime.strptime(value.strip(), pattern).date().isoformat()
                except ValueError:
                    continue
        return super().format_value(value)


class ChoiceOfMany(forms.Select):
    """A drop-down for a key filter that takes several values (`?commune_id=1&commune_id=2`): the page picks one, a
    link may carry several; "Tất cả" sends nothing."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [value for value in values if value not in (None, "")]
