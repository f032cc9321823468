"""Summaries of the secondment side for a unit on a date, computed in the database (DESIGN §5).

The dashboard API and the provincial PDF report both read them: "13 of 20 communes with seconded cadres reached the
standard" (seed 000), criteria gained per secondment (seed 002), and which agencies come "a few times a year, a few
hours each" (seed 003) next to the support they gave (seed 004). Each costs a fixed number of queries whatever the
number of communes, secondments or visits.

Scoping to what a user may see happens before: callers pass a unit they are allowed to read.
"""

from __future__ import annotations

import calendar
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Case, Count, Exists, F, IntegerField, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractQuarter
from django.utils.translation import gettext as _

from communes.models import AdministrativeUnit
from criteria import ledger
from criteria.selectors import CriteriaHistory, criteria_history
from ntm_portal import formats
from ntm_portal.collation import vi_order

from .choices import COUNTED_OUTCOMES, PlanItemStatus, SecondmentKind, SecondmentOutcome, SupportKind
from .models import FieldVisit, Secondment, SponsorAssignment, SupportContribution, WorkPlanItem


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
    until: date  # the period's last day: as_of, or the end of an earlier year (reading_period)
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


def _meeting_standard(as_of: date, commune_ref: str) -> Exists:
    """The outer row's commune meets the standard on as_of, as the progress ledger's level rows say."""
    return Exists(ledger.level_rows_on(as_of, commune_ref).filter(meets_standard=True))


def secondment_summary(*, unit: AdministrativeUnit, as_of: date) -> SecondmentSummary:
    """Queries: the totals, the kinds, the batches (each one GROUP BY or aggregate)."""
    secondments = Secondment.objects.filter(unit.communes_q(), start_date__lte=as_of).order_by()
    ended = Q(actual_end_date__isnull=False, actual_end_date__lte=as_of)
    with_counts = ended & Q(criteria_met_at_start__isnull=False, criteria_met_at_end__isnull=False)
    meeting = _meeting_standard(as_of, "commune_id")
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


def reading_period(*, unit: AdministrativeUnit, as_of: date) -> tuple[date, date]:
    """The one rule for the period the sponsor figures of a reading on `as_of` cover, on the dashboard and its
    accountability tab alike: the year `sponsor_default_year` picks, from 1 January to its end or `as_of`."""
    year = sponsor_default_year(unit=unit, as_of=as_of)
    return date(year, 1, 1), min(date(year, 12, 31), as_of)


def sponsor_summary(*, unit: AdministrativeUnit, as_of: date, since: date | None = None) -> SponsorSummary:
    """Assignments in force at the period's end, and visits and support in the period: from `since` to `as_of`, or by
    default `reading_period`. Queries: the latest visit (the default period), the assignments per agency, the
    communes with a sponsor, the visits per agency, the support per agency and kind."""
    since, until = (since, as_of) if since else reading_period(unit=unit, as_of=as_of)
    assignments = SponsorAssignment.objects.in_force_on(until).filter(unit.communes_q())
    per_agency = {
        row["agency_id"]: row
        for row in assignments.order_by()
        .values("agency_id", "agency__name")
        .annotate(assignments=Count("pk"), communes=Count("commune", distinct=True))
    }
    communes_with_sponsor = assignments.order_by().aggregate(n=Count("commune", distinct=True))["n"]

    visits = FieldVisit.objects.filter(unit.communes_q(), visit_date__gte=since, visit_date__lte=until).order_by()
    visit_rows = {
        row["agency_id"]: row
        for row in visits.values("agency_id", "agency__name").annotate(
            visits=Count("pk"),
            days=Coalesce(Sum("days_on_site"), Decimal(0)),
            hours=Coalesce(Sum("hours_on_site"), Decimal(0)),
            meetings=Coalesce(Sum("party_cell_meetings"), 0, output_field=IntegerField()),
        )
    }

    support = SupportContribution.objects.filter(unit.communes_q(), date__gte=since, date__lte=until).order_by()
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
        until=until,
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


