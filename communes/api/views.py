from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from communes.filtersets import AdministrativeUnitFilterSet
from communes.models import AdministrativeUnit, UnitSuccession
from criteria.api.serializers import ProgressQuerySerializer
from criteria.filtersets import CommuneFilterSet
from criteria.selectors import commune_progress_for
from ntm_portal.api.viewsets import ReadOnlyViewSet

from .serializers import AdministrativeUnitSerializer, CommuneSerializer


def succession_prefetch() -> list[Prefetch]:
    """merged_from and merged_into with the unit at the other end of each link: two queries for any page."""
    return [
        Prefetch("predecessor_links", queryset=UnitSuccession.objects.select_related("predecessor").order_by("pk")),
        Prefetch("successor_links", queryset=UnitSuccession.objects.select_related("successor").order_by("pk")),
    ]


@extend_schema_view(
    list=extend_schema(
        summary="Administrative units",
        description="The communes you can see and the units above and under your own. `q` ignores diacritics: "
        "'dinh hoa' finds 'Định Hóa'.",
    ),
    retrieve=extend_schema(summary="An administrative unit"),
)
class AdministrativeUnitViewSet(ReadOnlyViewSet):
    queryset = AdministrativeUnit.objects.prefetch_related(*succession_prefetch())
    serializer_class = AdministrativeUnitSerializer
    filterset_class = AdministrativeUnitFilterSet
    ordering_fields = ["code", "name", "level"]


@extend_schema_view(
    list=extend_schema(
        summary="Communes with their progress",
        description="Each commune with its NTM level and recognition, and its progress on `as_of`: the latest round "
        "of the set, criteria met of the set's total, and the criteria not met yet (criteria.selectors, as the "
        "dashboards and the PDF report figure them).",
        parameters=[ProgressQuerySerializer],
    ),
    retrieve=extend_schema(summary="A commune with its progress", parameters=[ProgressQuerySerializer]),
)
class CommuneViewSet(ReadOnlyViewSet):
    queryset = (
        AdministrativeUnit.objects.communes()
        .select_related("province", "district", "recognition")
        .prefetch_related(*succession_prefetch())
    )
    serializer_class = CommuneSerializer
    filterset_class = CommuneFilterSet
    ordering_fields = ["code", "name", "ntm_level", "target_year"]
    query_serializers = {"list": ProgressQuerySerializer, "retrieve": ProgressQuerySerializer}

    def _progress_context(self, communes) -> dict:
        params = ProgressQuerySerializer(data=self.request.query_params, context={"request": self.request})
        params.is_valid(raise_exception=True)
        return {
            "as_of": params.validated_data["as_of"],
            "progress": commune_progress_for(communes=communes, **params.validated_data),
        }

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), **self._progress_context(page)}
        return self.get_paginated_response(CommuneSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        commune = self.get_object()
        context = {**self.get_serializer_context(), **self._progress_context([commune])}
        return Response(CommuneSerializer(commune, context=context).data)
