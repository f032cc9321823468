"""The province and district dashboards (browser). Views and their URL patterns, mounted at /dashboard/.

Figures come from the selectors the API and the PDF report read (criteria.selectors, secondments.selectors) and the
charts from reports.charts, the very code the PDF draws with, so a dashboard and a report of the same date agree.
Scope: the unit comes from `AdministrativeUnit.objects.visible_to(user)`, which lets a district officer or a commune
official read the summaries of the units above them (DESIGN §1); commune names are listed only for the communes of a
unit in `units_in_scope(user)`. Each page costs a fixed number of queries whatever the number of communes
(tests/ntm_portal/test_dashboard.py pins it).

Besides the progress page, a unit has three accountability pages (issue 8), reached by tabs that keep the chosen date:
the results of the seconded cadres against the communes without one, the sponsors' presence quarter by quarter with
their support and work plans, and the forecast against the unit's target. Their small GET forms are in
portal.dashboard_forms; tests/ntm_portal/test_dashboard_accountability.py pins their queries.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from communes.choices import NtmLevel
from communes.models import AdministrativeUnit
from communes.permissions import nameable_communes, units_in_scope
from communes.services import TWO_LEVEL_START
from criteria import ledger
from criteria.forecast import HORIZON_YEARS, TREND_ROUNDS, CommuneForecast, ForecastStatus, TargetOutlook, unit_forecast
from criteria.forms import FIRST_YEAR, AsOfForm
from criteria.maps import communes_map_points
from criteria.selectors import (
    UnitProgress,
    commune_progress_list,
    unit_progress_summary,
    unit_progress_trend,
)
from ntm_portal.choices import UnitLevel
from ntm_portal.figures_cache import cached_figures
from ntm_portal.formats import number, percent, vnd
from reports import charts
from secondments.choices import AgencyKind, SecondmentOutcome, SupportKind
from secondments.selectors import (
    AgencyAccountability,
    CommuneRef,
    OutcomeFigures,
    QuarterActivity,
    SponsorAccountability,
    add_months,
    secondment_results,
    secondment_summary,
    sponsor_accountability,
    sponsor_default_year,
    sponsor_summary,
)

from .context_processors import request_work_counts
from .dashboard_forms import DashboardForm, SecondmentResultsForm, SponsorAccountabilityForm
from .todo import todo_for

DASHBOARD_LEVELS = (UnitLevel.PROVINCE, UnitLevel.DISTRICT)
TREND_YEARS = 10  # as the API's trend: the as-of year and the nine before it
NEAR_FINISH_SHOWN = 30  # the rest are one click away in the commune list, filtered the same way
AGENCIES_SHOWN = 10
CHART_CACHE_SECONDS = 3600
# The sponsor summary on the progress tab covers the twelve months up to the as-of date; the sponsors tab reads
# calendar quarters instead (sponsor_accountability).


@dataclass(frozen=True)
class Figure:
    """One headline figure, with the unit's target in force for it when one is set."""

    key: str
    label: str
    value: str
    target_label: str = ""  # e.g. "Mục tiêu 10 xã"
    progress: str = ""  # e.g. "6/10 xã = 60%"
    bar_percent: float | None = None  # width of the progress bar, 0–100
    met: bool | None = None  # None: no target for this figure


