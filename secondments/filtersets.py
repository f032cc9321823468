"""FilterSets of the secondment side, shared by the browser screens and the API (NetBox pairs: `x_id` keys, `x` codes).

The choices of every key filter are the rows the user sees (each model's `visible_to`), so another unit's key is a 400.
"""

import django_filters
from django.db.models import Q

from communes.filtersets import (
    CodesFilter,
    IdsFilter,
    IntegerFilter,
    SearchFilter,
    YearFilter,
    commune_filters,
    folded_match,
    visible_units,
)
from ntm_portal.text import fold_vietnamese

from .choices import (
    AgencyKind,
    AgencyLevel,
    Gender,
    PlanItemStatus,
    PlanPeriod,
    SecondmentKind,
    SponsorRole,
    SupportKind,
)
from .models import (
    Agency,
    Cadre,
    FieldVisit,
    Secondment,
    SecondmentBatch,
    SponsorAssignment,
    SupportContribution,
    WorkPlan,
    WorkPlanItem,
)


def _user(request):
    return getattr(request, "user", None)


def visible_agencies(request):
    return Agency.objects.visible_to(_user(request))


def visible_cadres(request):
    return Cadre.objects.visible_to(_user(request))


def visible_batches(request):
    return SecondmentBatch.objects.visible_to(_user(request))


def visible_assignments(request):
    return SponsorAssignment.objects.visible_to(_user(request))


def visible_work_plans(request):
    return WorkPlan.objects.visible_to(_user(request))


def visible_secondments(request):
    return Secondment.objects.visible_to(_user(request))


# The commune, district and province filters of every record that belongs to a commune.
_CommuneFilters = commune_filters("commune")


class AgencyFilterSet(django_filters.FilterSet):
    q = SearchFilter()
    kind = django_filters.MultipleChoiceFilter(choices=AgencyKind.choices)
    level = django_filters.MultipleChoiceFilter(choices=AgencyLevel.choices)
    unit_id = IdsFilter(field_name="unit", queryset=visible_units, label="Đơn vị hành chính (khóa)")
    unit_code = CodesFilter(field_name="unit", queryset=visible_units, label="Đơn vị hành chính (mã)")
    parent_id = IdsFilter(field_name="parent", queryset=visible_agencies, label="Cơ quan cấp trên (khóa)")

    class Meta:
        model = Agency
        fields = ["q", "kind", "level", "unit_id", "unit_code", "parent_id"]

    def search(self, queryset, name, value):
        return folded_match(queryset, value, "name", "short_name")


class CadreFilterSet(django_filters.FilterSet):
    q = SearchFilter()
    home_agency_id = IdsFilter(field_name="home_agency", queryset=visible_agencies, label="Cơ quan công tác (khóa)")
    gender = django_filters.ChoiceFilter(choices=Gender.choices)

    class Meta:
        model = Cadre
        fields = ["q", "home_agency_id", "gender"]

    def search(self, queryset, name, value):
        return folded_match(queryset, value, "full_name", "title")


class SecondmentBatchFilterSet(django_filters.FilterSet):
    q = SearchFilter()
    province_id = IdsFilter(field_name="province", queryset=visible_units, label="Tỉnh (khóa)")
    year = YearFilter(label="Năm của đợt")

    class Meta:
        model = SecondmentBatch
        fields = ["q", "province_id", "year"]

    def search(self, queryset, name, value):
        return folded_match(queryset, value, "name", "decision_number")