# --- secondment results: did the communes the cadres went to reach the standard? (issue 8) ---------------------------


@dataclass(frozen=True)
class SecondmentResult:
    """One secondment started by as_of: the commune's criteria at both ends and whether it reached the standard."""

    secondment_id: int
    cadre: str
    role_at_commune: str  # e.g. Phó Bí thư Đảng ủy xã
    home_agency_id: int
    home_agency: str
    commune_id: int
    commune: str
    district_id: int | None
    district: str | None
    kind: str
    batch_id: int | None
    batch: str | None
    start_date: date
    end_date: date | None  # the actual end, when it was on or before as_of
    still_running: bool
    criteria_at_start: int | None
    criteria_at_end: int | None  # at the end, or on as_of for one still running then
    criteria_gained: int | None
    # The commune's first recognition at the standard or above by as_of; unless it met the standard when the cadre
    # arrived, the first from the arrival on (a recognition revoked before then does not count).
    standard_reached_on: date | None
    outcome: str  # SecondmentOutcome value
    months_to_standard: int | None  # from the start, when the outcome counts (during or within the window after)

    @property
    def reached(self) -> bool:
        return self.outcome in COUNTED_OUTCOMES


@dataclass(frozen=True)
class OutcomeFigures:
    """Communes reaching the standard N of M (M leaves out communes already meeting it at the start), the median
    criteria gained and the median months to the standard."""

    communes: int
    communes_meeting_standard: int
    percent_meeting_standard: float | None
    median_criteria_gained: float | None  # per commune: from the first cadre's arrival to the last one's departure
    median_months_to_standard: float | None  # per commune: from the first cadre's arrival


@dataclass(frozen=True)
class OutcomeGroup:
    """The secondments of a batch, of a home agency, or all of them, next to the communes of the same unit that had
    no seconded cadre in the same period (the comparison)."""

    key: str  # "all", "batch-<id>", "batch-none", "agency-<id>"
    label: str
    period_start: date
    period_end: date  # the last end, or as_of while one is still running
    secondments: int
    already_meeting: int  # communes meeting the standard when their cadre arrived: not counted in M
    seconded: OutcomeFigures
    comparison: OutcomeFigures


@dataclass(frozen=True)
class SecondmentResults:
    as_of: date
    months_after: int  # a commune reaching the standard this many months after the cadre left still counts
    secondments: list[SecondmentResult]  # oldest first
    overall: OutcomeGroup | None  # None: no secondment started by as_of
    batches: list[OutcomeGroup]  # by year and name; secondments outside a batch last
    home_agencies: list[OutcomeGroup]  # most communes first


