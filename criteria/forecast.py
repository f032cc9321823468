"""When will each commune reach the standard on its present pace, and will the unit's target be met? (issue 8)

A commune's pace is the least-squares slope of its criteria met over its last rounds of the set it is assessed on now
(one point a year, at most TREND_ROUNDS); its projected year is when that line reaches all the set's criteria. A
district or province meets its target on the trend when the communes meeting the standard now plus those projected
to reach it by the target year are at least the target. The communes that decide it are the ones the target needs,
taken in order of how soon they are projected to get there: if each of them makes it, the target is met.

This is arithmetic on a short series, not a model: the pages say so next to the figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from communes.models import AdministrativeUnit
from ntm_portal.choices import UnitLevel

from . import ledger
from .selectors import CriteriaHistory, criteria_history, targets_in_force

TREND_ROUNDS = 4  # the last four years: long enough to smooth one bad year, short enough to be the present pace
HORIZON_YEARS = 20  # further than this on the trend counts as "not on the present pace"
PROJECTION_YEARS = 5  # the yearly projection runs at least this far past as_of's year


class ForecastStatus:
    MEETS = "meets"  # meeting the standard on as_of
    PROJECTED = "projected"
    STALLED = "stalled"  # no gain on the trend, or beyond the horizon
    NO_DATA = "no_data"  # fewer than two rounds of its present set
    ALL = (MEETS, PROJECTED, STALLED, NO_DATA)


@dataclass(frozen=True)
class CommuneForecast:
    commune_id: int
    code: str
    name: str
    district_id: int | None
    district_name: str | None
    criteria_met: int | None  # in the latest round by as_of
    criteria_total: int  # of that round's set
    criteria_per_year: float | None  # the trend's slope
    status: str  # ForecastStatus value
    standard_year: int | None  # the year recognised (MEETS) or projected (PROJECTED)
    # The latest round is of the set in force before as_of's: no trend on the present set yet (NO_DATA).
    on_previous_set: bool = False

    @property
    def criteria_missing(self) -> int | None:
        return None if self.criteria_met is None else self.criteria_total - self.criteria_met


@dataclass(frozen=True)
class TargetOutlook:
    """One unit's target on its present trend."""

    unit_id: int
    unit_name: str
    communes_total: int
    communes_meeting_standard: int  # on as_of
    target_year: int | None  # None: no target set for as_of's year or later
    target_communes_meeting_standard: int | None
    decision: str
    communes_projected: int | None  # meeting by the target year on the trend, those meeting now included
    met_on_trend: bool | None
    shortfall: int  # communes missing on the trend, 0 when met
    deciding: list[tuple[CommuneForecast, bool]]  # (commune, on track by the target year), soonest first
    projection: list[tuple[int, int]]  # (year, communes meeting by its end on the trend)


@dataclass(frozen=True)
class UnitForecast:
    as_of: date
    unit_id: int
    unit_name: str
    # The ones still to reach the standard first (by projected year, then stalled, then without data), those meeting
    # it last: the list is read for what is left to do.
    communes: list[CommuneForecast]
    by_status: dict[str, int]
    outlook: TargetOutlook
    districts: list[TargetOutlook]  # a province's districts, in code order


def unit_forecast(*, unit: AdministrativeUnit, as_of: date, history: CriteriaHistory | None = None) -> UnitForecast:
    """Queries: `criteria_history`'s four (none when the caller passes the unit's history on as_of, as the report
    does) and the targets', whatever the number of communes and rounds."""
    history = history or criteria_history(unit=unit, as_of=as_of)
    forecasts = sorted((_commune_forecast(c, history) for c in history.communes), key=_soonest_first)
    targets = targets_in_force(unit=unit, year=as_of.year)

    districts = []
    if unit.level == UnitLevel.PROVINCE:
        district_labels = {
            c.district_id: (c.district_code or "", c.district_name or "")
            for c in history.communes.values()
            if c.district_id is not None
        }
        for district_id, (_code, name) in sorted(district_labels.items(), key=lambda item: item[1]):
            members = [f for f in forecasts if f.district_id == district_id]
            districts.append(_outlook(district_id, name, members, targets.get(district_id), as_of))
    by_status = dict.fromkeys(ForecastStatus.ALL, 0)
    for forecast in forecasts:
        by_status[forecast.status] += 1
    return UnitForecast(
        as_of=as_of,
        unit_id=unit.pk,
        unit_name=unit.name,
        communes=forecasts,
        by_status=by_status,
        outlook=_outlook(unit.pk, unit.name, forecasts, targets.get(unit.pk), as_of),
        districts=districts,
    )


def projected_year(
    points: list[tuple[int, int]], criteria_total: int, *, not_before: int
) -> tuple[float | None, int | None]:
    """(slope, year) of the least-squares line through (year, criteria met) reaching `criteria_total`; the year is
    None when the line does not rise, or reaches it beyond the horizon. Fewer than two points: (None, None)."""
    if len(points) < 2:
        return None, None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
    last_year, last_met = points[-1]
    missing = criteria_total - last_met
    if missing <= 0:
        return slope, max(last_year, not_before)
    if slope <= 0:
        return slope, None
    # From the latest count, not from the fitted line: the line may sit above or below where the commune is now.
    year = max(last_year + math.ceil(missing / slope - 1e-9), not_before)
    return slope, year if year <= not_before + HORIZON_YEARS else None


