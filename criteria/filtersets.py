import django_filters

from communes.models import AdministrativeUnit

from .choices import RoundStatus
from .models import AssessmentRound


class AssessmentRoundFilterSet(django_filters.FilterSet):
    """Shared by the browser lists and the API. Filter pairs as NetBox has them: `commune_id` (pk), `commune` (code)."""

    commune_id = django_filters.ModelChoiceFilter(field_name="commune", queryset=AdministrativeUnit.objects.communes())
    commune = django_filters.CharFilter(field_name="commune__code")
    district_id = django_filters.NumberFilter(field_name="commune__district_id")
    year = django_filters.NumberFilter()
    status = django_filters.MultipleChoiceFilter(choices=RoundStatus.choices)
    criteria_set = django_filters.CharFilter(field_name="criteria_set__code")

    class Meta:
        model = AssessmentRound
        fields = ["commune_id", "commune", "district_id", "year", "status", "criteria_set"]