def secondment_results(
    *,
    unit: AdministrativeUnit,
    as_of: date,
    months_after: int | None = None,
    history: CriteriaHistory | None = None,
) -> SecondmentResults:
    """Results of the secondments to the communes of `unit` started by `as_of` (DESIGN §5, seed 000: "13 of 20
    communes reached the standard").

    A commune counts as reaching the standard when its first recognition decision falls between the cadre's arrival
    and `months_after` months after the cadre left (still running: by as_of). The comparison for a group is the
    communes of the same unit with no secondment overlapping the group's period, not meeting the standard at its
    start, reaching it by the period's end plus the same months. Medians are taken here, not in SQL (SQLite has no
    median): the database only counts each round's met criteria, once. Queries: the secondments, and
    `criteria_history`'s four (none when the caller passes the unit's history on as_of), whatever the number of
    secondments, communes and rounds.
    """
    months_after = settings.NTM_STANDARD_WITHIN_MONTHS if months_after is None else months_after
    secondments = list(
        Secondment.objects.filter(unit.communes_q(), start_date__lte=as_of)
        .select_related("cadre__home_agency", "commune__district", "batch")
        .order_by("start_date", "commune__code", "pk")
    )
    history = history or criteria_history(unit=unit, as_of=as_of)
    results = [_secondment_result(s, history, as_of=as_of, months_after=months_after) for s in secondments]
    if not results:
        return SecondmentResults(as_of, months_after, [], None, [], [])

    def group(key: str, label: str, members: list[SecondmentResult]) -> OutcomeGroup:
        return _outcome_group(key, label, members, results, history, as_of=as_of, months_after=months_after)

    by_batch: dict[int | None, list[SecondmentResult]] = defaultdict(list)
    by_agency: dict[int, list[SecondmentResult]] = defaultdict(list)
    batch_order: dict[int | None, tuple] = {}
    for secondment, result in zip(secondments, results, strict=True):
        by_batch[result.batch_id].append(result)
        by_agency[result.home_agency_id].append(result)
        batch = secondment.batch
        batch_order[result.batch_id] = (batch is None, batch.year if batch else 0, batch.name if batch else "")
    batches = [
        group(f"batch-{batch_id or 'none'}", members[0].batch or str(_("Ngoài các đợt")), members)
        for batch_id, members in sorted(by_batch.items(), key=lambda item: batch_order[item[0]])
    ]
    agencies = [
        group(f"agency-{agency_id}", members[0].home_agency, members)
        for agency_id, members in sorted(
            by_agency.items(), key=lambda item: (-len({r.commune_id for r in item[1]}), item[1][0].home_agency)
        )
    ]
    return SecondmentResults(
        as_of=as_of,
        months_after=months_after,
        secondments=results,
        overall=group("all", str(_("Tất cả cán bộ biệt phái, luân chuyển")), results),
        batches=batches,
        home_agencies=agencies,
    )


def _secondment_result(
    secondment: Secondment, history: CriteriaHistory, *, as_of: date, months_after: int
) -> SecondmentResult:
    ended = secondment.actual_end_date is not None and secondment.actual_end_date <= as_of
    end = secondment.actual_end_date if ended else as_of
    # The counts recorded at both ends are the record; the round history stands in where one was not recorded, and
    # for the end of a secondment still running on as_of (a count recorded later is not known then).
    at_start = secondment.criteria_met_at_start
    if at_start is None:
        at_start = history.criteria_met_on(secondment.commune_id, secondment.start_date)
    at_end = secondment.criteria_met_at_end if ended else None
    if at_end is None:
        at_end = history.criteria_met_on(secondment.commune_id, end)
    # Meeting the standard when the cadre arrived is having a decision in force the day before: one revoked by then
    # does not count, and the commune reaches the standard with the first decision issued from the arrival on.
    already = _meeting_before(history, secondment.commune_id, secondment.start_date)
    reached_on = history.standard_reached_on(secondment.commune_id, since=None if already else secondment.start_date)
    outcome = _outcome(
        reached_on, start=secondment.start_date, end=end, still_running=not ended, months_after=months_after
    )
    agency = secondment.cadre.home_agency
    return SecondmentResult(
        secondment_id=secondment.pk,
        cadre=secondment.cadre.full_name,
        role_at_commune=secondment.role_at_commune,
        home_agency_id=agency.pk,
        home_agency=agency.compact_name,
        commune_id=secondment.commune_id,
        commune=secondment.commune.name,
        district_id=secondment.commune.district_id,
        district=secondment.commune.district.name if secondment.commune.district else None,
        kind=secondment.kind,
        batch_id=secondment.batch_id,
        batch=secondment.batch.name if secondment.batch else None,
        start_date=secondment.start_date,
        end_date=secondment.actual_end_date if ended else None,
        still_running=not ended,
        criteria_at_start=at_start,
        criteria_at_end=at_end,
        criteria_gained=at_end - at_start if at_start is not None and at_end is not None else None,
        standard_reached_on=reached_on,
        outcome=outcome,
        months_to_standard=months_between(secondment.start_date, reached_on) if outcome in COUNTED_OUTCOMES else None,
    )


