"""Summaries of the secondment side for a unit on a date, computed in the database (DESIGN §5).

The dashboard API and the provincial PDF report both read them: "13 of 20 communes with seconded cadres reached the
standard" (seed 000), criteria gained per secondment (seed 002), and which agencies come "a few times a year, a few
hours each" (seed 003) next to the support they gave (seed 004). Each costs a fixed number of queries whatever the
number of communes, secondments or visits.

Scoping to what a user may see happens before: callers pass a unit they are allowed to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from communes.choices import UnitLevel
from communes.models import AdministrativeUnit, Recognition

from .choices import SecondmentKind, SupportKind
from .models import FieldVisit, Secondment, SponsorAssignment, SupportContribution


@dataclass(frozen=True)
class BatchSummary:
    batch_id: int | None  # None: secondments outside any batch
    name: str | None
    year: int | None
    secondments: int
    communes: int
    communes_meeting_standard: int


@dataclass(frozen=True)
class SecondmentSummary:
    """Secondments to the communes of a unit that had started on `as_of`."""

    as_of: date
    secondments_total: int
    active: int  # on as_of
    completed: int  # ended on or before as_of
    cadres: int
    communes: int  # communes that received a cadre
    communes_meeting_standard: int  # of those, meeting the standard on as_of
    percent_meeting_standard: float | None
    completed_with_counts: int  # completed secondments with the criteria count at both ends
    average_criteria_gained: float | None  # over those
    by_kind: dict[str, int]  # every SecondmentKind value
    batches: list[BatchSummary]  # by year and name; secondments outside a batch last


@dataclass(frozen=True)
class AgencyActivity:
    """One agency's presence in the unit's communes between `since` and `as_of`."""

    agency_id: int
    name: str
    communes_assigned: int  # assignments in force on as_of
    field_visits: int
    days_on_site: float
    hours_on_site: float
    support_value_vnd: int


@dataclass(frozen=True)
class SponsorSummary:
    since: date
    as_of: date
    assignments_active: int
    agencies_assigned: int
    communes_with_sponsor: int
    field_visits: int
    days_on_site: float
    hours_on_site: float
    party_cell_meetings: int
    support_value_vnd: int
    support_by_kind: dict[str, int]  # every SupportKind value, in VND
    agencies: list[AgencyActivity]  # the least present first: fewest visits, then fewest days on site


def _communes_of(unit: AdministrativeUnit, path: str = "commune") -> Q:
    """Rows whose commune is `unit` or lies within it (one indexed condition on the ancestor columns)."""
    if unit.level == UnitLevel.PROVINCE:
        return Q(**{f"{path}__province": unit})
    if unit.level == UnitLevel.DISTRICT:
        return Q(**{f"{path}__district": unit})
    return Q(**{path: unit})


def _in_force(as_of: date, commune_ref: str) -> Exists:
    """A recognition decision in force on as_of for the outer row's commune: issued by then, not revoked by then."""
    return Exists(
        Recognition.objects.filter(commune=OuterRef(commune_ref), decision_date__lte=as_of).filter(
            Q(revoked_on__isnull=True) | Q(revoked_on__gt=as_of)
        )
    )


