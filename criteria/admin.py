from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from . import ledger
from .models import (
    AssessmentChange,
    AssessmentRound,
    CriteriaSet,
    Criterion,
    CriterionResult,
    EvidenceFile,
    ExcelImportJob,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Standing,
    UnitTarget,
)
from .services.assessment import targets_changed

# Searching by commune: the folded column finds "Định Hóa" for "dinh hoa", the name column an exact spelling.
COMMUNE_SEARCH = ("commune__code", "commune__name", "commune__name_folded")


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ("number", "name", "group_code", "group_name")
    extra = 0
    show_change_link = True


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "period_start", "period_end", "level", "target_scheme", "province", "criteria")
    list_select_related = ("province",)
    list_filter = ("level", "target_scheme", "period_start", ("province", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name", "legal_basis")
    autocomplete_fields = ("province", "derived_from")
    inlines = [CriterionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(criteria_count=Count("criteria"))

    @admin.display(description=_("số tiêu chí"), ordering="criteria_count")
    def criteria(self, obj: CriteriaSet) -> int:
        return obj.criteria_count


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ("position", "code", "name", "unit", "comparison")
    extra = 0
    show_change_link = True


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "criteria_set", "group_code", "group_name")
    list_select_related = ("criteria_set",)
    list_filter = ("criteria_set", "group_code")
    search_fields = ("name", "group_name", "criteria_set__code", "criteria_set__name")
    inlines = [IndicatorInline]


class KeepsLedgerAdmin:
    """A change made in the admin that can alter where communes stand reaches the progress ledger in the same
    transaction (the admin's change and delete views are atomic), as the workflow services' changes do."""

    def affected(self, obj, form=None) -> list[int]:
        """The communes whose standing the change can alter (a round moved to another commune: both)."""
        moved_from = form.initial.get("commune") if form is not None and "commune" in form.changed_data else None
        return [obj.commune_id, *([moved_from] if moved_from else [])]

    def bring_ledger_up_to_date(self, affected: list[int]) -> None:
        ledger.refresh_communes(affected)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # inlines (targets, recognitions) are saved by now
        self.bring_ledger_up_to_date(self.affected(form.instance, form))

    def delete_model(self, request, obj):
        affected = self.affected(obj)
        super().delete_model(request, obj)
        self.bring_ledger_up_to_date(affected)

    def delete_queryset(self, request, queryset):
        affected = [pk for obj in queryset for pk in self.affected(obj)]
        super().delete_queryset(request, queryset)
        self.bring_ledger_up_to_date(affected)


class TargetsJudgeValuesAdmin(KeepsLedgerAdmin):
    """A target entered, corrected or removed: the values recorded against it are judged again."""

    def affected(self, obj, form=None) -> list[int]:
        return [obj.indicator_id]  # indicators, here

    def bring_ledger_up_to_date(self, affected: list[int]) -> None:
        targets_changed(indicator_ids=affected)


class IndicatorTargetInline(admin.TabularInline):
    model = IndicatorTarget
    fields = ("region", "commune_group", "threshold", "source_note")
    extra = 0

    def get_queryset(self, request):
        # A target's label names its indicator; the formset sets only the indicator's id on each row.
        return super().get_queryset(request).select_related("indicator")


@admin.register(Indicator)
class IndicatorAdmin(TargetsJudgeValuesAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "criterion", "criterion__criteria_set", "unit", "comparison")
    list_select_related = ("criterion__criteria_set",)
    list_filter = ("criterion__criteria_set", "comparison")
    search_fields = ("code", "name", "criterion__name", "criterion__criteria_set__code")
    autocomplete_fields = ("criterion",)
    inlines = [IndicatorTargetInline]

    def affected(self, obj, form=None) -> list[int]:
        return [obj.pk]


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(TargetsJudgeValuesAdmin, admin.ModelAdmin):
    list_display = ("indicator", "indicator__criterion__criteria_set", "region", "commune_group", "threshold")
    list_select_related = ("indicator__criterion__criteria_set",)
    list_filter = (
        "indicator__criterion__criteria_set",
        "region",
        "commune_group",
        # Unknown targets are left empty, never invented: this is how a steward finds the ones still to fill in.
        ("threshold", admin.EmptyFieldListFilter),
    )
    search_fields = ("indicator__code", "indicator__name", "source_note")
    autocomplete_fields = ("indicator",)


class ReadOnlyAdminMixin:
    """Assessment values and states change only through the workflow (criteria.services.assessment), which audits
    every change and enforces who may make it; the admin shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoundChildInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A row of a round: its criterion or indicator is offered from the round's own criteria set only."""

    extra = 0
    # What each row's label names (the round, so its commune, and the criterion or indicator), joined once.
    row_select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.row_select_related)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        round_id = request.resolver_match.kwargs.get("object_id")
        if db_field.name == "criterion":
            kwargs["queryset"] = Criterion.objects.filter(criteria_set__assessmentround=round_id)
        elif db_field.name == "indicator":
            kwargs["queryset"] = Indicator.objects.filter(criterion__criteria_set__assessmentround=round_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CriterionResultInline(RoundChildInline):
    model = CriterionResult
    fields = ("criterion", "met", "assessed_as_whole", "note", "review_comment")
    row_select_related = ("assessment_round__commune", "criterion")


class IndicatorValueInline(RoundChildInline):
    model = IndicatorValue
    fields = ("indicator", "value_number", "value_bool", "met", "note")
    row_select_related = ("assessment_round__commune", "indicator")


class EvidenceFileInline(RoundChildInline):
    model = EvidenceFile
    fields = ("indicator", "file", "description")


@admin.register(AssessmentRound)
class AssessmentRoundAdmin(KeepsLedgerAdmin, admin.ModelAdmin):
    list_display = ("commune", "commune__district", "criteria_set", "year", "as_of", "status", "updated_at")
    list_select_related = ("commune__district", "criteria_set")
    list_filter = (
        "status",
        "year",
        "criteria_set",
        ("commune__province", admin.RelatedOnlyFieldListFilter),
        ("commune__district", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = COMMUNE_SEARCH
    autocomplete_fields = ("commune",)
    readonly_fields = ("status", "version", "created_at", "updated_at")

    def get_queryset(self, request):
        # A round's label names its commune. Joined here, not only in list_select_related (which the changelist
        # skips for a queryset already joined), so that lists and the autocomplete of results alike cost one query.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_inlines(self, request, obj):
        # Results are entered once the round exists: only then is its criteria set, and so its rows, known.
        return [CriterionResultInline, IndicatorValueInline, EvidenceFileInline] if obj is not None else []


@admin.register(CriterionResult)
class CriterionResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("assessment_round", "criterion", "met", "assessed_as_whole")
    list_select_related = ("assessment_round__commune", "criterion")
    list_filter = ("met", "assessed_as_whole", "assessment_round__year", "assessment_round__criteria_set")
    search_fields = tuple(f"assessment_round__{field}" for field in COMMUNE_SEARCH) + ("criterion__name",)
    autocomplete_fields = ("assessment_round", "criterion")


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("assessment_round", "indicator", "value_number", "value_bool", "met")
    list_select_related = ("assessment_round__commune", "indicator")
    list_filter = ("met", "assessment_round__year", "assessment_round__criteria_set")
    search_fields = tuple(f"assessment_round__{field}" for field in COMMUNE_SEARCH) + ("indicator__code",)
    autocomplete_fields = ("assessment_round", "indicator")


@admin.register(EvidenceFile)
class EvidenceFileAdmin(admin.ModelAdmin):
    list_display = ("__str__", "assessment_round", "indicator", "uploaded_at")
    list_select_related = ("assessment_round__commune", "indicator")
    list_filter = ("assessment_round__year",)
    search_fields = tuple(f"assessment_round__{field}" for field in COMMUNE_SEARCH) + ("description",)
    autocomplete_fields = ("assessment_round", "indicator")
    date_hierarchy = "uploaded_at"


@admin.register(UnitTarget)
class UnitTargetAdmin(admin.ModelAdmin):
    list_display = (
        "unit",
        "year",
        "min_communes_meeting_standard",
        "min_average_criteria",
        "min_criteria_per_commune",
        "decision",
    )
    list_select_related = ("unit",)
    list_filter = ("year", "unit__level")
    search_fields = ("unit__code", "unit__name", "unit__name_folded", "decision")
    autocomplete_fields = ("unit",)


@admin.register(AssessmentChange)
class AssessmentChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "changed_at",
        "commune",
        "assessment_round",
        "kind",
        "field",
        "old_value",
        "new_value",
        "changed_by",
    )
    list_select_related = ("commune", "assessment_round__commune", "changed_by")
    list_filter = ("kind", ("commune__province", admin.RelatedOnlyFieldListFilter))
    search_fields = COMMUNE_SEARCH + ("comment",)
    date_hierarchy = "changed_at"


@admin.register(Standing)
class StandingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The progress ledger, to look at: it is written by the services and `manage.py rebuild_ledger` only."""

    list_display = (
        "commune",
        "criteria_set",
        "approved_only",
        "valid_from",
        "valid_to",
        "criteria_met",
        "criteria_total",
        "ntm_level",
    )
    list_select_related = ("commune", "criteria_set")
    list_filter = (
        "criteria_set",
        "approved_only",
        "ntm_level",
        ("commune__province", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = COMMUNE_SEARCH


@admin.register(ExcelImportJob)
class ExcelImportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Made by uploads (criteria.services.excel_jobs); shown here to follow a stuck or failed import."""

    list_display = ("created_at", "file_name", "requested_by", "status", "progress", "finished_at")
    list_select_related = ("requested_by",)
    list_filter = ("status",)
    search_fields = ("file_name", "requested_by__username", "stage")
    date_hierarchy = "created_at"


# Django's admin discovery imports each app's admin module; the communes' one is criteria's, registered from here.
from . import communes_admin  # noqa: E402, F401