def first_open_year(as_of: date) -> int:
    """The first year whose end is still ahead: as_of's, or the next one on 31 December (a commune with every
    criterion met but no decision yet is not recognised "by the end of" a year already over)."""
    return as_of.year + 1 if (as_of.month, as_of.day) == (12, 31) else as_of.year


def _commune_forecast(commune_id: int, history: CriteriaHistory) -> CommuneForecast:
    commune = history.communes[commune_id]
    rounds = history.rounds(commune_id)
    base = {
        "commune_id": commune_id,
        "code": commune.code,
        "name": commune.name,
        "district_id": commune.district_id,
        "district_name": commune.district_name,
    }
    latest = rounds[-1] if rounds else None
    criteria_met = latest.criteria_met if latest else None
    criteria_total = history.criteria_total(latest.criteria_set_id) if latest else 0
    # The year of the decision in force, not of one revoked since (a commune may lose the standard and regain it).
    meeting_since = history.standard_since(commune_id, history.as_of)
    if meeting_since is not None:
        return CommuneForecast(
            **base,
            criteria_met=criteria_met,
            criteria_total=criteria_total,
            criteria_per_year=None,
            status=ForecastStatus.MEETS,
            standard_year=meeting_since.year,
        )
    if latest is None:
        return CommuneForecast(
            **base,
            criteria_met=None,
            criteria_total=0,
            criteria_per_year=None,
            status=ForecastStatus.NO_DATA,
            standard_year=None,
        )
    in_force = ledger.set_in_force_among(history.sets, history.as_of.year)
    if in_force is not None and latest.criteria_set_id != in_force.pk:
        # A new period has begun and the commune has no round of its set yet: the old set's trend says nothing of
        # when it meets the new one.
        return CommuneForecast(
            **base,
            criteria_met=criteria_met,
            criteria_total=criteria_total,
            criteria_per_year=None,
            status=ForecastStatus.NO_DATA,
            standard_year=None,
            on_previous_set=True,
        )
    # One point a year (the year's latest round) of the present set, the last TREND_ROUNDS of them.
    by_year = {point.year: point.criteria_met for point in rounds if point.criteria_set_id == latest.criteria_set_id}
    points = sorted(by_year.items())[-TREND_ROUNDS:]
    slope, year = projected_year(points, criteria_total, not_before=first_open_year(history.as_of))
    if slope is None:
        status = ForecastStatus.NO_DATA
    elif year is None:
        status = ForecastStatus.STALLED
    else:
        status = ForecastStatus.PROJECTED
    return CommuneForecast(
        **base,
        criteria_met=criteria_met,
        criteria_total=criteria_total,
        criteria_per_year=None if slope is None else round(slope, 2),
        status=status,
        standard_year=year,
    )


def _soonest_first(forecast: CommuneForecast) -> tuple:
    rank = {ForecastStatus.PROJECTED: 0, ForecastStatus.STALLED: 1, ForecastStatus.NO_DATA: 2, ForecastStatus.MEETS: 3}
    missing = forecast.criteria_missing
    return (
        rank[forecast.status],
        forecast.standard_year or 0,
        missing if missing is not None else 999,
        -(forecast.criteria_per_year or 0),
        forecast.code,
    )


def _outlook(unit_id: int, unit_name: str, forecasts: list[CommuneForecast], target, as_of: date) -> TargetOutlook:
    meeting = sum(1 for f in forecasts if f.status == ForecastStatus.MEETS)
    pending = [f for f in forecasts if f.status != ForecastStatus.MEETS]  # already soonest first
    target_year = target.year if target else None
    last_year = max(as_of.year + PROJECTION_YEARS, target_year or 0)
    projection = [
        (year, meeting + sum(1 for f in pending if f.status == ForecastStatus.PROJECTED and f.standard_year <= year))
        for year in range(first_open_year(as_of), last_year + 1)
    ]
    if target is None or target.min_communes_meeting_standard is None:
        return TargetOutlook(
            unit_id,
            unit_name,
            len(forecasts),
            meeting,
            target_year,
            None,
            target.decision if target else "",
            None,
            None,
            0,
            [],
            projection,
        )

    def on_track(forecast: CommuneForecast) -> bool:
        return forecast.status == ForecastStatus.PROJECTED and forecast.standard_year <= target.year

    projected = meeting + sum(1 for f in pending if on_track(f))
    wanted = target.min_communes_meeting_standard
    needed = max(0, wanted - meeting)
    return TargetOutlook(
        unit_id=unit_id,
        unit_name=unit_name,
        communes_total=len(forecasts),
        communes_meeting_standard=meeting,
        target_year=target.year,
        target_communes_meeting_standard=wanted,
        decision=target.decision,
        communes_projected=projected,
        met_on_trend=projected >= wanted,
        shortfall=max(0, wanted - projected),
        deciding=[(f, on_track(f)) for f in pending[:needed]],
        projection=projection,
    )
