"""/api/v1/dashboards/: the figures of a unit on a date, read through the same selectors as the PDF report."""

from __future__ import annotations

import dataclasses

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from communes.models import AdministrativeUnit
from communes.permissions import nameable_communes
from criteria.api.serializers import AsOfQuerySerializer, ProgressQuerySerializer, TrendQuerySerializer
from criteria.forecast import TREND_ROUNDS, unit_forecast
from criteria.selectors import unit_progress_summary, unit_progress_trend
from ntm_portal.api.viewsets import PortalViewSetMixin
from ntm_portal.figures_cache import cached_figures
from secondments import selectors as secondment_selectors
from secondments.api.serializers import SecondmentResultsSerializer, SponsorAccountabilitySerializer
from secondments.selectors import secondment_summary, sponsor_summary

from .serializers import (
    DashboardSerializer,
    SecondmentResultsQuerySerializer,
    SponsorAccountabilityQuerySerializer,
    TrendSerializer,
    UnitForecastSerializer,
    UnitProgressSerializer,
)


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
