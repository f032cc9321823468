from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from criteria.filtersets import (
    AssessmentRoundFilterSet,
    CriteriaSetFilterSet,
    IndicatorValueFilterSet,
    UnitTargetFilterSet,
)
from criteria.models import (
    AssessmentRound,
    CriteriaSet,
    Criterion,
    CriterionResult,
    Indicator,
    IndicatorValue,
    UnitTarget,
)
from criteria.selectors import round_list
from criteria.services import assessment as workflow
from criteria.services.transitions import TRANSITIONS, Transition
from ntm_portal.api.viewsets import PortalViewSetMixin, ReadOnlyViewSet, ScopedModelViewSet

from .serializers import (
    AssessmentChangeSerializer,
    AssessmentRoundSerializer,
    CriteriaSetSerializer,
    IndicatorValueSerializer,
    RecognitionResultSerializer,
    RoundStartSerializer,
    RoundValuesSerializer,
    SaveResultSerializer,
    UnitTargetSerializer,
    transition_request_serializer,
)


@extend_schema_view(
    list=extend_schema(summary="Criteria sets", description="National sets, and the provincial sets you can see."),
    retrieve=extend_schema(summary="A criteria set with its criteria, indicators and targets"),
)
class CriteriaSetViewSet(ReadOnlyViewSet):
    queryset = CriteriaSet.objects.prefetch_related(
        Prefetch(
            "criteria",
            Criterion.objects.order_by("number").prefetch_related(
                Prefetch("indicators", Indicator.objects.order_by("position", "code").prefetch_related("targets"))
            ),
        )
    )
    serializer_class = CriteriaSetSerializer
    filterset_class = CriteriaSetFilterSet
    ordering_fields = ["code", "period_start", "period_end", "level"]


def _round_queryset(user):
    """The rounds the user sees, scored ("15/19") and joined, with their results and values (criteria.selectors)."""
    return (
        round_list(user=user)
        .select_related("recognition")
        .prefetch_related(
            Prefetch(
                "criterion_results", CriterionResult.objects.select_related("criterion").order_by("criterion__number")
            ),
            Prefetch(
                "indicator_values",
                IndicatorValue.objects.select_related("indicator").order_by(
                    "indicator__criterion__number", "indicator__position", "indicator__code"
                ),
            ),
        )
    )


ROUND_ACTION_ERRORS = (
    "Refused with 403 when your role or unit may not, with 409 when the round's state does not allow it."
)


