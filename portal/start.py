"""`/` for a signed-in user: their own start page (issue 19).

- a province or district user: their unit's dashboard;
- a commune official: their commune's page;
- an agency liaison: the communes their agency helps, this quarter's field visits and the support recorded;
- the admin (superuser): the country, one line per province;
- anyone else (no unit, no agency): where to go and whom to ask.

Figures come from the selectors the dashboards read (criteria.selectors, secondments.selectors); nothing is counted
here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from communes.choices import NtmLevel
from criteria.selectors import CommuneProgress, commune_progress_for, unit_progress_summary
from ntm_portal.access import liaison_agency_id
from ntm_portal.choices import UnitLevel
from ntm_portal.text import vnd
from secondments.models import Agency, SponsorAssignment
from secondments.selectors import AgencyAccountability, QuarterActivity, sponsor_accountability, sponsor_default_year

from .context_processors import request_work_counts
from .todo import todo_for

DASHBOARD_LEVELS = (UnitLevel.PROVINCE, UnitLevel.DISTRICT)


def start_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    unit = getattr(user, "unit", None)
    if unit is not None and unit.level in DASHBOARD_LEVELS:
        return redirect("dashboard:unit", unit_pk=unit.pk)
    if unit is not None and unit.level == UnitLevel.COMMUNE:
        return redirect("communes:commune_detail", pk=unit.pk)
    if user.is_superuser:
        return country_start(request)
    if liaison_agency_id(user) is not None:
        return liaison_start(request)
    return render(request, "dashboard/none.html")


def country_start(request: HttpRequest) -> HttpResponse:
    """The admin's start: the whole country's standing, one line per province, each opening its dashboard."""
    summary = unit_progress_summary(unit=None, as_of=timezone.localdate())
    provinces = [
        {"line": line, "url": reverse("dashboard:unit", args=[line.district_id])}
        for line in summary.provinces
        if line.district_id is not None
    ]
    return render(request, "ntm_portal/start_country.html", {"summary": summary, "provinces": provinces})


@dataclass(frozen=True)
class AssignedCommune:
    commune_id: int
    name: str
    role: str  # SponsorRole label
    start_date: datetime.date | None
    progress: CommuneProgress | None

    @property
    def level_label(self) -> str:
        return str(NtmLevel(self.progress.ntm_level).label) if self.progress and self.progress.ntm_level else ""


def liaison_start(request: HttpRequest) -> HttpResponse:
    """An agency liaison's start: their agency's communes with their standing, the latest quarter's field visits
    (which communes still wait for one) and the support recorded in the year, as the sponsors' dashboard tab counts
    them (secondments.selectors.sponsor_accountability), and their to-do."""
    user = request.user
    today = timezone.localdate()
    agency = Agency.objects.select_related("unit").get(pk=user.agency_id)
    assignments = list(
        SponsorAssignment.objects.in_force_on(today)
        .filter(agency_id=agency.pk)
        .select_related("commune")
        .order_by("commune__name", "commune_id")
    )
    progress = commune_progress_for(communes=[a.commune for a in assignments], as_of=today)
    communes = [
        AssignedCommune(a.commune_id, a.commune.name, a.get_role_display(), a.start_date, progress.get(a.commune_id))
        for a in assignments
    ]
    # The agency's province reads the same figures as its dashboard's sponsor tab.
    province = agency.unit if agency.unit.level == UnitLevel.PROVINCE else agency.unit.province
    year = sponsor_default_year(unit=province, as_of=today)
    figures = sponsor_accountability(unit=province, year=year, as_of=today)
    line: AgencyAccountability | None = next((a for a in figures.agencies if a.agency_id == agency.pk), None)
    quarter: QuarterActivity | None = line.quarters[-1] if line and line.quarters else None
    context = {
        "agency": agency,
        "communes": communes,
        "year": year,
        "figures": figures,
        "line": line,
        "quarter": quarter,
        "support_text": vnd(line.support_value_vnd if line else 0),
        "visits_due": quarter.communes_assigned * figures.min_visits_per_commune if quarter else 0,
        "todo": todo_for(user=user, counts=request_work_counts(request)),
    }
    return render(request, "ntm_portal/start_liaison.html", context)