def _figures(summary: UnitProgress) -> list[Figure]:
    target = summary.target
    meeting, total = summary.communes_meeting_standard, summary.communes_total
    figures = []

    communes = {
        "key": "meeting",
        "label": _("Xã đạt chuẩn NTM (kể cả nâng cao, kiểu mẫu)"),
        "value": _("%(meeting)s/%(total)s xã (%(percent)s)")
        % {"meeting": meeting, "total": total, "percent": percent(summary.percent_meeting_standard)},
    }
    if target and target.min_communes_meeting_standard:
        communes |= {
            "target_label": _("Mục tiêu %(n)s xã") % {"n": target.min_communes_meeting_standard},
            "progress": _("%(meeting)s/%(target)s xã = %(percent)s")
            % {
                "meeting": meeting,
                "target": target.min_communes_meeting_standard,
                "percent": percent(target.percent_of_target),
            },
            "bar_percent": min(target.percent_of_target or 0, 100),
            "met": target.communes_target_met,
        }
    figures.append(Figure(**communes))

    for level, key in ((NtmLevel.ADVANCED, "advanced"), (NtmLevel.MODEL, "model")):
        figures.append(
            Figure(key=key, label=str(level.label), value=_("%(n)s xã") % {"n": summary.communes_by_level[level]})
        )

    average = {
        "key": "average",
        "label": _("Bình quân tiêu chí đạt/xã"),
        "value": f"{number(summary.average_criteria_met)}/{summary.criteria_total}",
    }
    if target and target.min_average_criteria is not None:
        reached = summary.average_criteria_met or 0
        average |= {
            "target_label": _("Mục tiêu ≥ %(n)s") % {"n": number(target.min_average_criteria)},
            "progress": f"{number(reached)}/{number(target.min_average_criteria)}",
            "bar_percent": min(100 * reached / float(target.min_average_criteria), 100)
            if target.min_average_criteria
            else 100,
            "met": target.average_target_met,
        }
    figures.append(Figure(**average))

    lowest = {
        "key": "lowest",
        "label": _("Xã ít tiêu chí đạt nhất"),
        "value": _("%(n)s tiêu chí") % {"n": number(summary.lowest_criteria_met)},
    }
    if target and target.min_criteria_per_commune is not None:
        lowest |= {
            "target_label": _("Mục tiêu: không xã nào dưới %(n)s tiêu chí") % {"n": target.min_criteria_per_commune},
            "met": target.min_criteria_target_met,
        }
    figures.append(Figure(**lowest))

    figures.append(
        Figure(
            key="without_round",
            label=_("Xã chưa có kỳ đánh giá"),
            value=_("%(n)s/%(total)s xã") % {"n": summary.communes_without_round, "total": total},
        )
    )
    return figures


def _listing_unit(user, unit: AdministrativeUnit) -> AdministrativeUnit | None:
    """The unit whose communes this user may see by name on `unit`'s dashboard: the unit itself when it is in the
    user's scope; their own district or commune when they look at a unit above it (a district officer reads the
    province's figures, not the names of other districts' communes); else none."""
    if units_in_scope(user).filter(pk=unit.pk).exists():
        return unit
    own = getattr(user, "unit", None)
    if own is not None and unit.pk in (own.province_id, own.district_id):
        return own
    return None


def _lists_whole(listing_unit: AdministrativeUnit | None, unit: AdministrativeUnit) -> bool:
    """`_listing_unit` found the unit in the user's scope: they may read every commune of it by name."""
    return listing_unit is not None and listing_unit.pk == unit.pk


def _chart(draw: Callable[..., str], data: object, **options) -> str:
    """`draw(data, layout=SCREEN, **options)`, kept in the shared cache (ntm_portal.figures_cache) under a hash of the
    data it is drawn from: an SVG is a pure function of the figures (and of the language of its labels), and
    matplotlib takes 0.1–0.4 s a chart (49 districts: 0.4 s), more than all the page's queries. On Redis or the file
    cache every worker process draws a chart once, not once each. SCREEN: the size that reads on a phone (issue 19)."""
    return cached_figures(
        f"chart:{draw.__name__}:screen",  # not the pre-issue-19 drawings cached under the bare name
        repr((data, sorted(options.items()))),
        lambda: charts.inline(draw(data, layout=charts.SCREEN, **options)),
        timeout=CHART_CACHE_SECONDS,
    )


def _commune_url_pattern() -> str:
    """The commune page's URL with "{id}" in place of the pk, for the map's links (charts.communes_map)."""
    return reverse("communes:commune_detail", args=[MAP_URL_PK]).replace(f"/{MAP_URL_PK}/", "/{id}/")


MAP_URL_PK = 987654321


def _map_legend(communes_map) -> list[tuple[str, str, int]]:
    """(standing, label, communes) for the table under the map, in the legend's order."""
    counts = Counter(point.standing for point in communes_map.points)
    labels = charts.standing_labels(communes_map.criteria_total)
    return [(key, label, counts[key]) for key, label in labels.items() if counts[key]]


def _dashboard_unit(user, unit_pk: int) -> AdministrativeUnit:
    """The province or district `unit_pk` if the user may read its summaries, else a 404 (not a 403: whether a unit
    exists outside one's scope is not said)."""
    return get_object_or_404(
        AdministrativeUnit.objects.visible_to(user).filter(level__in=DASHBOARD_LEVELS).select_related("parent"),
        pk=unit_pk,
    )


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url: str
    active: bool


