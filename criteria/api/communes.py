"""/api/v1/communes/: each commune with where it stands on a date (criteria.selectors), above the communes app."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.response import Response

from communes.api.views import succession_prefetch
from communes.models import AdministrativeUnit
from criteria.filtersets import CommuneFilterSet
from criteria.selectors import commune_progress_for
from ntm_portal.api.viewsets import ReadOnlyViewSet

from .serializers import CommuneSerializer, ProgressQuerySerializer


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
        params = self.validated_query(ProgressQuerySerializer)
        return {"as_of": params["as_of"], "progress": commune_progress_for(communes=communes, **params)}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), **self._progress_context(page)}
        return self.get_paginated_response(CommuneSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        commune = self.get_object()
        context = {**self.get_serializer_context(), **self._progress_context([commune])}
        return Response(CommuneSerializer(commune, context=context).data)
