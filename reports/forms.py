from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.choices import UnitLevel
from criteria.models import CriteriaSet

from .choices import ReportLanguage
from .selectors import report_units_for


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
        # National sets, and the sets a province the user may report on issued for itself.
        provinces = units.filter(level=UnitLevel.PROVINCE).values("pk")
        self.fields["criteria_set"].queryset = CriteriaSet.objects.filter(
            Q(province__isnull=True) | Q(province__in=provinces)
        ).order_by("-period_start", "level", "code")
        self.fields["as_of"].initial = timezone.localdate()