def _tabs(unit: AdministrativeUnit, active: str, query: str) -> list[Tab]:
    """The four pages of a unit's dashboard; `query` ("?as_of=…" or "") keeps the chosen date from one to the next."""
    pages = (
        ("unit", _("Tiến độ chung")),
        ("secondments", _("Cán bộ biệt phái")),
        ("sponsors", _("Cơ quan giúp đỡ xã")),
        ("forecast", _("Dự báo về đích")),
    )
    return [Tab(key, label, reverse(f"dashboard:{key}", args=[unit.pk]) + query, key == active) for key, label in pages]


def _parent_url(unit: AdministrativeUnit, page: str, query: str) -> str | None:
    """The same page of a district's province, for the breadcrumbs."""
    if unit.level != UnitLevel.DISTRICT or unit.parent is None:
        return None
    return reverse(f"dashboard:{page}", args=[unit.parent.pk]) + query


def _url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """/dashboard/, kept for old bookmarks: the user's start page is `/` (portal.start)."""
    return redirect("home")


@login_required
@require_GET
def unit_dashboard(request: HttpRequest, unit_pk: int) -> HttpResponse:
    user = request.user
    unit = _dashboard_unit(user, unit_pk)
    form = AsOfForm(request.GET) if "as_of" in request.GET else AsOfForm(initial={"as_of": timezone.localdate()})
    as_of = form.cleaned_data["as_of"] if form.is_bound and form.is_valid() else timezone.localdate()

    summary = unit_progress_summary(unit=unit, as_of=as_of)
    trend = unit_progress_trend(
        unit=unit, years=range(max(FIRST_YEAR, as_of.year - TREND_YEARS + 1), as_of.year + 1), as_of=as_of
    )
    listing_unit = _listing_unit(user, unit)
    near_from, near = ledger.near_finish_from(summary.criteria_total), []
    if listing_unit is not None:
        near_from, near = ledger.close_to_finish(
            commune_progress_list(unit=listing_unit, as_of=as_of), summary.criteria_total
        )
    secondments = secondment_summary(unit=unit, as_of=as_of)
    sponsors = sponsor_summary(unit=unit, as_of=as_of)  # the period its tab reads (secondments.reading_period)

    query = f"?as_of={as_of.isoformat()}" if form.is_bound and form.is_valid() else ""
    districts = [
        {
            "line": line,
            # A district officer on the province's dashboard may open its own district's, not the others'.
            "url": reverse("dashboard:unit", args=[line.district_id]) + query
            if line.district_id is not None
            and listing_unit is not None
            and listing_unit.pk in (unit.pk, line.district_id)
            else None,
        }
        for line in summary.districts
    ]
    communes_map = communes_map_points(unit=unit, as_of=as_of)
    # Dots of communes the user may not read by name stay on the map, without their name and link.
    nameable = nameable_communes(user, unit, in_scope=_lists_whole(listing_unit, unit))
    commune_filter = ""
    if listing_unit is not None and listing_unit.level == UnitLevel.DISTRICT:
        commune_filter = f"district_id={listing_unit.pk}&"
    context = {
        # The landing page of a district or province user: what waits for them first (issue 15).
        "todo": todo_for(user=user, counts=request_work_counts(request)) if user.unit_id == unit.pk else None,
        "unit": unit,
        "as_of": as_of,
        "form": form,
        "summary": summary,
        "figures": _figures(summary),
        "target": summary.target,
        "trend": trend,
        # Where the structure changed: the years either side of it count different communes.
        "reform_in_trend": bool(trend) and trend[0].as_of < TWO_LEVEL_START <= trend[-1].as_of,
        "reform_day": TWO_LEVEL_START,
        "districts": districts,
        "listing_unit": listing_unit,
        "lists_other_unit": listing_unit is not None and listing_unit.pk != unit.pk,
        "near_from": near_from,
        "near_finish": near[:NEAR_FINISH_SHOWN],
        "near_finish_total": len(near),
        # The same communes on the list: on the dashboard's date, scored against the dashboard's set.
        "near_finish_url": reverse("communes:commune_list")
        + f"?{commune_filter}score_min={near_from}&ntm_level={NtmLevel.NOT_YET}&as_of={as_of.isoformat()}"
        + (f"&criteria_set={summary.criteria_set_code}" if summary.criteria_set_code else ""),
        "commune_list_url": reverse("communes:commune_list") + (f"?{commune_filter[:-1]}" if commune_filter else ""),
        "secondments": secondments,
        "sponsors": sponsors,
        "agencies": [(agency, vnd(agency.support_value_vnd)) for agency in sponsors.agencies[:AGENCIES_SHOWN]],
        "support_total": vnd(sponsors.support_value_vnd),
        "support_by_kind": [
            (SupportKind(kind).label, vnd(value)) for kind, value in sponsors.support_by_kind.items() if value
        ],
        "parent": unit.parent if unit.level == UnitLevel.DISTRICT else None,
        "tabs": _tabs(unit, "unit", query),
        "charts": {
            "trend": _chart(charts.trend_chart, trend),
            "districts": _chart(charts.districts_chart, summary),
            "criteria": _chart(charts.criteria_chart, summary),
            "bands": _chart(charts.bands_chart, summary),
            "map": _chart(
                charts.communes_map,
                communes_map,
                href=_commune_url_pattern(),
                linked=frozenset(nameable) if nameable is not None else None,
            ),
        },
        "communes_map": communes_map,
        "map_legend": _map_legend(communes_map),
        "unplaced": [
            (point, nameable is None or point.commune_id in nameable) for point in communes_map.without_coordinates
        ],
    }
    return render(request, "dashboard/unit.html", context)


