"""The province and district dashboards (browser). Views and their URL patterns, mounted at /dashboard/.

Figures come from the selectors the API and the PDF report read (criteria.selectors, secondments.selectors) and the
charts from reports.charts, the very code the PDF draws with, so a dashboard and a report of the same date agree.
Scope: the unit comes from `AdministrativeUnit.objects.visible_to(user)`, which lets a district officer or a commune
official read the summaries of the units above them (DESIGN §1); commune names are listed only for the communes of a
unit in `units_in_scope(user)`. Each page costs a fixed number of queries whatever the number of communes
(tests/ntm_portal/test_dashboard.py pins it).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from communes.choices import NtmLevel, UnitLevel
from communes.models import AdministrativeUnit
from criteria.forms import FIRST_YEAR, AsOfForm
from criteria.selectors import (
    CommuneProgress,
    UnitProgress,
    commune_progress_list,
    unit_progress_summary,
    unit_progress_trend,
)
from reports import charts
from reports.selectors import SPONSOR_PERIOD_DAYS
from secondments.choices import SupportKind
from secondments.selectors import secondment_summary, sponsor_summary

from .access import units_in_scope

DASHBOARD_LEVELS = (UnitLevel.PROVINCE, UnitLevel.DISTRICT)
TREND_YEARS = 10  # as the API's trend: the as-of year and the nine before it
NEAR_FINISH_SHOWN = 30  # the rest are one click away in the commune list, filtered the same way
AGENCIES_SHOWN = 10
CHART_CACHE_SECONDS = 3600


def vnd(value: int | None) -> str:
    """22500000000 → "22.500.000.000 đ": đồng as Vietnamese offices write them, whatever the interface language."""
    return f"{value or 0:,}".replace(",", ".") + " đ"


def _number(value: float | Decimal | None) -> str:
    """60.0 → "60", 66.67 → "66,7" (in Vietnamese): one decimal only where there is one."""
    return "—" if value is None else floatformat(value, -1)


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
        "value": _("%(meeting)s/%(total)s xã (%(percent)s%%)")
        % {"meeting": meeting, "total": total, "percent": _number(summary.percent_meeting_standard)},
    }
    if target and target.min_communes_meeting_standard:
        communes |= {
            "target_label": _("Mục tiêu %(n)s xã") % {"n": target.min_communes_meeting_standard},
            "progress": _("%(meeting)s/%(target)s xã = %(percent)s%%")
            % {
                "meeting": meeting,
                "target": target.min_communes_meeting_standard,
                "percent": _number(target.percent_of_target),
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
        "value": f"{_number(summary.average_criteria_met)}/{summary.criteria_total}",
    }
    if target and target.min_average_criteria is not None:
        reached = summary.average_criteria_met or 0
        average |= {
            "target_label": _("Mục tiêu ≥ %(n)s") % {"n": _number(target.min_average_criteria)},
            "progress": f"{_number(reached)}/{_number(target.min_average_criteria)}",
            "bar_percent": min(100 * reached / float(target.min_average_criteria), 100)
            if target.min_average_criteria
            else 100,
            "met": target.average_target_met,
        }
    figures.append(Figure(**average))

    lowest = {
        "key": "lowest",
        "label": _("Xã ít tiêu chí đạt nhất"),
        "value": _("%(n)s tiêu chí") % {"n": _number(summary.lowest_criteria_met)},
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


def _near_finish(summary: UnitProgress, communes: list[CommuneProgress]) -> tuple[int, list[CommuneProgress]]:
    """Communes not yet recognised that meet the high band's criteria or more (15 of 19), most met first: the rule
    the PDF report uses (reports.selectors.report_content)."""
    high_band = next((band for band in summary.bands if band.key == "high"), None)
    near_from = high_band.min_criteria if high_band else summary.criteria_total
    near = sorted(
        (c for c in communes if not c.meets_standard and c.criteria_met is not None and c.criteria_met >= near_from),
        key=lambda c: (-(c.criteria_met or 0), c.district_name or "", c.name, c.code),
    )
    return near_from, near


def _chart(draw: Callable[[object], str], data: object) -> str:
    """`draw(data)`, kept in the cache under a hash of the data it is drawn from: an SVG is a pure function of the
    figures (and of the language of its labels), and matplotlib takes 0.1–0.4 s a chart (49 districts: 0.4 s), more
    than all the page's queries. Nothing to invalidate: other figures give another key."""
    key = hashlib.sha256(f"{draw.__name__}|{get_language()}|{data!r}".encode()).hexdigest()
    svg = cache.get(f"dashboard-chart:{key}")
    if svg is None:
        svg = draw(data)
        cache.set(f"dashboard-chart:{key}", svg, CHART_CACHE_SECONDS)
    return svg


