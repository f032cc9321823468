"""Reads for the progress report: everything one PDF shows, gathered in a fixed number of queries.

The figures come from the selectors the dashboards and the API read (criteria.selectors for progress,
secondments.selectors for the secondment results and the sponsors' accountability, criteria.forecast for the outlook),
called with the same unit, as-of date and criteria set, so the PDF shows what the dashboard shows for that date. What
is added here is only arrangement: communes grouped by district, those close to the finish.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Q, QuerySet, Value, When
from django.urls import reverse

from communes.models import AdministrativeUnit
from communes.permissions import units_in_scope
from criteria import ledger
from criteria.forecast import UnitForecast, unit_forecast
from criteria.maps import CommunesMap, communes_map_points
from criteria.models import CriteriaSet
from criteria.selectors import (
    CommuneProgress,
    UnitProgress,
    commune_progress_list,
    criteria_history,
    unit_progress_summary,
)
from ntm_portal.choices import UnitLevel
from secondments.selectors import (
    SecondmentResults,
    SponsorAccountability,
    secondment_results,
    sponsor_accountability,
    sponsor_default_year,
)

from .choices import JobStatus
from .letterhead import Letterhead, letterhead_for
from .models import ReportJob


@dataclass(frozen=True)
class DistrictBlock:
    """The communes of one district in the communes × criteria matrix; name None: communes directly under the
    province (the 2-level structure since July 2025)."""

    name: str | None
    communes: list[CommuneProgress]
    communes_meeting_standard: int


@dataclass(frozen=True)
class ReportContent:
    unit: AdministrativeUnit
    as_of: date
    criteria_set: CriteriaSet
    criteria: list[tuple[int, str]]  # (number, name) of the set, in number order: the matrix columns
    summary: UnitProgress
    communes: list[CommuneProgress]
    near_finish: list[CommuneProgress]  # not meeting the standard yet, few criteria missing: most met first
    near_finish_from: int  # criteria met from which a commune counts as close to the finish
    districts: list[DistrictBlock]
    secondment_results: SecondmentResults
    sponsors: SponsorAccountability  # of sponsor_default_year: as_of's year, or the latest with a field visit
    forecast: UnitForecast
    letterhead: Letterhead  # the issuing office's parts of the document (number, signer, recipients)
    communes_map: CommunesMap  # the communes' positions and standing, for the map


def report_content(*, unit: AdministrativeUnit, as_of: date, criteria_set: CriteriaSet) -> ReportContent:
    """Everything the report shows for `unit` on `as_of`, whatever the number of communes, secondments and visits.

    Queries: the two progress selectors' (4 + 3), the round history (4) that secondment_results (+1) and
    unit_forecast (+1) share, sponsor_default_year's (1) and sponsor_accountability's (4), the letterhead (1) and the
    map's points (2); tests/reports/test_accountability_pdf.py pins the total."""
    summary = unit_progress_summary(unit=unit, as_of=as_of, criteria_set=criteria_set)
    communes = commune_progress_list(unit=unit, as_of=as_of, criteria_set=criteria_set)
    criteria = sorted((c.number, c.name) for c in summary.criteria)

    near_finish_from, near_finish = ledger.close_to_finish(communes, summary.criteria_total)

    by_district: dict[int | None, list[CommuneProgress]] = {}
    for commune in communes:
        by_district.setdefault(commune.district_id, []).append(commune)
    # Districts in the order of the summary's district lines (by code); communes directly under the province last.
    order = {line.district_id: position for position, line in enumerate(summary.districts)}
    districts = [
        DistrictBlock(
            name=members[0].district_name,
            communes=members,
            communes_meeting_standard=sum(1 for c in members if c.meets_standard),
        )
        for district_id, members in sorted(
            by_district.items(), key=lambda item: (item[0] is None, order.get(item[0], len(order)), item[0] or 0)
        )
    ]

    # One round history for the secondment results and the forecast: 4 queries and 0.3 s on 700 communes, once.
    history = criteria_history(unit=unit, as_of=as_of)
    return ReportContent(
        unit=unit,
        as_of=as_of,
        criteria_set=criteria_set,
        criteria=criteria,
        summary=summary,
        communes=communes,
        near_finish=near_finish,
        near_finish_from=near_finish_from,
        districts=districts,
        secondment_results=secondment_results(unit=unit, as_of=as_of, history=history),
        sponsors=sponsor_accountability(unit=unit, year=sponsor_default_year(unit=unit, as_of=as_of), as_of=as_of),
        forecast=unit_forecast(unit=unit, as_of=as_of, history=history),
        letterhead=letterhead_for(unit),
        communes_map=communes_map_points(unit=unit, as_of=as_of),
    )


def report_units_for(user) -> QuerySet[AdministrativeUnit]:
    """The provinces and districts `user` may order a report for: its own unit and those under it. Not the units
    above (a district officer reads the province's summary on the dashboard, but the province report lists every
    other district's communes)."""
    provinces_first = Case(When(level=UnitLevel.PROVINCE, then=Value(0)), default=Value(1))
    return (
        units_in_scope(user)
        .filter(level__in=[UnitLevel.PROVINCE, UnitLevel.DISTRICT], valid_to__isnull=True)
        .order_by(provinces_first, "code")
    )


def report_criteria_sets_for(user) -> QuerySet[CriteriaSet]:
    """The criteria sets `user` may order a report against: the national sets, and those a province the user may
    report on issued for itself. The browser's form offers these and the API accepts these; `report_request` then
    checks that the set suits the unit asked for."""
    provinces = report_units_for(user).filter(level=UnitLevel.PROVINCE).values("pk")
    return CriteriaSet.objects.filter(Q(province__isnull=True) | Q(province__in=provinces)).order_by(
        "-period_start", "level", "code"
    )


def report_job_list(*, user) -> QuerySet[ReportJob]:
    """Jobs the user may see, newest first, with what a list row shows joined."""
    return ReportJob.objects.visible_to(user).select_related("unit", "criteria_set", "requested_by")


def report_job_status(job: ReportJob) -> dict:
    """The job as the progress bar (and the API) reads it: plain JSON types only."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": job.progress,
        "stage": job.stage,
        "error": job.error,
        "attempts": job.attempts,
        "unit": job.unit.name,
        "as_of": job.as_of.isoformat(),
        "language": job.language,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "duration_seconds": job.duration_seconds,
        "timings": job.timings,
        "pages": job.pages,
        "file_size": job.file_size,
        "download_url": reverse("reports:download", args=[job.pk]) if job.status == JobStatus.DONE else None,
    }