@extend_schema_view(
    list=extend_schema(
        summary="Assessment rounds",
        description="The rounds of the communes you can see.",
    ),
    retrieve=extend_schema(summary="An assessment round with its results and values"),
    create=extend_schema(
        summary="Start a round (draft)",
        description="A commune official for their commune, or the province's coordination office. "
        + ROUND_ACTION_ERRORS,
        request=RoundStartSerializer,
        responses={201: AssessmentRoundSerializer},
    ),
)
class AssessmentRoundViewSet(
    PortalViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """A commune's assessment rounds. Every write goes through the workflow services (criteria.services.assessment),
    which check the caller's permission, the round's state and its version, and log every change."""

    queryset = AssessmentRound.objects.all()
    serializer_class = AssessmentRoundSerializer
    filterset_class = AssessmentRoundFilterSet
    ordering_fields = ["year", "as_of", "status", "updated_at", "commune__code", "commune__name"]

    def get_queryset(self):
        return _round_queryset(self.request.user)

    def get_serializer_context(self):
        # One round read alone says which steps the caller may take now (a list would ask once per row).
        return {**super().get_serializer_context(), "with_actions": self.action != "list"}

    def _fresh(self, assessment_round) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=assessment_round.pk)).data

    def create(self, request, *args, **kwargs):
        assessment_round = workflow.round_start(user=request.user, **self.validated_body(RoundStartSerializer))
        return Response(self._fresh(assessment_round), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Save values (draft or returned rounds)",
        description="Indicator values by indicator id and, for criteria assessed as a whole, met or not by criterion "
        "id. Each listed indicator is replaced as a whole; all or nothing. `version` is the round's version you read: "
        "a save based on an older one is refused with 409. " + ROUND_ACTION_ERRORS,
        request=RoundValuesSerializer,
        responses={200: SaveResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def values(self, request, pk=None):
        assessment_round = self.get_object()
        data = self.validated_body(RoundValuesSerializer)
        result = workflow.round_save(
            user=request.user,
            assessment_round=assessment_round,
            expected_version=data["version"],
            indicators={
                item["indicator"]: workflow.IndicatorInput(
                    value_number=item.get("value_number"), value_bool=item.get("value_bool"), note=item["note"]
                )
                for item in data["indicators"]
            },
            criteria={
                item["criterion"]: workflow.CriterionInput(met=item.get("met"), note=item["note"])
                for item in data["criteria"]
            },
        )
        return Response({"changes": result.changes, "version": result.version, "round": self._fresh(assessment_round)})

    @extend_schema(
        summary="The round's change log",
        description="Every change of a value or a state: who, when, old → new, and why. Oldest first, paginated.",
        responses=AssessmentChangeSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        assessment_round = self.get_object()
        changes = assessment_round.changes.select_related("changed_by").order_by("changed_at", "pk")
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(AssessmentChangeSerializer(page, many=True).data)


def _transition_route(transition: Transition):
    """The API route of one transition of the table: its body is built from the row, its work is the service's
    `transition_take`, as the round page's panel does."""
    body = transition_request_serializer(transition)

    def take(self, request, pk=None):
        assessment_round = self.get_object()
        data = self.validated_body(body)
        if transition.needs_review:
            data["reviews"] = {
                item["criterion"]: workflow.ReviewInput(state=item.get("state"), comment=item["comment"])
                for item in data["reviews"]
            }
        outcome = workflow.transition_take(
            transition.name, user=request.user, assessment_round=assessment_round, **data
        )
        if outcome is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        if transition.name == "recognise":
            body_out = {
                "id": outcome.pk,
                "level": outcome.level,
                "decision_number": outcome.decision_number,
                "decision_date": outcome.decision_date,
                "signer": outcome.signer,
                # The round itself (not its JSON): the nested serializer reads its results and values.
                "round": self.get_queryset().get(pk=assessment_round.pk),
            }
            answer = RecognitionResultSerializer(body_out, context=self.get_serializer_context())
            return Response(answer.data, status=status.HTTP_201_CREATED)
        return Response(self._fresh(assessment_round))

    take.__name__ = transition.name
    responses = {200: AssessmentRoundSerializer}
    if transition.name == "recognise":
        responses = {201: RecognitionResultSerializer}
    elif transition.name == "withdraw":
        responses = {204: None}
    states = ", ".join(transition.from_states)
    description = (
        f"{transition.help} From: {states}. To: {transition.to_state or '(see above)'}. {ROUND_ACTION_ERRORS}"
    ).strip()
    return extend_schema(summary=str(transition.title), description=description, request=body, responses=responses)(
        action(detail=True, methods=["post"], url_path=transition.api_path, url_name=transition.api_path)(take)
    )


for _transition in TRANSITIONS.values():
    setattr(AssessmentRoundViewSet, _transition.name, _transition_route(_transition))


@extend_schema_view(
    list=extend_schema(summary="Indicator values", description="Values of the rounds you can see."),
    retrieve=extend_schema(summary="An indicator value"),
)
class IndicatorValueViewSet(ReadOnlyViewSet):
    queryset = IndicatorValue.objects.select_related("indicator", "assessment_round")
    serializer_class = IndicatorValueSerializer
    filterset_class = IndicatorValueFilterSet
    ordering_fields = ["assessment_round__year", "indicator__code", "value_number"]


@extend_schema_view(
    list=extend_schema(summary="Unit targets"),
    retrieve=extend_schema(summary="A unit target"),
    create=extend_schema(summary="Set a target (province coordinator; district officer for its district)"),
    update=extend_schema(summary="Change a target"),
    partial_update=extend_schema(summary="Change part of a target"),
    destroy=extend_schema(summary="Delete a target"),
)
class UnitTargetViewSet(ScopedModelViewSet):
    queryset = UnitTarget.objects.select_related("unit")
    serializer_class = UnitTargetSerializer
    filterset_class = UnitTargetFilterSet
    ordering_fields = ["year", "unit__code"]