def _url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard of the user's own unit; a commune official goes to the commune page (or its province's)."""
    user = request.user
    unit = getattr(user, "unit", None)
    if unit is not None and unit.level in DASHBOARD_LEVELS:
        return redirect("dashboard:unit", unit_pk=unit.pk)
    if unit is not None and unit.level == UnitLevel.COMMUNE:
        commune_page = _url_or_none("communes:commune_detail", unit.pk)
        if commune_page:
            return redirect(commune_page)
        if unit.province_id:
            return redirect("dashboard:unit", unit_pk=unit.province_id)
    if user.is_superuser:
        province = AdministrativeUnit.objects.provinces().current().order_by("code").first()
        if province is not None:
            return redirect("dashboard:unit", unit_pk=province.pk)
    # An agency liaison sees the communes its agency is assigned to, not a province or a district.
    return render(request, "dashboard/none.html")


@login_required
@require_GET
def unit_dashboard(request: HttpRequest, unit_pk: int) -> HttpResponse:
    user = request.user
    unit = get_object_or_404(
        AdministrativeUnit.objects.visible_to(user).filter(level__in=DASHBOARD_LEVELS).select_related("parent"),
        pk=unit_pk,
    )
    form = AsOfForm(request.GET) if "as_of" in request.GET else AsOfForm(initial={"as_of": timezone.localdate()})
    as_of = form.cleaned_data["as_of"] if form.is_bound and form.is_valid() else timezone.localdate()

    summary = unit_progress_summary(unit=unit, as_of=as_of)
    trend = unit_progress_trend(unit=unit, years=range(max(FIRST_YEAR, as_of.year - TREND_YEARS + 1), as_of.year + 1),
                                as_of=as_of)  # fmt: skip
    listing_unit = _listing_unit(user, unit)
    near_from, near = (summary.criteria_total, [])
    if listing_unit is not None:
        near_from, near = _near_finish(summary, commune_progress_list(unit=listing_unit, as_of=as_of))
    secondments = secondment_summary(unit=unit, as_of=as_of)
    sponsors = sponsor_summary(unit=unit, as_of=as_of, since=as_of - datetime.timedelta(days=SPONSOR_PERIOD_DAYS - 1))

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
    commune_filter = ""
    if listing_unit is not None and listing_unit.level == UnitLevel.DISTRICT:
        commune_filter = f"district_id={listing_unit.pk}&"
    context = {
        "unit": unit,
        "as_of": as_of,
        "form": form,
        "summary": summary,
        "figures": _figures(summary),
        "target": summary.target,
        "trend": trend,
        "districts": districts,
        "listing_unit": listing_unit,
        "lists_other_unit": listing_unit is not None and listing_unit.pk != unit.pk,
        "near_from": near_from,
        "near_finish": near[:NEAR_FINISH_SHOWN],
        "near_finish_total": len(near),
        "near_finish_url": reverse("communes:commune_list")
        + f"?{commune_filter}score_min={near_from}&ntm_level={NtmLevel.NOT_YET}",
        "commune_list_url": reverse("communes:commune_list") + (f"?{commune_filter[:-1]}" if commune_filter else ""),
        "secondments": secondments,
        "sponsors": sponsors,
        "agencies": [(agency, vnd(agency.support_value_vnd)) for agency in sponsors.agencies[:AGENCIES_SHOWN]],
        "support_total": vnd(sponsors.support_value_vnd),
        "support_by_kind": [
            (SupportKind(kind).label, vnd(value)) for kind, value in sponsors.support_by_kind.items() if value
        ],
        "parent": unit.parent if unit.level == UnitLevel.DISTRICT else None,
        "charts": {
            "trend": _chart(charts.trend_chart, trend),
            "districts": _chart(charts.districts_chart, summary),
            "criteria": _chart(charts.criteria_chart, summary),
            "bands": _chart(charts.bands_chart, summary),
        },
    }
    return render(request, "dashboard/unit.html", context)


app_name = "dashboard"
urlpatterns = [
    path("", home, name="home"),
    path("<int:unit_pk>/", unit_dashboard, name="unit"),
]
