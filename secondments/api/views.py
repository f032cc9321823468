from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from ntm_portal.api.viewsets import ServiceModelViewSet
from secondments import filtersets, services
from secondments.history import history_entries, history_of
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

from . import serializers

WHO_WRITES = {
    "province": "Written by the province's coordination office, within its province.",
    "liaison": "Written by the province's coordination office within its province, and by an agency's liaison for "
    "its own agency in the communes the agency is assigned to.",
}


def _documented(plural: str, singular: str, writers: str, *, history: bool = False):
    actions = {"history": extend_schema(summary=f"The {singular}'s change history")} if history else {}
    return extend_schema_view(
        list=extend_schema(summary=plural.capitalize(), description=f"The {plural} you can see."),
        retrieve=extend_schema(summary=f"A {singular}"),
        create=extend_schema(summary=f"Add a {singular}", description=writers),
        update=extend_schema(summary=f"Change a {singular}", description=writers),
        partial_update=extend_schema(summary=f"Change part of a {singular}", description=writers),
        destroy=extend_schema(summary=f"Delete a {singular}", description=writers),
        **actions,
    )


class HistoryMixin:
    """`GET <record>/history/`: who changed the record, when, and what (issue 15), newest first, paginated. Seen by
    whoever sees the record: `get_object` is scoped, so another unit's record is a 404 here too."""

    @extend_schema(
        description="Every create, change and delete of the record: when, by whom, and each changed field's old and "
        "new value (a key as its id). Newest first, paginated.",
        responses=serializers.HistoryEntrySerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        page = self.paginate_queryset(history_of(self.get_object()))
        entries = history_entries(page, texts=False)
        return self.get_paginated_response(serializers.HistoryEntrySerializer(entries, many=True).data)


# Writes through secondments.services, found by the model's name (`agency_create`, `field_visit_update`...). No
# docstring: the schema would show it as the description of its viewsets' operations.
class SecondmentSideViewSet(ServiceModelViewSet):
    service_module = services


@_documented("agencies", "agency", WHO_WRITES["province"])
class AgencyViewSet(SecondmentSideViewSet):
    queryset = Agency.objects.select_related("unit")
    serializer_class = serializers.AgencySerializer
    filterset_class = filtersets.AgencyFilterSet
    ordering_fields = ["name", "kind", "level"]
    update_fields = services.AGENCY_FIELDS


@_documented("cadres", "cadre", WHO_WRITES["province"], history=True)
class CadreViewSet(HistoryMixin, SecondmentSideViewSet):
    queryset = Cadre.objects.select_related("home_agency")
    serializer_class = serializers.CadreSerializer
    filterset_class = filtersets.CadreFilterSet
    ordering_fields = ["full_name", "birth_year"]
    update_fields = services.CADRE_FIELDS


@_documented("secondment batches", "secondment batch", WHO_WRITES["province"])
class SecondmentBatchViewSet(SecondmentSideViewSet):
    queryset = SecondmentBatch.objects.all()
    serializer_class = serializers.SecondmentBatchSerializer
    filterset_class = filtersets.SecondmentBatchFilterSet
    ordering_fields = ["year", "name"]
    update_fields = services.BATCH_FIELDS


@_documented("secondments", "secondment", WHO_WRITES["province"], history=True)
class SecondmentViewSet(HistoryMixin, SecondmentSideViewSet):
    queryset = Secondment.objects.select_related("cadre", "commune")
    serializer_class = serializers.SecondmentSerializer
    filterset_class = filtersets.SecondmentFilterSet
    ordering_fields = ["start_date", "decision_date", "actual_end_date", "commune__code"]
    update_fields = services.SECONDMENT_FIELDS

    @extend_schema(
        summary="End a secondment",
        description="Records the actual end date and the commune's criteria count that day (seed 002). "
        + WHO_WRITES["province"],
        request=serializers.SecondmentCloseSerializer,
        responses=serializers.SecondmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        secondment = self.get_object()
        closed = services.secondment_close(
            user=request.user, secondment=secondment, **self.validated_body(serializers.SecondmentCloseSerializer)
        )
        return Response(self.get_serializer(closed).data)


@_documented("sponsor assignments", "sponsor assignment", WHO_WRITES["province"], history=True)
class SponsorAssignmentViewSet(HistoryMixin, SecondmentSideViewSet):
    queryset = SponsorAssignment.objects.select_related("agency", "commune")
    serializer_class = serializers.SponsorAssignmentSerializer
    filterset_class = filtersets.SponsorAssignmentFilterSet
    ordering_fields = ["start_date", "commune__code", "agency__name"]
    update_fields = services.ASSIGNMENT_FIELDS


@_documented("work plans", "work plan", WHO_WRITES["province"], history=True)
class WorkPlanViewSet(HistoryMixin, SecondmentSideViewSet):
    queryset = WorkPlan.objects.select_related("assignment").prefetch_related(
        Prefetch("items", WorkPlanItem.objects.order_by("due_date", "pk"))
    )
    serializer_class = serializers.WorkPlanSerializer
    filterset_class = filtersets.WorkPlanFilterSet
    ordering_fields = ["year", "title"]
    update_fields = services.WORK_PLAN_FIELDS


@_documented("work plan items", "work plan item", WHO_WRITES["liaison"], history=True)
class WorkPlanItemViewSet(HistoryMixin, SecondmentSideViewSet):
    queryset = WorkPlanItem.objects.all()
    serializer_class = serializers.WorkPlanItemSerializer
    filterset_class = filtersets.WorkPlanItemFilterSet
    ordering_fields = ["due_date", "status"]
    update_fields = services.WORK_PLAN_ITEM_FIELDS


@_documented("field visits", "field visit", WHO_WRITES["liaison"], history=True)
class FieldVisitViewSet(HistoryMixin, SecondmentSideViewSet):
    queryset = FieldVisit.objects.select_related("agency", "commune").prefetch_related("criteria_addressed")
    serializer_class = serializers.FieldVisitSerializer
    filterset_class = filtersets.FieldVisitFilterSet
    ordering_fields = ["visit_date", "days_on_site", "commune__code", "agency__name"]
    update_fields = services.FIELD_VISIT_FIELDS


@_documented("support contributions", "support contribution", WHO_WRITES["liaison"], history=True)
class SupportContributionViewSet(HistoryMixin, SecondmentSideViewSet):
    queryset = SupportContribution.objects.select_related("giver", "commune")
    serializer_class = serializers.SupportContributionSerializer
    filterset_class = filtersets.SupportContributionFilterSet
    ordering_fields = ["date", "value_vnd", "commune__code"]
    update_fields = services.SUPPORT_FIELDS