class SecondmentFilterSet(_CommuneFilters):
    q = SearchFilter(label="Tìm theo tên cán bộ hoặc tên xã (không phân biệt dấu)")
    cadre_id = IdsFilter(field_name="cadre", queryset=visible_cadres, label="Cán bộ (khóa)")
    batch_id = IdsFilter(field_name="batch", queryset=visible_batches, label="Đợt (khóa)")
    home_agency_id = IdsFilter(field_name="cadre__home_agency", queryset=visible_agencies, label="Cơ quan cử (khóa)")
    kind = django_filters.MultipleChoiceFilter(choices=SecondmentKind.choices)
    active_on = django_filters.DateFilter(method="filter_active_on", label="Đang công tác tại xã vào ngày")
    start_year = YearFilter(field_name="start_date__year", label="Năm bắt đầu")

    class Meta:
        model = Secondment
        fields = ["q", "commune_id", "commune_code", "cadre_id", "batch_id", "kind", "active_on", "start_year"]

    def search(self, queryset, name, value):
        cadres = folded_match(Cadre.objects.filter(pk__in=queryset.values("cadre_id")), value, "full_name")
        return queryset.filter(Q(cadre__in=cadres) | Q(commune__name_folded__contains=fold_vietnamese(value)))

    def filter_active_on(self, queryset, name, value):
        return queryset.in_force_on(value)


class SponsorAssignmentFilterSet(_CommuneFilters):
    agency_id = IdsFilter(field_name="agency", queryset=visible_agencies, label="Cơ quan (khóa)")
    role = django_filters.MultipleChoiceFilter(choices=SponsorRole.choices)
    active_on = django_filters.DateFilter(method="filter_active_on", label="Còn hiệu lực vào ngày")

    class Meta:
        model = SponsorAssignment
        fields = ["commune_id", "commune_code", "agency_id", "role", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.in_force_on(value)


class WorkPlanFilterSet(commune_filters("assignment__commune")):
    assignment_id = IdsFilter(field_name="assignment", queryset=visible_assignments, label="Phân công (khóa)")
    agency_id = IdsFilter(field_name="assignment__agency", queryset=visible_agencies, label="Cơ quan (khóa)")
    year = YearFilter(label="Năm của kế hoạch")

    class Meta:
        model = WorkPlan
        fields = ["assignment_id", "agency_id", "commune_id", "commune_code", "year"]


class WorkPlanItemFilterSet(commune_filters("work_plan__assignment__commune")):
    work_plan_id = IdsFilter(field_name="work_plan", queryset=visible_work_plans, label="Kế hoạch (khóa)")
    agency_id = IdsFilter(field_name="work_plan__assignment__agency", queryset=visible_agencies, label="Cơ quan (khóa)")
    period = django_filters.MultipleChoiceFilter(choices=PlanPeriod.choices)
    status = django_filters.MultipleChoiceFilter(choices=PlanItemStatus.choices)
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte", label="Hạn từ ngày")
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label="Hạn đến ngày")
    criterion_number = IntegerFilter(
        field_name="criterion__number", min_value=1, max_value=100, label="Số thứ tự tiêu chí hướng tới"
    )

    class Meta:
        model = WorkPlanItem
        fields = ["work_plan_id", "agency_id", "commune_id", "period", "status", "due_from", "due_to"]


class FieldVisitFilterSet(_CommuneFilters):
    agency_id = IdsFilter(field_name="agency", queryset=visible_agencies, label="Cơ quan (khóa)")
    secondment_id = IdsFilter(field_name="secondment", queryset=visible_secondments, label="Biệt phái (khóa)")
    date_from = django_filters.DateFilter(field_name="visit_date", lookup_expr="gte", label="Từ ngày")
    date_to = django_filters.DateFilter(field_name="visit_date", lookup_expr="lte", label="Đến ngày")
    year = YearFilter(field_name="visit_date__year", label="Năm")

    class Meta:
        model = FieldVisit
        fields = ["commune_id", "commune_code", "agency_id", "secondment_id", "date_from", "date_to", "year"]


class SupportContributionFilterSet(_CommuneFilters):
    giver_id = IdsFilter(field_name="giver", queryset=visible_agencies, label="Đơn vị hỗ trợ (khóa)")
    kind = django_filters.MultipleChoiceFilter(choices=SupportKind.choices)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label="Từ ngày")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label="Đến ngày")
    year = YearFilter(field_name="date__year", label="Năm")
    criterion_number = IntegerFilter(
        field_name="criterion__number", min_value=1, max_value=100, label="Số thứ tự tiêu chí hướng tới"
    )

    class Meta:
        model = SupportContribution
        fields = ["commune_id", "commune_code", "giver_id", "kind", "date_from", "date_to", "year"]