# --- the accountability pages (issue 8): secondment results, sponsors, the forecast -----------------------------------


def _reaching(figures: OutcomeFigures) -> str:
    """The headline of a group, for the cadres' communes or the comparison: "13/20 xã đạt chuẩn (65%)"."""
    values = {"n": figures.communes_meeting_standard, "m": figures.communes}
    if figures.percent_meeting_standard is None:
        return _("%(n)s/%(m)s xã đạt chuẩn") % values
    return _("%(n)s/%(m)s xã đạt chuẩn (%(percent)s)") % (
        values | {"percent": percent(figures.percent_meeting_standard)}
    )


@login_required
@require_GET
def secondments_dashboard(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """Did the communes the cadres were sent to reach the standard, against the communes without one (seed 000)?"""
    user = request.user
    unit = _dashboard_unit(user, unit_pk)
    form = SecondmentResultsForm(request.GET)
    as_of = form.value("as_of", timezone.localdate)
    months_after = form.value("months_after", settings.NTM_STANDARD_WITHIN_MONTHS)
    results = secondment_results(unit=unit, as_of=as_of, months_after=months_after)

    listing_unit = _listing_unit(user, unit)
    listed = nameable_communes(user, unit, in_scope=_lists_whole(listing_unit, unit))
    rows = [r for r in results.secondments if listed is None or r.commune_id in listed]
    groups = []
    if results.overall is not None:
        groups = [
            ("", [results.overall]),
            (_("Theo đợt cử cán bộ"), results.batches),
            (_("Theo cơ quan cử cán bộ"), results.home_agencies),
        ]
    query = form.query()
    context = {
        "unit": unit,
        "as_of": as_of,
        "form": form,
        "tabs": _tabs(unit, "secondments", query),
        "parent_url": _parent_url(unit, "secondments", query),
        "results": results,
        "headline": _reaching(results.overall.seconded) if results.overall else "",
        "comparison_headline": _reaching(results.overall.comparison) if results.overall else "",
        "groups": groups,
        "rows": [(r, SecondmentOutcome(r.outcome).label) for r in rows],
        "rows_hidden": len(results.secondments) - len(rows),
        "listing_unit": listing_unit,
        "lists_other_unit": listing_unit is not None and listing_unit.pk != unit.pk,
        "chart": _chart(charts.secondment_comparison_chart, results),
    }
    return render(request, "dashboard/secondments.html", context)


@dataclass(frozen=True)
class QuarterCell:
    """One agency in one quarter, as the page shows it."""

    activity: QuarterActivity
    visits_needed: int  # the minimum per commune times the communes assigned in the quarter
    days_needed: str
    not_visited: list[CommuneRef]  # the ones this user may read by name
    not_visited_hidden: int  # the others, only counted


@dataclass(frozen=True)
class AgencyRow:
    agency: AgencyAccountability
    kind: str
    cells: list[QuarterCell]
    support: str
    plan_total: int
    plan_percents: tuple[float, float, float]  # done, late, open: widths of the stacked bar


def _agency_rows(accountability: SponsorAccountability, listed: set[int] | None) -> list[AgencyRow]:
    """`listed`: the communes the user may read by name (None: all of them); the others are only counted."""
    minimum_days = Decimal(str(accountability.min_days_per_commune))
    rows = []
    for agency in accountability.agencies:
        cells = []
        for quarter in agency.quarters:
            shown = [c for c in quarter.communes_not_visited if listed is None or c.id in listed]
            cells.append(
                QuarterCell(
                    activity=quarter,
                    visits_needed=accountability.min_visits_per_commune * quarter.communes_assigned,
                    days_needed=number(minimum_days * quarter.communes_assigned),
                    not_visited=shown,
                    not_visited_hidden=len(quarter.communes_not_visited) - len(shown),
                )
            )
        counts = (agency.plan_items_done, agency.plan_items_late, agency.plan_items_open)
        total = sum(counts)
        rows.append(
            AgencyRow(
                agency=agency,
                kind=AgencyKind(agency.kind).label if agency.kind in AgencyKind.values else agency.kind,
                cells=cells,
                support=vnd(agency.support_value_vnd),
                plan_total=total,
                plan_percents=tuple(round(100 * n / total, 1) if total else 0 for n in counts),
            )
        )
    return rows


@login_required
@require_GET
def sponsors_dashboard(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """Who came to the communes they are assigned to, how often, what they gave, what they did of their plans
    (seed 003: "a few times a year, a few hours each")."""
    user = request.user
    unit = _dashboard_unit(user, unit_pk)
    form = SponsorAccountabilityForm(request.GET)
    as_of = form.value("as_of", timezone.localdate)
    year = form.value("year", lambda: sponsor_default_year(unit=unit, as_of=as_of))
    minimums = {
        "min_visits_per_commune": form.value("min_visits", settings.NTM_SPONSOR_MIN_VISITS_PER_QUARTER),
        "min_days_per_commune": float(form.value("min_days", settings.NTM_SPONSOR_MIN_DAYS_PER_QUARTER)),
    }
    accountability = sponsor_accountability(unit=unit, year=year, as_of=as_of, **minimums)

    listing_unit = _listing_unit(user, unit)
    rows = _agency_rows(accountability, nameable_communes(user, unit, in_scope=_lists_whole(listing_unit, unit)))
    query = form.query()
    context = {
        "unit": unit,
        "as_of": as_of,
        "form": form,
        "tabs": _tabs(unit, "sponsors", query),
        "parent_url": _parent_url(unit, "sponsors", query),
        "accountability": accountability,
        # A quarter is complete, and may be flagged, once its last day is on or before as_of.
        "quarters": [
            (quarter, add_months(datetime.date(year, 3 * quarter - 2, 1), 3) - datetime.timedelta(days=1) <= as_of)
            for quarter in accountability.quarters
        ],
        "rows": rows,
        "not_visited": [(row, cell) for row in rows for cell in row.cells if cell.activity.communes_not_visited],
        "min_days": number(accountability.min_days_per_commune),
        "support_total": vnd(accountability.support_value_vnd),
        "support_tables": [
            (
                _("Theo cơ quan, doanh nghiệp"),
                [(line.label, vnd(line.value_vnd)) for line in accountability.support_by_agency],
            ),
            (_("Theo hình thức"), [(line.label, vnd(line.value_vnd)) for line in accountability.support_by_kind]),
            (_("Theo tiêu chí"), [(line.label, vnd(line.value_vnd)) for line in accountability.support_by_criterion]),
        ],
        "listing_unit": listing_unit,
        "lists_other_unit": listing_unit is not None and listing_unit.pk != unit.pk,
    }
    return render(request, "dashboard/sponsors.html", context)


FORECAST_STATUS_LABELS = {
    ForecastStatus.MEETS: gettext_lazy("Đã đạt chuẩn"),
    ForecastStatus.PROJECTED: gettext_lazy("Dự kiến đạt chuẩn"),
    ForecastStatus.STALLED: gettext_lazy("Chững lại: chưa thấy ngày về đích"),
    ForecastStatus.NO_DATA: gettext_lazy("Chưa đủ số liệu (dưới 2 kỳ đánh giá)"),
}


def _slope(value: float | None) -> str:
    """1.5 → "1,5", 1.33 → "1,33", 2.0 → "2" (in Vietnamese): the selector rounds the slope to two decimals."""
    return number(None if value is None else round(Decimal(str(value)), 2))


def _verdict(outlook: TargetOutlook, as_of: datetime.date) -> str:
    values = {
        "unit": outlook.unit_name,
        "target": outlook.target_communes_meeting_standard,
        "year": outlook.target_year,
        "projected": outlook.communes_projected,
        "shortfall": outlook.shortfall,
    }
    if outlook.met_on_trend is None:
        return _(
            "%(unit)s chưa có mục tiêu số xã đạt chuẩn cho năm %(year)s hoặc các năm sau: các số dưới đây chỉ là "
            "dự báo theo xu hướng."
        ) % (values | {"year": as_of.year})
    if outlook.met_on_trend:
        return (
            _(
                "Theo xu hướng hiện tại, %(unit)s đạt mục tiêu %(target)s xã đạt chuẩn vào năm %(year)s: dự kiến "
                "%(projected)s xã."
            )
            % values
        )
    return (
        _(
            "Theo xu hướng hiện tại, %(unit)s không đạt mục tiêu %(target)s xã đạt chuẩn vào năm %(year)s: dự kiến "
            "%(projected)s xã, thiếu %(shortfall)s xã."
        )
        % values
    )


@login_required
@require_GET
def forecast_dashboard(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """When each commune reaches the standard on its present pace, and whether the unit's target will be met."""
    user = request.user
    unit = _dashboard_unit(user, unit_pk)
    form = DashboardForm(request.GET)
    as_of = form.value("as_of", timezone.localdate)
    forecast = unit_forecast(unit=unit, as_of=as_of)

    listing_unit = _listing_unit(user, unit)

    listed = nameable_communes(user, unit, in_scope=_lists_whole(listing_unit, unit))

    def may_name(commune: CommuneForecast) -> bool:
        return listed is None or commune.commune_id in listed

    query = form.query()
    districts = [
        {
            "outlook": outlook,
            # As on the progress page: a district officer may open its own district's forecast, not the others'.
            "url": reverse("dashboard:forecast", args=[outlook.unit_id]) + query
            if listing_unit is not None and listing_unit.pk in (unit.pk, outlook.unit_id)
            else None,
        }
        for outlook in forecast.districts
    ]
    context = {
        "unit": unit,
        "as_of": as_of,
        "form": form,
        "tabs": _tabs(unit, "forecast", query),
        "parent_url": _parent_url(unit, "forecast", query),
        "forecast": forecast,
        "outlook": forecast.outlook,
        "verdict": _verdict(forecast.outlook, as_of),
        "deciding": [
            (f, on_track, may_name(f), FORECAST_STATUS_LABELS[f.status]) for f, on_track in forecast.outlook.deciding
        ],
        "districts": districts,
        "communes": [
            (f, FORECAST_STATUS_LABELS[f.status], _slope(f.criteria_per_year)) for f in forecast.communes if may_name(f)
        ],
        "by_status": [(FORECAST_STATUS_LABELS[status], n) for status, n in forecast.by_status.items()],
        "listing_unit": listing_unit,
        "lists_other_unit": listing_unit is not None and listing_unit.pk != unit.pk,
        "trend_rounds": TREND_ROUNDS,
        "horizon_years": HORIZON_YEARS,
        "chart": _chart(charts.forecast_chart, forecast.outlook),
    }
    return render(request, "dashboard/forecast.html", context)


app_name = "dashboard"
urlpatterns = [
    path("", home, name="home"),
    path("<int:unit_pk>/", unit_dashboard, name="unit"),
    path("<int:unit_pk>/secondments/", secondments_dashboard, name="secondments"),
    path("<int:unit_pk>/sponsors/", sponsors_dashboard, name="sponsors"),
    path("<int:unit_pk>/forecast/", forecast_dashboard, name="forecast"),
]
