import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communes.choices import CommuneGroup, NtmLevel, Region
from communes.filtersets import (
    AdministrativeUnitFilterSet,
    BooleanFilter,
    CodesFilter,
    IdsFilter,
    UnitCodesFilter,
    UnitIdsFilter,
    YearFilter,
    commune_filters,
    commune_search,
    visible_communes,
)
from communes.permissions import units_in_scope

from .choices import RoundStatus
from .ledger import level_on_q
from .models import AssessmentRound, CriteriaSet


# The communes' FilterSet lives here, not in communes/, because its `ntm_level` filter reads the progress ledger.
class CommuneFilterSet(AdministrativeUnitFilterSet):
    commune_id = UnitIdsFilter(queryset=visible_communes, method="filter_communes", label=_("Xã (khóa)"))
    commune_code = UnitCodesFilter(queryset=visible_communes, method="filter_communes", label=_("Xã (mã)"))
    region = django_filters.MultipleChoiceFilter(choices=Region.choices)
    commune_group = django_filters.MultipleChoiceFilter(choices=CommuneGroup.choices)
    ntm_level = django_filters.MultipleChoiceFilter(
        choices=NtmLevel.choices, method="level_on_date", label=_("Mức đạt chuẩn vào ngày as_of (mặc định: hôm nay)")
    )
    # The communes in force on the date (before 01/07/2025 the old ones, after it the new ones); also the day of
    # `ntm_level` and of the progress the API adds to each commune.
    as_of = django_filters.DateFilter(method="on_date", label=_("Tính đến ngày (YYYY-MM-DD)"))
    especially_disadvantaged = BooleanFilter(label="Xã đặc biệt khó khăn (true/false)")
    designated_special = BooleanFilter(label="Xã đặc thù (true/false)")
    target_year = YearFilter(label="Năm phấn đấu đạt chuẩn")

    def search(self, queryset, name, value):
        return commune_search(queryset, value)

    def level_on_date(self, queryset, name, value):
        """The NTM level on the as-of date, as the progress ledger has it: a dated list or API page filters the
        level communes had then, not the one they have today."""
        day = self.form.cleaned_data.get("as_of") or timezone.localdate()
        return queryset.filter(level_on_q(day, value))

    def on_date(self, queryset, name, value):
        return queryset.in_force_on(value)

    def filter_communes(self, queryset, name, value):
        return queryset.filter(pk__in=[commune.pk for commune in value]) if value else queryset

    class Meta(AdministrativeUnitFilterSet.Meta):
        fields = [
            *AdministrativeUnitFilterSet.Meta.fields,
            "commune_id",
            "commune_code",
            "region",
            "commune_group",
            "ntm_level",
            "as_of",
            "especially_disadvantaged",
            "designated_special",
            "target_year",
        ]


def _visible_sets(request):
    return CriteriaSet.objects.visible_to(getattr(request, "user", None))


def _visible_rounds(request):
    return AssessmentRound.objects.visible_to(getattr(request, "user", None))


class AssessmentRoundFilterSet(commune_filters("commune")):
    """Shared by the browser lists and the API. Filter pairs: `commune_id` (key), `commune_code` (official code), and
    the same for the commune's district and province and for the criteria set."""

    year = YearFilter(label=_("Năm đánh giá"))
    status = django_filters.MultipleChoiceFilter(choices=RoundStatus.choices, label=_("Trạng thái"))
    criteria_set_id = IdsFilter(field_name="criteria_set", queryset=_visible_sets, label=_("Bộ tiêu chí (khóa)"))
    criteria_set_code = CodesFilter(field_name="criteria_set", queryset=_visible_sets, label=_("Bộ tiêu chí (mã)"))

    class Meta:
        model = AssessmentRound
        fields = [
            "province_id",
            "district_id",
            "commune_id",
            "commune_code",
            "year",
            "status",
            "criteria_set_id",
            "criteria_set_code",
        ]


# --- the API's other criteria resources (issue 5); the building blocks are communes.filtersets' ------------------

from django.db.models import Q  # noqa: E402 - appended section: the file's head belongs to the round list

from communes.filtersets import IntegerFilter, TextFilter, visible_units  # noqa: E402

from .choices import Comparison, SetLevel, TargetScheme  # noqa: E402
from .models import IndicatorValue, UnitTarget  # noqa: E402


