from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ReportLanguage
from .models import ReportLetterhead
from .selectors import report_criteria_sets_for, report_units_for


class ReportRequestForm(forms.Form):
    """What a person picks to order a report; the service decides whether the request stands."""

    unit = forms.ModelChoiceField(label=_("Phạm vi (tỉnh hoặc huyện)"), queryset=None, empty_label=None)
    as_of = forms.DateField(
        label=_("Số liệu tính đến ngày"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    criteria_set = forms.ModelChoiceField(
        label=_("Bộ tiêu chí"),
        queryset=None,
        required=False,
        empty_label=_("Bộ tiêu chí quốc gia của năm tính số liệu"),
    )
    language = forms.ChoiceField(label=_("Ngôn ngữ"), choices=ReportLanguage.choices, initial=ReportLanguage.VIETNAMESE)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        units = report_units_for(user)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: unit.name
        self.fields["criteria_set"].queryset = report_criteria_sets_for(user)
        self.fields["as_of"].initial = timezone.localdate()


class ReportLetterheadForm(forms.ModelForm):
    """The province's letterhead, as its coordination office words it; the province itself is not the form's."""

    class Meta:
        model = ReportLetterhead
        fields = (
            "governing_body",
            "issuer",
            "number_suffix",
            "place",
            "signer_capacity",
            "signer_title",
            "signer_name",
            "recipients",
        )
        widgets = {"recipients": forms.Textarea(attrs={"rows": 6})}
