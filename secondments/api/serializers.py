"""Serializers of the secondment side: they parse the input and limit every foreign key to the rows the caller sees.
The writes themselves are secondments.services' (who may write, checked by ntm_portal.access, and the model's own
validation)."""

from rest_framework import serializers

from communes.models import AdministrativeUnit
from criteria.models import CriteriaSet, Criterion
from ntm_portal.api.serializers import ReadingSerializer, ServiceInputSerializer, VisibleRelatedField
from secondments.choices import AgencyKind, SecondmentKind, SecondmentOutcome
from secondments.models import (
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
from secondments.selectors import (
    AgencyAccountability,
    CommuneRef,
    OutcomeFigures,
    OutcomeGroup,
    QuarterActivity,
    SecondmentResult,
    SecondmentResults,
    SponsorAccountability,
    SupportLine,
)


def _criteria(user):
    return Criterion.objects.filter(criteria_set__in=CriteriaSet.objects.visible_to(user))


def CommuneField(**kwargs):  # noqa: N802 - a field factory, read like a field class
    return VisibleRelatedField(queryset=AdministrativeUnit.objects.communes(), **kwargs)


def CriterionField(**kwargs):  # noqa: N802
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    return VisibleRelatedField(queryset=Criterion.objects.all(), scope=_criteria, **kwargs)


class AgencySerializer(ServiceInputSerializer):
    unit_id = VisibleRelatedField(
        source="unit", queryset=AdministrativeUnit.objects.all(), help_text="Tỉnh hoặc huyện (khóa)."
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    parent_id = VisibleRelatedField(source="parent", queryset=Agency.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Agency
        fields = ["id", "name", "short_name", "kind", "level", "unit_id", "unit_name", "parent_id", "contact"]


class CadreSerializer(ServiceInputSerializer):
    home_agency_id = VisibleRelatedField(source="home_agency", queryset=Agency.objects.all())
    home_agency_name = serializers.CharField(source="home_agency.name", read_only=True)

    class Meta:
        model = Cadre
        fields = [
            "id",
            "full_name",
            "gender",
            "birth_year",
            "title",
            "home_agency_id",
            "home_agency_name",
            "phone",
            "email",
        ]


class SecondmentBatchSerializer(ServiceInputSerializer):
    province_id = VisibleRelatedField(source="province", queryset=AdministrativeUnit.objects.provinces())
    year = serializers.IntegerField(min_value=1990, max_value=2100)

    class Meta:
        model = SecondmentBatch
        fields = ["id", "province_id", "name", "year", "decided_by", "decision_number", "decision_date"]


class SecondmentSerializer(ServiceInputSerializer):
    cadre_id = VisibleRelatedField(source="cadre", queryset=Cadre.objects.all())
    cadre_name = serializers.CharField(source="cadre.full_name", read_only=True)
    commune_id = CommuneField(source="commune")
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    batch_id = VisibleRelatedField(
        source="batch",
        queryset=SecondmentBatch.objects.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Secondment
        fields = [
            "id",
            "cadre_id",
            "cadre_name",
            "commune_id",
            "commune_name",
            "batch_id",
            "kind",
            "role_at_commune",
            "decided_by",
            "decision_number",
            "decision_date",
            "start_date",
            "planned_end_date",
            "actual_end_date",
            "criteria_met_at_start",
            "criteria_met_at_end",
            "note",
        ]


class SponsorAssignmentSerializer(ServiceInputSerializer):
    agency_id = VisibleRelatedField(source="agency", queryset=Agency.objects.all())
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    commune_id = CommuneField(source="commune")
    commune_name = serializers.CharField(source="commune.name", read_only=True)

    class Meta:
        model = SponsorAssignment
        fields = [
            "id",
            "agency_id",
            "agency_name",
            "commune_id",
            "commune_name",
            "role",
            "decided_by",
            "decision_number",
            "decision_date",
            "start_date",
            "end_date",
        ]


class WorkPlanItemSerializer(ServiceInputSerializer):
    work_plan_id = VisibleRelatedField(source="work_plan", queryset=WorkPlan.objects.all())
    criterion_id = CriterionField(source="criterion")

    class Meta:
        model = WorkPlanItem
        fields = [
            "id",
            "work_plan_id",
            "period",
            "period_number",
            "title",
            "criterion_id",
            "due_date",
            "status",
            "done_on",
        ]


class WorkPlanSerializer(ServiceInputSerializer):
    assignment_id = VisibleRelatedField(source="assignment", queryset=SponsorAssignment.objects.all())
    agency_id = serializers.IntegerField(source="assignment.agency_id", read_only=True)
    commune_id = serializers.IntegerField(source="assignment.commune_id", read_only=True)
    year = serializers.IntegerField(min_value=1990, max_value=2100)
    items = WorkPlanItemSerializer(many=True, read_only=True)

    class Meta:
        model = WorkPlan
        fields = ["id", "assignment_id", "agency_id", "commune_id", "year", "title", "items"]


class FieldVisitSerializer(ServiceInputSerializer):
    agency_id = VisibleRelatedField(source="agency", queryset=Agency.objects.all())
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    commune_id = CommuneField(source="commune")
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    secondment_id = VisibleRelatedField(
        source="secondment", queryset=Secondment.objects.all(), required=False, allow_null=True
    )
    criteria_addressed_ids = VisibleRelatedField(
        source="criteria_addressed", queryset=Criterion.objects.all(), scope=_criteria, many=True, required=False
    )

    class Meta:
        model = FieldVisit
        fields = [
            "id",
            "agency_id",
            "agency_name",
            "commune_id",
            "commune_name",
            "secondment_id",
            "visit_date",
            "days_on_site",
            "hours_on_site",
            "participants",
            "activities",
            "party_cell_meetings",
            "criteria_addressed_ids",
        ]


class SupportContributionSerializer(ServiceInputSerializer):
    giver_id = VisibleRelatedField(source="giver", queryset=Agency.objects.all())
    giver_name = serializers.CharField(source="giver.name", read_only=True)
    commune_id = CommuneField(source="commune")
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    criterion_id = CriterionField(source="criterion")

    class Meta:
        model = SupportContribution
        fields = [
            "id",
            "giver_id",
            "giver_name",
            "commune_id",
            "commune_name",
            "date",
            "kind",
            "value_vnd",
            "description",
            "criterion_id",
        ]


class SecondmentCloseSerializer(serializers.Serializer):
    actual_end_date = serializers.DateField(
        help_text="Ngày kết thúc thực tế; số tiêu chí đạt của xã ngày đó được ghi lại."
    )


# --- accountability (issue 8): read-only figures of secondments.selectors, for the dashboards' API -----------------


class SecondmentResultSerializer(ReadingSerializer):
    """One secondment started by as_of, in a commune you can see by name."""

    kind = serializers.ChoiceField(choices=SecondmentKind.choices)
    outcome = serializers.ChoiceField(choices=SecondmentOutcome.choices)
    reached = serializers.BooleanField(help_text="The outcome counts as reaching the standard: during or after.")

    class Meta:
        dataclass = SecondmentResult
        after = {"reached": "outcome"}
        extra_kwargs = {
            "cadre_name": {"source": "cadre"},
            "role_at_commune": {"allow_blank": True},
            "home_agency_name": {"source": "home_agency"},
            "commune_name": {"source": "commune"},
            "district_name": {"source": "district"},
            "batch_name": {"source": "batch"},
            "end_date": {"help_text": "The actual end, when it was on or before as_of."},
            "criteria_at_end": {"help_text": "At the end, or on as_of for a secondment still running then."},
            "standard_reached_on": {"help_text": "The commune's first recognition at the standard or above, by as_of."},
            "months_to_standard": {"help_text": "From the start, when the outcome counts."},
        }


class OutcomeFiguresSerializer(ReadingSerializer):
    class Meta:
        dataclass = OutcomeFigures
        extra_kwargs = {
            "communes": {"help_text": "M: communes not meeting the standard at the start."},
            "communes_meeting_standard": {
                "help_text": "N: of those, communes that reached the standard while their cadre was there or within "
                "the months after."
            },
            "percent_meeting_standard": {"help_text": "N / M, in percent."},
        }


class OutcomeGroupSerializer(ReadingSerializer):
    class Meta:
        dataclass = OutcomeGroup
        extra_kwargs = {
            "key": {"help_text": '"all", "batch-<id>", "batch-none" or "agency-<id>".'},
            "period_end": {"help_text": "The last end, or as_of while a secondment is still running."},
            "already_meeting": {"help_text": "Communes meeting the standard when their cadre arrived."},
            "comparison": {"help_text": "The communes of the same unit with no secondment overlapping the period."},
        }


class SecondmentResultsSerializer(ReadingSerializer):
    listing_limited = serializers.BooleanField(
        help_text="True when the unit lies above your own: `secondments` lists only those to communes in your scope, "
        "while the groups count every secondment."
    )

    class Meta:
        dataclass = SecondmentResults
        after = {"listing_limited": "months_after"}
        extra_kwargs = {
            "secondments": {"help_text": "Oldest first."},
            "overall": {"help_text": "None: no secondment started by as_of."},
            "batches": {"help_text": "By year and name; secondments outside a batch last."},
            "home_agencies": {"help_text": "Most communes first."},
        }


class CommuneRefSerializer(ReadingSerializer):
    class Meta:
        dataclass = CommuneRef


class QuarterActivitySerializer(ReadingSerializer):
    class Meta:
        dataclass = QuarterActivity
        extra_kwargs = {
            "quarter": {"min_value": 1, "max_value": 4},
            "complete": {"help_text": "The quarter had ended by as_of; only a complete one is flagged."},
            "communes_not_visited": {"help_text": "Assigned communes in your scope not visited in the quarter."},
        }


class AgencyAccountabilitySerializer(ReadingSerializer):
    kind = serializers.ChoiceField(choices=AgencyKind.choices)
    flagged = serializers.BooleanField(help_text="At least one complete quarter below the minimums.")

    class Meta:
        dataclass = AgencyAccountability
        after = {"flagged": "quarters_below_minimum"}
        extra_kwargs = {
            "agency_name": {"source": "name", "help_text": "The short name where the agency has one."},
            "agency_full_name": {"source": "full_name"},
            "communes_assigned": {"help_text": "In the year."},
            "plan_items_late": {"help_text": "Open past their due date on as_of."},
            "plan_items_open": {"help_text": "Open, not yet due."},
        }


class SupportLineSerializer(ReadingSerializer):
    class Meta:
        dataclass = SupportLine
        extra_kwargs = {
            "key": {
                "allow_blank": True,
                "help_text": 'An agency or criterion id, or a kind; "" for support given to no criterion.',
            }
        }


class SponsorAccountabilitySerializer(ReadingSerializer):
    listing_limited = serializers.BooleanField(
        help_text="True when the unit lies above your own: `communes_not_visited` names only communes in your scope."
    )

    class Meta:
        dataclass = SponsorAccountability
        after = {"listing_limited": "min_days_per_commune"}
        extra_kwargs = {
            "quarters": {"child_kwargs": {"min_value": 1, "max_value": 4}},
            "agencies": {"help_text": "Flagged first, then fewest visits."},
            "support_by_agency": {"help_text": "Largest first."},
            "support_by_kind": {"help_text": "Every kind, in its order."},
            "support_by_criterion": {"help_text": "Largest first; support given to no criterion last."},
        }


# --- history ---------------------------------------------------------------------------------------------------


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField(source="api_name", help_text="The field's name, as in the record's own endpoint.")
    old = serializers.JSONField(allow_null=True, help_text="The value before: a key's id, a date, a choice's value.")
    new = serializers.JSONField(allow_null=True, help_text="The value after.")


class HistoryEntrySerializer(serializers.Serializer):
    """One change of a record (secondments.history.HistoryEntry)."""

    changed_at = serializers.DateTimeField()
    changed_by = serializers.CharField(
        source="user.username", allow_null=True, default=None, help_text="null: no user (a command, a data load)."
    )
    change = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    reason = serializers.CharField(help_text="Why, where the change says (ending a secondment, a visit's criteria).")
    changes = HistoryChangeSerializer(many=True, help_text="The fields a change changed; empty for created, deleted.")
