"""The map of a unit's communes (issue 19): where each commune is and its standing on a date, for the dashboard and
the PDF report's map."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count

from communes.choices import NtmLevel
from communes.models import AdministrativeUnit

from . import ledger
from .selectors import criteria_band_ranges


@dataclass(frozen=True)
class MapPoint:
    """One commune on the map: where it is (None when the reference data has no coordinates for it) and its standing
    on the map's date: "advanced" (nâng cao or kiểu mẫu), "standard", or, not yet recognised, the criteria-met band of
    its latest round ("all", "high", "middle", "low", as criteria.selectors.criteria_band_ranges), or "none" without
    a round of the set in force."""

    commune_id: int
    name: str
    latitude: float | None
    longitude: float | None
    standing: str
    criteria_met: int | None
    criteria_total: int


@dataclass(frozen=True)
class CommunesMap:
    unit_name: str
    as_of: datetime.date
    criteria_set_name: str | None
    criteria_total: int
    points: list[MapPoint]  # in code order

    @property
    def without_coordinates(self) -> list[MapPoint]:
        return [p for p in self.points if p.latitude is None or p.longitude is None]


def _map_standing(level: str, criteria_met: int | None, bands: list[tuple[str, str, int, int]]) -> str:
    if level in (NtmLevel.ADVANCED, NtmLevel.MODEL):
        return "advanced"
    if ledger.meets_standard(level):
        return "standard"
    if criteria_met is None:
        return "none"
    return next((key for key, _label, low, high in bands if low <= criteria_met <= high), "low")


def communes_map_points(*, unit: AdministrativeUnit, as_of: datetime.date) -> CommunesMap:
    """The communes in force on `as_of` within `unit`, with their coordinates and standing then against the set in
    force that year, as the dashboard's figures read it (ledger.with_standing). Two queries whatever the number of
    communes: the set with its criteria counted, the annotated communes."""
    criteria_set = ledger.national_basic_sets(as_of.year).annotate(criteria_total=Count("criteria")).first()
    criteria_total = criteria_set.criteria_total if criteria_set else 0
    bands = criteria_band_ranges(criteria_total)
    communes = AdministrativeUnit.objects.communes().in_force_on(as_of).within(unit)
    rows = (
        ledger.with_standing(communes, criteria_set=criteria_set, day=as_of, with_round=False)
        .order_by("code", "pk")
        .values("pk", "name", "latitude", "longitude", "criteria_met", "level_as_of")
    )
    points = [
        MapPoint(
            commune_id=row["pk"],
            name=row["name"],
            latitude=float(row["latitude"]) if row["latitude"] is not None else None,
            longitude=float(row["longitude"]) if row["longitude"] is not None else None,
            standing=_map_standing(row["level_as_of"], row["criteria_met"], bands),
            criteria_met=row["criteria_met"],
            criteria_total=criteria_total,
        )
        for row in rows
    ]
    return CommunesMap(
        unit_name=unit.name,
        as_of=as_of,
        criteria_set_name=criteria_set.name if criteria_set else None,
        criteria_total=criteria_total,
        points=points,
    )
