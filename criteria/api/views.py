from __future__ import annotations

import dataclasses

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from communes.models import AdministrativeUnit
from communes.permissions import nameable_communes
from criteria.filtersets import (
    AssessmentRoundFilterSet,
    CriteriaSetFilterSet,
    IndicatorValueFilterSet,
    UnitTargetFilterSet,
)
from criteria.forecast import TREND_ROUNDS, unit_forecast
from criteria.models import (
    AssessmentRound,
    CriteriaSet,
    Criterion,
    CriterionResult,
    Indicator,
    IndicatorValue,
    UnitTarget,
)
from criteria.selectors import round_list, unit_progress_summary, unit_progress_trend
from criteria.services import assessment as workflow
from criteria.services.transitions import TRANSITIONS, Transition
from ntm_portal.api.viewsets import PortalViewSetMixin, ReadOnlyViewSet, ScopedModelViewSet
from ntm_portal.figures_cache import cached_figures
from secondments import selectors as secondment_selectors
from secondments.api.serializers import SecondmentResultsSerializer, SponsorAccountabilitySerializer
from secondments.selectors import secondment_summary, sponsor_summary

from .serializers import (
    AsOfQuerySerializer,
    AssessmentChangeSerializer,
    AssessmentRoundSerializer,
    CriteriaSetSerializer,
    DashboardSerializer,
    IndicatorValueSerializer,
    ProgressQuerySerializer,
    RecognitionResultSerializer,
    RoundStartSerializer,
    RoundValuesSerializer,
    SaveResultSerializer,
    SecondmentResultsQuerySerializer,
    SponsorAccountabilityQuerySerializer,
    TrendQuerySerializer,
    TrendSerializer,
    UnitForecastSerializer,
    UnitProgressSerializer,
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
        outcome = workflow.transition_take(transition.name, user=request.user, assessment_round=assessment_round,
                                           **data)  # fmt: skip
        if outcome is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        if transition.name == "recognise":
            body_out = {
                "id": outcome.pk, "level": outcome.level, "decision_number": outcome.decision_number,
                "decision_date": outcome.decision_date, "signer": outcome.signer,
                # The round itself (not its JSON): the nested serializer reads its results and values.
                "round": self.get_queryset().get(pk=assessment_round.pk),
            }  # fmt: skip
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


def _body(figures, *, listed: set[int] | None, **replaced) -> dict:
    """A selector's dataclass as the serializer reads it, with some fields replaced and whether rows were limited."""
    return {
        **{field.name: getattr(figures, field.name) for field in dataclasses.fields(figures)},
        **replaced,
        "listing_limited": listed is not None,
    }


ABOVE_YOUR_UNIT = (
    " A commune's or district's officials may read the figures of the units above them; the rows that name communes "
    "then list only the communes in their own scope (`listing_limited` is true), while every count and figure covers "
    "all of the unit's communes."
)


class DashboardViewSet(PortalViewSetMixin, viewsets.GenericViewSet):
    """Figures of a province, district or commune on a date, for dashboards: the same selectors as the PDF report."""

    queryset = AdministrativeUnit.objects.all()
    serializer_class = DashboardSerializer
    pagination_class = None
    query_serializers = {
        "retrieve": ProgressQuerySerializer,
        "country": ProgressQuerySerializer,
        "trend": TrendQuerySerializer,
        "secondment_results": SecondmentResultsQuerySerializer,
        "sponsor_accountability": SponsorAccountabilityQuerySerializer,
        "forecast": AsOfQuerySerializer,
    }

    @extend_schema(
        summary="Dashboard of a unit",
        description="Communes total and meeting the standard (N, %), by NTM level, average criteria, bands, "
        "districts, per-criterion counts (weakest first), target and progress; secondment and sponsor summaries "
        "(visits and support from 1 January of as_of's year). Any unit you can see: a commune's, district's or "
        "province's officials may read the summaries of the units above them.",
        parameters=[ProgressQuerySerializer],
        responses=DashboardSerializer,
    )
    def retrieve(self, request, pk=None):
        unit = self.get_object()
        validated = self.validated_query(ProgressQuerySerializer)
        as_of = validated["as_of"]

        def figures() -> dict:
            body = {
                "progress": unit_progress_summary(unit=unit, **validated),
                "secondments": secondment_summary(unit=unit, as_of=as_of),
                "sponsors": sponsor_summary(unit=unit, as_of=as_of),
            }
            return DashboardSerializer(body).data

        # The same for everyone who may read the unit (get_object checked that): the key is the unit and the
        # parameters, not the caller. The serialized data is kept, so a hit costs no serializer either.
        criteria_set = validated.get("criteria_set")
        key = (unit.pk, as_of, criteria_set.pk if criteria_set else None, validated.get("approved_only"))
        return Response(cached_figures("api-dashboard", key, figures))

    @extend_schema(
        summary="National overview (superusers)",
        description="The whole country on a date: communes meeting the standard, by level, bands, per criterion, and "
        "one line per province, from the progress ledger in a few set-based queries. Superusers only.",
        parameters=[ProgressQuerySerializer],
        responses=UnitProgressSerializer,
    )
    @action(detail=False, methods=["get"])
    def country(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied(_("Chỉ quản trị viên toàn quốc xem được số liệu cả nước."))
        validated = self.validated_query(ProgressQuerySerializer)
        criteria_set = validated.get("criteria_set")
        key = (validated["as_of"], criteria_set.pk if criteria_set else None, validated.get("approved_only"))
        return Response(
            cached_figures(
                "api-country", key, lambda: UnitProgressSerializer(unit_progress_summary(unit=None, **validated)).data
            )
        )

    @extend_schema(
        summary="Trend of a unit by year",
        description="For each year, the figures on 31 December (the last year: on as_of) against that year's "
        "national set: communes meeting the standard, average criteria, and the target in force.",
        parameters=[TrendQuerySerializer],
        responses=TrendSerializer,
    )
    @action(detail=True, methods=["get"])
    def trend(self, request, pk=None):
        unit = self.get_object()
        validated = self.validated_query(TrendQuerySerializer)

        def figures() -> dict:
            return TrendSerializer({"unit": unit, "years": unit_progress_trend(unit=unit, **validated)}).data

        # As the dashboard: the same for everyone who may read the unit.
        years = validated["years"]
        key = (unit.pk, validated["as_of"], years.start, years.stop, validated["approved_only"])
        return Response(cached_figures("api-trend", key, figures))

    @extend_schema(
        summary="Results of the secondments to a unit's communes",
        description="Did the communes the cadres were seconded or rotated to reach the NTM standard? A commune reaches "
        "it when its first recognition decision falls between the cadre's arrival and `months_after` months after the "
        "cadre left (still there: by as_of). N of M per group (all, each batch, each home agency): M leaves out the "
        "communes already meeting the standard when their cadre arrived; medians of criteria gained and of months to "
        "the standard. Each group's comparison: the communes of the same unit with no secondment overlapping the "
        "group's period, not meeting the standard at its start, reaching it by the period's end plus the same months. "
        "`secondments`: one row per secondment started by as_of, oldest first, with its commune." + ABOVE_YOUR_UNIT,
        parameters=[SecondmentResultsQuerySerializer],
        responses=SecondmentResultsSerializer,
    )
    @action(detail=True, methods=["get"], url_path="secondment-results")
    def secondment_results(self, request, pk=None):
        unit = self.get_object()
        params = self.validated_query(SecondmentResultsQuerySerializer)
        results = secondment_selectors.secondment_results(unit=unit, **params)
        listed = nameable_communes(request.user, unit)
        rows = results.secondments if listed is None else [r for r in results.secondments if r.commune_id in listed]
        return Response(SecondmentResultsSerializer(_body(results, listed=listed, secondments=rows)).data)

    @extend_schema(
        summary="Accountability of the sponsors of a unit's communes",
        description="Per agency assigned to the unit's communes, quarter by quarter of `year` up to as_of: field "
        "visits, days and hours on site, the assigned communes not visited. An agency-quarter is flagged (below "
        "minimum) when the quarter is complete (ended by as_of) and the agency made fewer visits, or spent fewer days "
        "on site, than the minimums (`min_visits`, `min_days`) times the communes assigned to it in that quarter; an "
        "agency is flagged when one of its quarters is. Support given in the year by agency, kind and criterion; "
        "work-plan items due in the year: done, late (open past their due date on as_of) or open; cancelled ones "
        "left out." + ABOVE_YOUR_UNIT,
        parameters=[SponsorAccountabilityQuerySerializer],
        responses=SponsorAccountabilitySerializer,
    )
    @action(detail=True, methods=["get"], url_path="sponsor-accountability")
    def sponsor_accountability(self, request, pk=None):
        unit = self.get_object()
        params = self.validated_query(SponsorAccountabilityQuerySerializer)
        as_of = params["as_of"]
        year = params.get("year") or secondment_selectors.sponsor_default_year(unit=unit, as_of=as_of)
        min_days = params.get("min_days")
        figures = secondment_selectors.sponsor_accountability(
            unit=unit,
            year=year,
            as_of=as_of,
            min_visits_per_commune=params.get("min_visits"),
            min_days_per_commune=None if min_days is None else float(min_days),
        )
        listed = nameable_communes(request.user, unit)
        agencies = figures.agencies
        if listed is not None:
            agencies = [
                dataclasses.replace(
                    agency,
                    quarters=[
                        dataclasses.replace(
                            q, communes_not_visited=[c for c in q.communes_not_visited if c.id in listed]
                        )
                        for q in agency.quarters
                    ],
                )
                for agency in agencies
            ]
        return Response(SponsorAccountabilitySerializer(_body(figures, listed=listed, agencies=agencies)).data)

    @extend_schema(
        summary="Forecast of a unit's communes and target",
        description="When each commune reaches the standard on its present pace, and whether the unit's target (and "
        "a province's districts' targets) is met on that trend. A commune's pace is the least-squares slope of its "
        f"criteria met over the last {TREND_ROUNDS} yearly rounds (one a year, the year's latest) of the set it is "
        "assessed on now; its projected year is when that line, from its latest count, reaches all the set's "
        "criteria. A target is met on the trend when the communes meeting the standard now plus those projected by "
        "the target year reach it; `deciding` lists the communes the target needs, soonest first, each on track or "
        "not. Arithmetic on a short series, not a model." + ABOVE_YOUR_UNIT,
        parameters=[AsOfQuerySerializer],
        responses=UnitForecastSerializer,
    )
    @action(detail=True, methods=["get"])
    def forecast(self, request, pk=None):
        unit = self.get_object()
        params = self.validated_query(AsOfQuerySerializer)
        figures = unit_forecast(unit=unit, as_of=params["as_of"])
        listed = nameable_communes(request.user, unit)
        if listed is None:
            return Response(UnitForecastSerializer(_body(figures, listed=None)).data)

        def limited(outlook):
            return dataclasses.replace(outlook, deciding=[d for d in outlook.deciding if d[0].commune_id in listed])

        body = _body(
            figures,
            listed=listed,
            communes=[c for c in figures.communes if c.commune_id in listed],
            outlook=limited(figures.outlook),
            districts=[limited(district) for district in figures.districts],
        )
        return Response(UnitForecastSerializer(body).data)
