from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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

# Searching by commune: the folded column finds "Định Hóa" for "dinh hoa", the name column an exact spelling.
COMMUNE_SEARCH = ("commune__code", "commune__name", "commune__name_folded")
# Filtering by province goes through the communes' ancestor column, listing only the provinces in use.
BY_PROVINCE = ("commune__province", admin.RelatedOnlyFieldListFilter)
BY_DISTRICT = ("commune__district", admin.RelatedOnlyFieldListFilter)
# The records with a change history (secondments.models `_history`) show it behind their "Lịch sử" button.


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "level", "unit", "parent", "contact")
    list_select_related = ("unit", "parent")
    list_filter = ("kind", "level", ("unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "short_name")
    autocomplete_fields = ("unit", "parent")


@admin.register(Cadre)
class CadreAdmin(SimpleHistoryAdmin):
    list_display = ("full_name", "gender", "birth_year", "title", "home_agency", "phone", "email")
    list_select_related = ("home_agency",)
    list_filter = ("gender", "home_agency__kind", ("home_agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("full_name", "title", "phone", "email", "home_agency__name", "home_agency__short_name")
    autocomplete_fields = ("home_agency",)


@admin.register(SecondmentBatch)
class SecondmentBatchAdmin(admin.ModelAdmin):
    list_display = ("name", "province", "year", "decided_by", "decision_number", "decision_date")
    list_select_related = ("province",)
    list_filter = ("year", ("province", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "decided_by", "decision_number")
    autocomplete_fields = ("province",)


@admin.register(Secondment)
class SecondmentAdmin(SimpleHistoryAdmin):
    list_display = (
        "cadre",
        "commune",
        "kind",
        "role_at_commune",
        "batch",
        "start_date",
        "planned_end_date",
        "actual_end_date",
        "criteria_met_at_start",
        "criteria_met_at_end",
    )
    list_select_related = ("cadre", "commune", "batch")
    list_filter = (
        "kind",
        # Empty actual end date: the cadre is still at the commune.
        ("actual_end_date", admin.EmptyFieldListFilter),
        "batch",
        BY_PROVINCE,
        BY_DISTRICT,
    )
    search_fields = ("cadre__full_name", *COMMUNE_SEARCH, "role_at_commune", "decision_number")
    autocomplete_fields = ("cadre", "commune", "batch")
    date_hierarchy = "start_date"

    def get_queryset(self, request):
        # A secondment's label names its cadre and commune. Joined here, not only in list_select_related (which the
        # changelist skips for a queryset already joined), so that lists and field visits' autocomplete cost one query.
        return super().get_queryset(request).select_related(*self.list_select_related)


class WorkPlanInline(admin.TabularInline):
    model = WorkPlan
    fields = ("year", "title")
    extra = 0
    show_change_link = True


@admin.register(SponsorAssignment)
class SponsorAssignmentAdmin(SimpleHistoryAdmin):
    list_display = ("agency", "commune", "role", "decided_by", "decision_number", "start_date", "end_date")
    list_select_related = ("agency", "commune")
    list_filter = (
        "role",
        "agency__kind",
        ("end_date", admin.EmptyFieldListFilter),
        ("agency", admin.RelatedOnlyFieldListFilter),
        BY_PROVINCE,
        BY_DISTRICT,
    )
    search_fields = ("agency__name", "agency__short_name", *COMMUNE_SEARCH, "decision_number")
    autocomplete_fields = ("agency", "commune")
    inlines = [WorkPlanInline]

    def get_queryset(self, request):
        # An assignment's label names its agency and commune: joined for lists and work plans' autocomplete alike.
        return super().get_queryset(request).select_related(*self.list_select_related)


class WorkPlanItemInline(admin.TabularInline):
    model = WorkPlanItem
    fields = ("period", "period_number", "title", "criterion", "due_date", "status", "done_on")
    autocomplete_fields = ("criterion",)
    extra = 0


@admin.register(WorkPlan)
class WorkPlanAdmin(SimpleHistoryAdmin):
    list_display = ("title", "assignment", "year")
    list_select_related = ("assignment__agency", "assignment__commune")
    list_filter = ("year", "assignment__agency__kind")
    search_fields = (
        "title",
        "assignment__agency__name",
        "assignment__agency__short_name",
        *(f"assignment__{field}" for field in COMMUNE_SEARCH),
    )
    autocomplete_fields = ("assignment",)
    inlines = [WorkPlanItemInline]


@admin.register(WorkPlanItem)
class WorkPlanItemAdmin(SimpleHistoryAdmin):
    list_display = ("title", "work_plan", "period", "period_number", "criterion", "due_date", "status", "done_on")
    list_select_related = ("work_plan", "criterion")
    list_filter = ("status", "period", "work_plan__year")
    search_fields = ("title", "work_plan__title")
    autocomplete_fields = ("work_plan", "criterion")
    date_hierarchy = "due_date"


@admin.register(FieldVisit)
class FieldVisitAdmin(SimpleHistoryAdmin):
    list_display = (
        "visit_date",
        "agency",
        "commune",
        "days_on_site",
        "hours_on_site",
        "party_cell_meetings",
        "participants",
    )
    list_select_related = ("agency", "commune")
    list_filter = ("agency__kind", ("agency", admin.RelatedOnlyFieldListFilter), BY_PROVINCE, BY_DISTRICT)
    search_fields = ("agency__name", "agency__short_name", *COMMUNE_SEARCH, "participants", "activities")
    autocomplete_fields = ("agency", "commune", "secondment", "criteria_addressed")
    date_hierarchy = "visit_date"


@admin.register(SupportContribution)
class SupportContributionAdmin(SimpleHistoryAdmin):
    list_display = ("date", "giver", "commune", "kind", "value_vnd", "criterion", "description")
    list_select_related = ("giver", "commune", "criterion")
    list_filter = ("kind", "giver__kind", ("giver", admin.RelatedOnlyFieldListFilter), BY_PROVINCE, BY_DISTRICT)
    search_fields = ("giver__name", "giver__short_name", *COMMUNE_SEARCH, "description")
    autocomplete_fields = ("giver", "commune", "criterion")
    date_hierarchy = "date"