def _outcome(reached_on: date | None, *, start: date, end: date, still_running: bool, months_after: int) -> str:
    if reached_on is not None and reached_on < start:
        return SecondmentOutcome.ALREADY
    if reached_on is None:
        return SecondmentOutcome.NOT_YET
    if reached_on <= end:
        return SecondmentOutcome.DURING
    if not still_running and reached_on <= add_months(end, months_after):
        return SecondmentOutcome.AFTER
    return SecondmentOutcome.LATER


def _outcome_group(
    key: str,
    label: str,
    members: list[SecondmentResult],
    everyone: list[SecondmentResult],
    history: CriteriaHistory,
    *,
    as_of: date,
    months_after: int,
) -> OutcomeGroup:
    period_start = min(r.start_date for r in members)
    period_end = as_of if any(r.still_running for r in members) else max(r.end_date for r in members)

    # Per commune: it reached the standard if it did within any of its secondments in the group; already meeting it
    # if it did before every one of them. Back-to-back cadres share one commune's road to the standard, so its gain
    # runs from the first arrival to the last departure and its months from the first arrival.
    by_commune: dict[int, list[SecondmentResult]] = defaultdict(list)
    for result in members:
        if result.outcome != SecondmentOutcome.ALREADY:
            by_commune[result.commune_id].append(result)
    already = {r.commune_id for r in members} - set(by_commune)
    months, gains = [], []
    for stays in by_commune.values():
        first = min(stays, key=lambda r: r.start_date)
        last = max(stays, key=lambda r: (r.end_date or as_of, r.start_date))
        reached = [r.standard_reached_on for r in stays if r.reached]
        if reached:
            months.append(months_between(first.start_date, min(reached)))
        if first.criteria_at_start is not None and last.criteria_at_end is not None:
            gains.append(last.criteria_at_end - first.criteria_at_start)
    seconded = _figures(communes=len(by_commune), reaching=len(months), gains=gains, months=months)

    # The comparison: communes of the unit with no secondment overlapping the period, not meeting it at its start.
    with_cadre = {
        r.commune_id for r in everyone if r.start_date <= period_end and (r.end_date or as_of) >= period_start
    }
    deadline = min(add_months(period_end, months_after), as_of)
    others = [c for c in history.communes if c not in with_cadre and not _meeting_before(history, c, period_start)]
    other_months, other_gains = [], []
    for commune_id in others:
        reached_on = history.standard_reached_on(commune_id, since=period_start)
        if reached_on is not None and reached_on <= deadline:
            other_months.append(months_between(period_start, reached_on))
        before, after = (
            history.criteria_met_on(commune_id, period_start),
            history.criteria_met_on(commune_id, period_end),
        )
        if before is not None and after is not None:
            other_gains.append(after - before)
    comparison = _figures(communes=len(others), reaching=len(other_months), gains=other_gains, months=other_months)
    return OutcomeGroup(
        key=key,
        label=label,
        period_start=period_start,
        period_end=period_end,
        secondments=len(members),
        already_meeting=len(already),
        seconded=seconded,
        comparison=comparison,
    )


def _meeting_before(history: CriteriaHistory, commune_id: int, day: date) -> bool:
    """A decision at the standard or above in force on the eve of `day` (one issued on `day` is reached on it)."""
    return history.meets_standard_on(commune_id, day - timedelta(days=1))