def secondment_summary(*, unit: AdministrativeUnit, as_of: date) -> SecondmentSummary:
    """Queries: the totals, the kinds, the batches (each one GROUP BY or aggregate)."""
    secondments = Secondment.objects.filter(_communes_of(unit), start_date__lte=as_of).order_by()
    ended = Q(actual_end_date__isnull=False, actual_end_date__lte=as_of)
    with_counts = ended & Q(criteria_met_at_start__isnull=False, criteria_met_at_end__isnull=False)
    meeting = _in_force(as_of, "commune_id")
    totals = secondments.aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=ended),
        cadres=Count("cadre", distinct=True),
        communes=Count("commune", distinct=True),
        communes_meeting=Count("commune", distinct=True, filter=meeting),
        completed_with_counts=Count("pk", filter=with_counts),
        criteria_gained=Sum(F("criteria_met_at_end") - F("criteria_met_at_start"), filter=with_counts),
    )
    by_kind = dict(secondments.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    batch_rows = (
        secondments.values("batch_id", "batch__name", "batch__year")
        .annotate(
            secondments=Count("pk"),
            communes=Count("commune", distinct=True),
            communes_meeting=Count("commune", distinct=True, filter=meeting),
        )
        .order_by(F("batch__year").asc(nulls_last=True), F("batch__name").asc(nulls_last=True))
    )
    return SecondmentSummary(
        as_of=as_of,
        secondments_total=totals["total"],
        active=totals["total"] - totals["completed"],
        completed=totals["completed"],
        cadres=totals["cadres"],
        communes=totals["communes"],
        communes_meeting_standard=totals["communes_meeting"],
        percent_meeting_standard=_percent(totals["communes_meeting"], totals["communes"]),
        completed_with_counts=totals["completed_with_counts"],
        average_criteria_gained=_ratio(totals["criteria_gained"], totals["completed_with_counts"]),
        by_kind={kind: by_kind.get(kind, 0) for kind in SecondmentKind.values},
        batches=[
            BatchSummary(
                batch_id=row["batch_id"],
                name=row["batch__name"],
                year=row["batch__year"],
                secondments=row["secondments"],
                communes=row["communes"],
                communes_meeting_standard=row["communes_meeting"],
            )
            for row in batch_rows
        ],
    )


def sponsor_summary(*, unit: AdministrativeUnit, as_of: date, since: date | None = None) -> SponsorSummary:
    """Assignments in force on `as_of`, and visits and support from `since` (default: 1 January of as_of's year) to
    `as_of`. Queries: the assignments per agency, the communes with a sponsor, the visits per agency, the support per
    agency and kind."""
    since = since or date(as_of.year, 1, 1)
    assignments = SponsorAssignment.objects.filter(_communes_of(unit), start_date__lte=as_of).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=as_of)
    )
    per_agency = {
        row["agency_id"]: row
        for row in assignments.order_by()
        .values("agency_id", "agency__name")
        .annotate(assignments=Count("pk"), communes=Count("commune", distinct=True))
    }
    communes_with_sponsor = assignments.order_by().aggregate(n=Count("commune", distinct=True))["n"]

    visits = FieldVisit.objects.filter(_communes_of(unit), visit_date__gte=since, visit_date__lte=as_of).order_by()
    visit_rows = {
        row["agency_id"]: row
        for row in visits.values("agency_id", "agency__name").annotate(
            visits=Count("pk"),
            days=Coalesce(Sum("days_on_site"), Decimal(0)),
            hours=Coalesce(Sum("hours_on_site"), Decimal(0)),
            meetings=Coalesce(Sum("party_cell_meetings"), 0, output_field=IntegerField()),
        )
    }

    support = SupportContribution.objects.filter(_communes_of(unit), date__gte=since, date__lte=as_of).order_by()
    support_by_agency: dict[int, int] = {}
    support_by_kind = dict.fromkeys(SupportKind.values, 0)
    names = {agency_id: row["agency__name"] for agency_id, row in (per_agency | visit_rows).items()}
    for row in support.values("giver_id", "giver__name", "kind").annotate(value=Sum("value_vnd")):
        support_by_agency[row["giver_id"]] = support_by_agency.get(row["giver_id"], 0) + row["value"]
        support_by_kind[row["kind"]] = support_by_kind.get(row["kind"], 0) + row["value"]
        names.setdefault(row["giver_id"], row["giver__name"])

    agencies = []
    for agency_id, name in names.items():
        visit = visit_rows.get(agency_id, {})
        agencies.append(
            AgencyActivity(
                agency_id=agency_id,
                name=name,
                communes_assigned=per_agency.get(agency_id, {}).get("communes", 0),
                field_visits=visit.get("visits", 0),
                days_on_site=_one_decimal(visit.get("days", Decimal(0))),
                hours_on_site=_one_decimal(visit.get("hours", Decimal(0))),
                support_value_vnd=support_by_agency.get(agency_id, 0),
            )
        )
    agencies.sort(key=lambda a: (a.field_visits, a.days_on_site, a.name, a.agency_id))

    return SponsorSummary(
        since=since,
        as_of=as_of,
        assignments_active=sum(row["assignments"] for row in per_agency.values()),
        agencies_assigned=len(per_agency),
        communes_with_sponsor=communes_with_sponsor,
        field_visits=sum(row["visits"] for row in visit_rows.values()),
        days_on_site=_one_decimal(sum((row["days"] for row in visit_rows.values()), Decimal(0))),
        hours_on_site=_one_decimal(sum((row["hours"] for row in visit_rows.values()), Decimal(0))),
        party_cell_meetings=sum(row["meetings"] for row in visit_rows.values()),
        support_value_vnd=sum(support_by_kind.values()),
        support_by_kind=support_by_kind,
        agencies=agencies,
    )


def _one_decimal(value: Decimal | int) -> float:
    return float(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _percent(part: int, whole: int) -> float | None:
    return _one_decimal(Decimal(part) * 100 / Decimal(whole)) if whole else None


def _ratio(total: int | None, count: int) -> float | None:
    return _one_decimal(Decimal(total or 0) / Decimal(count)) if count else None