class CriteriaSetFilterSet(django_filters.FilterSet):
    code = TextFilter(max_length=40, label="Mã bộ tiêu chí")
    level = django_filters.MultipleChoiceFilter(choices=SetLevel.choices)
    target_scheme = django_filters.MultipleChoiceFilter(choices=TargetScheme.choices)
    year = YearFilter(method="filter_year", label="Năm thuộc giai đoạn của bộ tiêu chí")
    national = BooleanFilter(method="filter_national", label="Chỉ bộ tiêu chí quốc gia (true) / của tỉnh (false)")
    province_id = IdsFilter(field_name="province", queryset=visible_units, label="Tỉnh ban hành (khóa)")

    class Meta:
        model = CriteriaSet
        fields = ["code", "level", "target_scheme", "year", "national", "province_id"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(period_start__lte=value, period_end__gte=value)

    def filter_national(self, queryset, name, value):
        return queryset.filter(province__isnull=value)


class IndicatorValueFilterSet(commune_filters("assessment_round__commune")):
    assessment_round_id = IdsFilter(field_name="assessment_round", queryset=_visible_rounds, label="Kỳ đánh giá (khóa)")
    year = YearFilter(field_name="assessment_round__year", label="Năm đánh giá")
    criteria_set_id = IdsFilter(
        field_name="assessment_round__criteria_set", queryset=_visible_sets, label="Bộ tiêu chí (khóa)"
    )
    criteria_set_code = CodesFilter(
        field_name="assessment_round__criteria_set", queryset=_visible_sets, label="Bộ tiêu chí (mã)"
    )
    indicator_code = TextFilter(field_name="indicator__code", max_length=10, label="Mã chỉ tiêu (vd. 3.1)")
    criterion_number = IntegerFilter(
        field_name="indicator__criterion__number", min_value=1, max_value=100, label="Số thứ tự tiêu chí"
    )
    comparison = django_filters.MultipleChoiceFilter(field_name="indicator__comparison", choices=Comparison.choices)
    met = BooleanFilter(label="Đạt chỉ tiêu (true/false)")

    class Meta:
        model = IndicatorValue
        fields = [
            "assessment_round_id",
            "commune_id",
            "commune_code",
            "year",
            "criteria_set_id",
            "criteria_set_code",
            "indicator_code",
            "met",
        ]


class UnitTargetFilterSet(django_filters.FilterSet):
    unit_id = IdsFilter(field_name="unit", queryset=visible_units, label="Đơn vị (khóa)")
    unit_code = CodesFilter(field_name="unit", queryset=visible_units, label="Đơn vị (mã)")
    year = YearFilter(label="Năm của chỉ tiêu")
    year_from = YearFilter(field_name="year", lookup_expr="gte", label="Từ năm")
    year_to = YearFilter(field_name="year", lookup_expr="lte", label="Đến năm")
    province_id = IdsFilter(
        field_name="unit", method="filter_province", queryset=visible_units, label="Tỉnh và các huyện của tỉnh"
    )

    class Meta:
        model = UnitTarget
        fields = ["unit_id", "unit_code", "year", "year_from", "year_to", "province_id"]

    def filter_province(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(unit__in=value) | Q(unit__province__in=value))


# --- the review queues (issue 15) ------------------------------------------------------------------------------------

import datetime  # noqa: E402

from communes.choices import UnitLevel  # noqa: E402

from .choices import RoundStatus as _RoundStatus  # noqa: E402
from .selectors import queue_states  # noqa: E402


def _queue_districts(request):
    return units_in_scope(getattr(request, "user", None)).filter(level=UnitLevel.DISTRICT).order_by("code")


class QueueFilterSet(django_filters.FilterSet):
    """Narrows a review queue's waiting rounds (criteria.selectors.queue_rounds) before it keeps each commune's
    latest. `kind` gives the state choices: the states its transitions start from."""

    SORTS = (("waiting", _("Chờ lâu nhất trước")), ("recent", _("Mới chuyển đến trước")))

    district_id = django_filters.ModelChoiceFilter(
        field_name="commune__district", queryset=_queue_districts, label=_("Huyện"), empty_label=_("Mọi huyện")
    )
    criteria_set = django_filters.ModelChoiceFilter(
        queryset=_visible_sets, label=_("Bộ tiêu chí"), empty_label=_("Mọi bộ tiêu chí")
    )
    year = YearFilter(label=_("Năm"))
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), empty_label=_("Mọi trạng thái"))
    waiting_days = IntegerFilter(
        method="filter_waiting_days", min_value=1, max_value=36500, label=_("Chờ lâu hơn (ngày)")
    )
    sort = django_filters.ChoiceFilter(
        choices=SORTS, method="keep_all", label=_("Sắp xếp"), empty_label=None, null_value=None
    )

    class Meta:
        model = AssessmentRound
        fields = ["district_id", "criteria_set", "year", "status", "waiting_days"]

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["status"].extra["choices"] = [(state, _RoundStatus(state).label) for state in queue_states(kind)]

    def filter_waiting_days(self, queryset, name, value):
        # `waiting_since`: the selector's annotation, the last change of state.
        return queryset.filter(waiting_since__lt=timezone.now() - datetime.timedelta(days=int(value)))

    def keep_all(self, queryset, name, value):
        return queryset  # the order is the selector's, after it keeps each commune's latest round

    @property
    def newest_first(self) -> bool:
        return self.is_valid() and self.form.cleaned_data.get("sort") == "recent"
