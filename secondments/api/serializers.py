"""Serializers of the secondment side: they parse the input and limit every foreign key to the rows the caller sees.
The writes themselves are secondments.services' (who may write, checked by ntm_portal.access, and the model's own
validation)."""

from rest_framework import serializers

from communes.models import AdministrativeUnit
from criteria.models import Criterion
from ntm_portal import access
from ntm_portal.api.serializers import VisibleRelatedField
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


def _criteria(user):
    return Criterion.objects.filter(criteria_set__in=access.visible_criteria_sets(user))


def CommuneField(**kwargs):  # noqa: N802 - a field factory, read like a field class
    return VisibleRelatedField(queryset=AdministrativeUnit.objects.communes(), **kwargs)


def CriterionField(**kwargs):  # noqa: N802
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    return VisibleRelatedField(queryset=Criterion.objects.all(), scope=_criteria, **kwargs)


class AgencySerializer(serializers.ModelSerializer):
    unit = VisibleRelatedField(queryset=AdministrativeUnit.objects.all(), help_text="Tỉnh hoặc huyện (khóa).")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    parent = VisibleRelatedField(
        queryset=Agency.objects.all(), scope=access.visible_agencies, required=False, allow_null=True
    )

    class Meta:
        model = Agency
        fields = ["id", "name", "short_name", "kind", "level", "unit", "unit_name", "parent", "contact"]


class CadreSerializer(serializers.ModelSerializer):
    home_agency = VisibleRelatedField(queryset=Agency.objects.all(), scope=access.visible_agencies)
    home_agency_name = serializers.CharField(source="home_agency.name", read_only=True)

    class Meta:
        model = Cadre
        fields = [
            "id",
            "full_name",
            "gender",
            "birth_year",
            "title",
            "home_agency",
            "home_agency_name",
            "phone",
            "email",
        ]


class SecondmentBatchSerializer(serializers.ModelSerializer):
    province = VisibleRelatedField(queryset=AdministrativeUnit.objects.provinces())
    year = serializers.IntegerField(min_value=1990, max_value=2100)

    class Meta:
        model = SecondmentBatch
        fields = ["id", "province", "name", "year", "decided_by", "decision_number", "decision_date"]


class SecondmentSerializer(serializers.ModelSerializer):
    cadre = VisibleRelatedField(queryset=Cadre.objects.all(), scope=access.visible_cadres)
    cadre_name = serializers.CharField(source="cadre.full_name", read_only=True)
    commune = CommuneField()
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    batch = VisibleRelatedField(
        queryset=SecondmentBatch.objects.all(), scope=access.visible_batches, required=False, allow_null=True
    )

    class Meta:
        model = Secondment
        fields = [
            "id", "cadre", "cadre_name", "commune", "commune_name", "batch", "kind", "role_at_commune", "decided_by",
            "decision_number", "decision_date", "start_date", "planned_end_date", "actual_end_date",
            "criteria_met_at_start", "criteria_met_at_end", "note",
        ]  # fmt: skip


class SponsorAssignmentSerializer(serializers.ModelSerializer):
    agency = VisibleRelatedField(queryset=Agency.objects.all(), scope=access.visible_agencies)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    commune = CommuneField()
    commune_name = serializers.CharField(source="commune.name", read_only=True)

    class Meta:
        model = SponsorAssignment
        fields = [
            "id", "agency", "agency_name", "commune", "commune_name", "role", "decided_by", "decision_number",
            "decision_date", "start_date", "end_date",
        ]  # fmt: skip


class WorkPlanItemSerializer(serializers.ModelSerializer):
    work_plan = VisibleRelatedField(queryset=WorkPlan.objects.all())
    criterion = CriterionField()

    class Meta:
        model = WorkPlanItem
        fields = ["id", "work_plan", "period", "period_number", "title", "criterion", "due_date", "status", "done_on"]


class WorkPlanSerializer(serializers.ModelSerializer):
    assignment = VisibleRelatedField(queryset=SponsorAssignment.objects.all())
    agency = serializers.IntegerField(source="assignment.agency_id", read_only=True)
    commune = serializers.IntegerField(source="assignment.commune_id", read_only=True)
    year = serializers.IntegerField(min_value=1990, max_value=2100)
    items = WorkPlanItemSerializer(many=True, read_only=True)

    class Meta:
        model = WorkPlan
        fields = ["id", "assignment", "agency", "commune", "year", "title", "items"]


class FieldVisitSerializer(serializers.ModelSerializer):
    agency = VisibleRelatedField(queryset=Agency.objects.all(), scope=access.visible_agencies)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    commune = CommuneField()
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    secondment = VisibleRelatedField(queryset=Secondment.objects.all(), required=False, allow_null=True)
    criteria_addressed = VisibleRelatedField(
        queryset=Criterion.objects.all(), scope=_criteria, many=True, required=False
    )

    class Meta:
        model = FieldVisit
        fields = [
            "id", "agency", "agency_name", "commune", "commune_name", "secondment", "visit_date", "days_on_site",
            "hours_on_site", "participants", "activities", "party_cell_meetings", "criteria_addressed",
        ]  # fmt: skip


class SupportContributionSerializer(serializers.ModelSerializer):
    giver = VisibleRelatedField(queryset=Agency.objects.all(), scope=access.visible_agencies)
    giver_name = serializers.CharField(source="giver.name", read_only=True)
    commune = CommuneField()
    commune_name = serializers.CharField(source="commune.name", read_only=True)
    criterion = CriterionField()

    class Meta:
        model = SupportContribution
        fields = [
            "id", "giver", "giver_name", "commune", "commune_name", "date", "kind", "value_vnd", "description",
            "criterion",
        ]  # fmt: skip


class SecondmentCloseSerializer(serializers.Serializer):
    actual_end_date = serializers.DateField(
        help_text="Ngày kết thúc thực tế; số tiêu chí đạt của xã ngày đó được ghi lại."
    )
