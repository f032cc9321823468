from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view

from communes.filtersets import AdministrativeUnitFilterSet
from communes.models import AdministrativeUnit, UnitSuccession
from ntm_portal.api.viewsets import ReadOnlyViewSet

from .serializers import AdministrativeUnitSerializer


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