def _figures(*, communes: int, reaching: int, gains: list[int], months: list[int]) -> OutcomeFigures:
    return OutcomeFigures(
        communes=communes,
        communes_meeting_standard=reaching,
        percent_meeting_standard=_percent(reaching, communes),
        median_criteria_gained=_one_decimal(Decimal(str(statistics.median(gains)))) if gains else None,
        median_months_to_standard=_one_decimal(Decimal(str(statistics.median(months)))) if months else None,
    )


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, on the last day of the month where the day does not exist (31 → 30, 28)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end`: 1 March → 30 September is 6, → 1 October is 7."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


# --- sponsor accountability: who came, how often, what they gave, what they did of their plans (issue 8) --------------


@dataclass(frozen=True)
class CommuneRef:
    """A commune named in a list: its id too, since names repeat (there are many a "Xã Tân Lập")."""

    id: int
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class QuarterActivity:
    """One agency in one quarter: its assigned communes and its visits to them."""

    quarter: int  # 1–4
    complete: bool  # the quarter had ended by as_of; only a complete quarter is flagged
    communes_assigned: int
    field_visits: int
    days_on_site: float
    hours_on_site: float
    communes_not_visited: list[CommuneRef]  # assigned communes the agency did not visit in the quarter, by name
    below_minimum: bool


@dataclass(frozen=True)
class AgencyAccountability:
    agency_id: int
    name: str  # the compact name (formats.agency_name): the tables' and charts' narrow columns
    full_name: str  # for sentences (the report's tasks)
    kind: str  # AgencyKind value
    communes_assigned: int  # in the year
    field_visits: int
    days_on_site: float
    hours_on_site: float
    quarters: list[QuarterActivity]
    quarters_below_minimum: int
    support_value_vnd: int
    plan_items_done: int
    plan_items_late: int  # open past their due date on as_of
    plan_items_open: int  # open, not yet due

    @property
    def flagged(self) -> bool:
        return self.quarters_below_minimum > 0


@dataclass(frozen=True)
class SupportLine:
    key: str  # AgencyKind/SupportKind value, agency or criterion id; "" for support given to no criterion
    label: str
    value_vnd: int


@dataclass(frozen=True)
class SponsorAccountability:
    """The year of the sponsors of a unit's communes, quarter by quarter up to as_of."""

    year: int
    as_of: date
    quarters: list[int]
    min_visits_per_commune: int  # per assigned commune and quarter
    min_days_per_commune: float
    agencies: list[AgencyAccountability]  # flagged first, then fewest visits
    agencies_flagged: int
    support_value_vnd: int
    support_by_agency: list[SupportLine]  # largest first
    support_by_kind: list[SupportLine]  # every SupportKind, in its order
    support_by_criterion: list[SupportLine]  # largest first; support given to no criterion last
    plan_items_done: int
    plan_items_late: int
    plan_items_open: int


def sponsor_default_year(*, unit: AdministrativeUnit, as_of: date) -> int:
    """The year the accountability pages open on: as_of's, or the latest before it with a field visit in the unit's
    communes (early in a year nothing is recorded yet, and last year's figures are the ones to read). One query."""
    latest = (
        FieldVisit.objects.filter(unit.communes_q(), visit_date__lte=as_of)
        .order_by()
        .aggregate(latest=Max("visit_date"))["latest"]
    )
    return latest.year if latest else as_of.year


def sponsor_accountability(
    *,
    unit: AdministrativeUnit,
    year: int,
    as_of: date,
    min_visits_per_commune: int | None = None,
    min_days_per_commune: float | None = None,
) -> SponsorAccountability:
    """Per agency assigned to the communes of `unit` and per quarter of `year` up to `as_of`: visits, days on site,
    communes not visited, and a flag when a complete quarter falls below the minimums (per assigned commune: visits,
    days on site); support by agency, kind and criterion; work-plan items due in the year, done, late or open.

    Queries: the assignments, the visits grouped by agency, commune and quarter, the support grouped by giver, kind
    and criterion, the work-plan items grouped by agency and status; whatever the number of visits.
    """
    min_visits = (
        settings.NTM_SPONSOR_MIN_VISITS_PER_QUARTER if min_visits_per_commune is None else min_visits_per_commune
    )
    min_days = settings.NTM_SPONSOR_MIN_DAYS_PER_QUARTER if min_days_per_commune is None else min_days_per_commune
    year_start, year_end = date(year, 1, 1), min(date(year, 12, 31), as_of)
    quarters = list(range(1, (year_end.month - 1) // 3 + 2)) if year_start <= as_of else []

    assignments = (
        SponsorAssignment.objects.in_force_during(year_start, year_end)
        .filter(unit.communes_q())
        .order_by(vi_order("agency__name"), "commune__code")
        .values_list(
            "agency_id",
            "agency__name",
            "agency__short_name",
            "agency__kind",
            "commune_id",
            "commune__name",
            "start_date",
            "end_date",
        )
    )
    agencies: dict[int, dict] = {}
    for agency_id, name, short_name, kind, commune_id, commune_name, start, end in assignments:
        label = formats.agency_name(name, short_name, compact=True)
        agency = agencies.setdefault(
            agency_id, {"name": label, "full_name": formats.agency_name(name, short_name), "kind": kind, "assigned": {}}
        )
        agency["assigned"].setdefault(commune_id, (commune_name, []))[1].append((start, end))

    visits: dict[tuple[int, int], dict[int, tuple[int, Decimal, Decimal]]] = defaultdict(dict)
    for row in (
        FieldVisit.objects.filter(unit.communes_q(), visit_date__gte=year_start, visit_date__lte=year_end)
        .annotate(quarter=ExtractQuarter("visit_date"))
        .order_by()
        .values("agency_id", "agency__name", "agency__short_name", "agency__kind", "commune_id", "quarter")
        .annotate(
            visits=Count("pk"),
            days=Coalesce(Sum("days_on_site"), Decimal(0)),
            hours=Coalesce(Sum("hours_on_site"), Decimal(0)),
        )
    ):
        name = formats.agency_name(row["agency__name"], row["agency__short_name"], compact=True)
        agencies.setdefault(
            row["agency_id"],
            {
                "name": name,
                "full_name": formats.agency_name(row["agency__name"]),
                "kind": row["agency__kind"],
                "assigned": {},
            },
        )
        visits[(row["agency_id"], row["quarter"])][row["commune_id"]] = (row["visits"], row["days"], row["hours"])

    support_rows = list(
        SupportContribution.objects.filter(unit.communes_q(), date__gte=year_start, date__lte=year_end)
        .order_by()
        .values(
            "giver_id",
            "giver__name",
            "giver__short_name",
            "giver__kind",
            "kind",
            "criterion_id",
            "criterion__number",
            "criterion__name",
        )
        .annotate(value=Sum("value_vnd"))
    )
    support_by_agency: dict[int, int] = defaultdict(int)
    support_by_kind = dict.fromkeys(SupportKind.values, 0)
    support_by_criterion: dict[int | None, list] = {}
    for row in support_rows:
        name = formats.agency_name(row["giver__name"], row["giver__short_name"], compact=True)
        agencies.setdefault(
            row["giver_id"],
            {
                "name": name,
                "full_name": formats.agency_name(row["giver__name"]),
                "kind": row["giver__kind"],
                "assigned": {},
            },
        )
        support_by_agency[row["giver_id"]] += row["value"]
        support_by_kind[row["kind"]] += row["value"]
        label = (
            _("Tiêu chí %(number)s. %(name)s") % {"number": row["criterion__number"], "name": row["criterion__name"]}
            if row["criterion_id"] is not None
            else _("Không gắn với tiêu chí")
        )
        support_by_criterion.setdefault(row["criterion_id"], [label, 0])[1] += row["value"]

    plan_counts: dict[int, dict[str, int]] = defaultdict(lambda: {"done": 0, "late": 0, "open": 0})
    for agency_id, status, overdue, count in (
        WorkPlanItem.objects.filter(
            unit.communes_q("work_plan__assignment__commune"),
            due_date__gte=year_start,
            due_date__lte=date(year, 12, 31),
        )
        .exclude(status=PlanItemStatus.CANCELLED)
        .annotate(overdue=Case(When(due_date__lt=as_of, then=Value(True)), default=Value(False)))
        .order_by()
        .values_list("work_plan__assignment__agency_id", "status", "overdue")
        .annotate(n=Count("pk"))
    ):
        state = "done" if status == PlanItemStatus.DONE else "late" if overdue else "open"
        plan_counts[agency_id][state] += count

    lines = []
    for agency_id, agency in agencies.items():
        quarter_lines = []
        for quarter in quarters:
            q_start = date(year, 3 * quarter - 2, 1)
            q_end = add_months(q_start, 3) - timedelta(days=1)
            assigned = {
                commune_id: name
                for commune_id, (name, spans) in agency["assigned"].items()
                if any(start <= q_end and (end is None or end >= q_start) for start, end in spans)
            }
            seen = visits.get((agency_id, quarter), {})
            n_visits = sum(v[0] for v in seen.values())
            days = sum((v[1] for v in seen.values()), Decimal(0))
            hours = sum((v[2] for v in seen.values()), Decimal(0))
            complete = q_end <= as_of
            quarter_lines.append(
                QuarterActivity(
                    quarter=quarter,
                    complete=complete,
                    communes_assigned=len(assigned),
                    field_visits=n_visits,
                    days_on_site=_one_decimal(days),
                    hours_on_site=_one_decimal(hours),
                    communes_not_visited=sorted(
                        (
                            CommuneRef(commune_id, name)
                            for commune_id, name in assigned.items()
                            if commune_id not in seen
                        ),
                        key=lambda commune: (commune.name, commune.id),
                    ),
                    below_minimum=complete
                    and bool(assigned)
                    and (n_visits < min_visits * len(assigned) or days < Decimal(str(min_days)) * len(assigned)),
                )
            )
        plans = plan_counts.get(agency_id, {"done": 0, "late": 0, "open": 0})
        lines.append(
            AgencyAccountability(
                agency_id=agency_id,
                name=agency["name"],
                full_name=agency["full_name"],
                kind=agency["kind"],
                communes_assigned=len(agency["assigned"]),
                field_visits=sum(q.field_visits for q in quarter_lines),
                days_on_site=_one_decimal(sum((Decimal(str(q.days_on_site)) for q in quarter_lines), Decimal(0))),
                hours_on_site=_one_decimal(sum((Decimal(str(q.hours_on_site)) for q in quarter_lines), Decimal(0))),
                quarters=quarter_lines,
                quarters_below_minimum=sum(1 for q in quarter_lines if q.below_minimum),
                support_value_vnd=support_by_agency.get(agency_id, 0),
                plan_items_done=plans["done"],
                plan_items_late=plans["late"],
                plan_items_open=plans["open"],
            )
        )
    lines.sort(key=lambda a: (-a.quarters_below_minimum, a.field_visits, a.days_on_site, a.name, a.agency_id))
    names = {line.agency_id: line.name for line in lines}
    return SponsorAccountability(
        year=year,
        as_of=as_of,
        quarters=quarters,
        min_visits_per_commune=min_visits,
        min_days_per_commune=min_days,
        agencies=lines,
        agencies_flagged=sum(1 for line in lines if line.flagged),
        support_value_vnd=sum(support_by_kind.values()),
        support_by_agency=sorted(
            (SupportLine(str(pk), names[pk], value) for pk, value in support_by_agency.items()),
            key=lambda line: (-line.value_vnd, line.label),
        ),
        support_by_kind=[
            SupportLine(kind, str(SupportKind(kind).label), support_by_kind[kind]) for kind in SupportKind.values
        ],
        support_by_criterion=sorted(
            (
                SupportLine("" if pk is None else str(pk), label, value)
                for pk, (label, value) in support_by_criterion.items()
            ),
            key=lambda line: (line.key == "", -line.value_vnd, line.label),
        ),
        plan_items_done=sum(line.plan_items_done for line in lines),
        plan_items_late=sum(line.plan_items_late for line in lines),
        plan_items_open=sum(line.plan_items_open for line in lines),
    )


def _one_decimal(value: Decimal | int) -> float:
    return float(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _percent(part: int, whole: int) -> float | None:
    return _one_decimal(Decimal(part) * 100 / Decimal(whole)) if whole else None


def _ratio(total: int | None, count: int) -> float | None:
    return _one_decimal(Decimal(total or 0) / Decimal(count)) if count else None
