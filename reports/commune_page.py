"""Everything the commune page shows (issue 7), in a fixed number of queries whatever the number of rows (DESIGN §5):
the read shared by the page (portal.commune_views) and its PDF profile (reports.commune_profile), hence here,
below both.

Scores come from criteria.selectors (`commune_progress_for`), so a commune's "15/19" is the
figure the dashboards, the API and the PDF report show. Scope: every queryset here goes through `visible_to(user)`;
callers pass a commune or unit the user may read.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery, Sum

from communes.models import AdministrativeUnit, Recognition, UnitSuccession
from criteria import ledger
from criteria.models import AssessmentRound, Criterion, CriterionResult, EvidenceFile
from criteria.selectors import CommuneProgress, commune_progress_for, round_list
from ntm_portal.collation import vi_order
from ntm_portal.in_force import in_force
from secondments.choices import PlanItemStatus, SupportKind
from secondments.models import FieldVisit, Secondment, SponsorAssignment, SupportContribution, WorkPlanItem

# Seed 003: agencies that come "a few times a year, a few hours each". Fewer visits than this in the last 12 months
# by the agencies assigned to a commune is flagged on the commune page.
LOW_VISIT_THRESHOLD = 4
VISIT_WINDOW_DAYS = 365
RECENT_VISITS = 5
RECENT_CONTRIBUTIONS = 5
PLAN_ITEMS_SHOWN = 10


# --- the commune page ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionMark:
    number: int
    name: str
    group_name: str
    met: bool | None  # None: not assessed in the round


@dataclass(frozen=True)
class AgencyVisits:
    """One agency's visits to the commune in the window, next to its assignment."""

    agency_id: int
    name: str
    visits: int
    days_on_site: float
    hours_on_site: float
    assigned: bool  # has an assignment to the commune in force today
    low: bool  # assigned, and fewer visits than LOW_VISIT_THRESHOLD


@dataclass(frozen=True)
class PlanCounts:
    done: int
    late: int  # open and past due
    open: int  # open and not yet due
    cancelled: int

    @property
    def total(self) -> int:
        return self.done + self.late + self.open + self.cancelled


@dataclass(frozen=True)
class Predecessor:
    """A commune merged into this one: where it stood the day before the merger, and its recognition decisions."""

    unit: AdministrativeUnit
    default_successor: bool  # False: divided, and this commune took a part of it
    standing: CommuneProgress | None
    recognitions: list[Recognition]


@dataclass
class CommunePage:
    commune: AdministrativeUnit
    today: datetime.date
    rounds: list[AssessmentRound]  # oldest first, each with criteria_met / criteria_total
    latest_round: AssessmentRound | None
    criteria: list[CriterionMark]  # of the latest round's set
    evidence_files: list[EvidenceFile]
    secondments: list[Secondment]
    assignments: list[SponsorAssignment]
    visits_since: datetime.date
    agency_visits: list[AgencyVisits]
    recent_visits: list[FieldVisit]
    support_by_kind: list[tuple[str, str, int, int]]  # (kind, label, contributions, VND), largest first
    recent_contributions: list[SupportContribution]
    plan: PlanCounts
    plan_items: list[WorkPlanItem]  # late first, then open by due date
    low_visit_threshold: int = LOW_VISIT_THRESHOLD
    unmet: list[CriterionMark] = field(default_factory=list)
    standing: CommuneProgress | None = None  # today's, from the ledger: the level shown is the one in force today
    predecessors: list[Predecessor] = field(default_factory=list)  # the communes it was formed from, if merged

    @property
    def awaiting_reassessment(self) -> bool:
        """Formed by a merger and not meeting the standard on its own decision yet: the province re-assesses it (or
        re-recognises it, *thừa nhận*) before it counts as meeting the standard."""
        return bool(self.predecessors) and self.standing is not None and not self.standing.meets_standard

    @property
    def visits_in_window(self) -> int:
        return sum(a.visits for a in self.agency_visits)

    @property
    def days_in_window(self) -> float:
        return round(sum(a.days_on_site for a in self.agency_visits), 1)

    @property
    def hours_in_window(self) -> float:
        return round(sum(a.hours_on_site for a in self.agency_visits), 1)

    @property
    def active_assignments(self) -> list[SponsorAssignment]:
        return [a for a in self.assignments if _in_force(a, self.today)]

    @property
    def low_visits(self) -> bool:
        """Seed 003's complaint, at a glance: the commune has agencies assigned, and they came rarely."""
        return bool(self.active_assignments) and self.visits_in_window < self.low_visit_threshold

    @property
    def support_total(self) -> int:
        return sum(value for _kind, _label, _count, value in self.support_by_kind)


def _in_force(assignment: SponsorAssignment, day: datetime.date) -> bool:
    return in_force(assignment.start_date, assignment.end_date, day)


def commune_page(*, user, commune: AdministrativeUnit, today: datetime.date) -> CommunePage:
    """What the commune page shows. Queries: the rounds with their scores; the latest round's criteria with their
    results; its unmet criteria in the ledger; its evidence; the secondments; the assignments; the visits per agency
    in the window; the recent visits and their criteria; the support per kind; the recent contributions; the work-plan
    counts; the open items."""
    rounds = sorted(
        round_list(user=user).filter(commune=commune), key=lambda r: (r.as_of, r.year, r.pk)
    )  # the order of criteria.selectors._latest_rounds, oldest first
    latest = rounds[-1] if rounds else None

    criteria: list[CriterionMark] = []
    evidence: list[EvidenceFile] = []
    if latest is not None:
        result_met = CriterionResult.objects.filter(assessment_round=latest, criterion=OuterRef("pk")).values("met")
        criteria = [
            CriterionMark(c.number, c.name, c.group_name, c.result_met)
            for c in Criterion.objects.filter(criteria_set_id=latest.criteria_set_id)
            .annotate(result_met=Subquery(result_met[:1]))
            .order_by("number")
        ]
        evidence = list(
            EvidenceFile.objects.visible_to(user)
            .filter(assessment_round=latest)
            .select_related("indicator")
            .order_by("-uploaded_at", "-pk")
        )

    secondments = list(
        Secondment.objects.visible_to(user)
        .filter(commune=commune)
        .select_related("cadre", "cadre__home_agency", "batch")
        .order_by("-start_date", "-pk")
    )
    assignments = list(
        SponsorAssignment.objects.visible_to(user)
        .filter(commune=commune)
        .select_related("agency")
        .order_by("-start_date", vi_order("agency__name"), "pk")
    )

    since = today - datetime.timedelta(days=VISIT_WINDOW_DAYS)
    visits = FieldVisit.objects.visible_to(user).filter(commune=commune)
    per_agency = {
        row["agency_id"]: row
        for row in visits.filter(visit_date__gt=since, visit_date__lte=today)
        .order_by()
        .values("agency_id", "agency__name")
        .annotate(
            visits=Count("pk"),
            days=Sum("days_on_site"),
            hours=Sum("hours_on_site"),
        )
    }
    assigned_names = {a.agency_id: a.agency.name for a in assignments if _in_force(a, today)}
    agency_visits = []
    for agency_id in {*per_agency, *assigned_names}:
        row = per_agency.get(agency_id, {})
        count = row.get("visits", 0)
        assigned = agency_id in assigned_names
        agency_visits.append(
            AgencyVisits(
                agency_id=agency_id,
                name=assigned_names.get(agency_id) or row.get("agency__name", ""),
                visits=count,
                days_on_site=float(row.get("days") or 0),
                hours_on_site=float(row.get("hours") or 0),
                assigned=assigned,
                low=assigned and count < LOW_VISIT_THRESHOLD,
            )
        )
    agency_visits.sort(key=lambda a: (a.visits, a.days_on_site, a.name))  # the least present first, as seed 003
    recent_visits = list(
        visits.select_related("agency", "secondment__cadre")
        .prefetch_related("criteria_addressed")
        .order_by("-visit_date", "-pk")[:RECENT_VISITS]
    )

    contributions = SupportContribution.objects.visible_to(user).filter(commune=commune)
    labels = dict(SupportKind.choices)
    support_by_kind = sorted(
        (
            (row["kind"], str(labels.get(row["kind"], row["kind"])), row["n"], row["value"] or 0)
            for row in contributions.order_by().values("kind").annotate(n=Count("pk"), value=Sum("value_vnd"))
        ),
        key=lambda item: (-item[3], item[1]),
    )
    recent_contributions = list(
        contributions.select_related("giver", "criterion").order_by("-date", "-pk")[:RECENT_CONTRIBUTIONS]
    )

    items = WorkPlanItem.objects.visible_to(user).filter(work_plan__assignment__commune=commune)
    is_open = Q(status=PlanItemStatus.OPEN)
    counts = items.order_by().aggregate(
        done=Count("pk", filter=Q(status=PlanItemStatus.DONE)),
        late=Count("pk", filter=is_open & Q(due_date__lt=today)),
        open=Count("pk", filter=is_open & Q(due_date__gte=today)),
        cancelled=Count("pk", filter=Q(status=PlanItemStatus.CANCELLED)),
    )
    plan_items = list(
        items.filter(is_open)
        .select_related("work_plan__assignment__agency", "criterion")
        .order_by("due_date", "pk")[:PLAN_ITEMS_SHOWN]
    )

    page = CommunePage(
        commune=commune,
        today=today,
        rounds=rounds,
        latest_round=latest,
        criteria=criteria,
        evidence_files=evidence,
        secondments=secondments,
        assignments=assignments,
        visits_since=since,
        agency_visits=agency_visits,
        recent_visits=recent_visits,
        support_by_kind=support_by_kind,
        recent_contributions=recent_contributions,
        plan=PlanCounts(**counts),
        plan_items=plan_items,
    )
    if latest is not None:
        unmet = set(ledger.round_unmet_numbers(latest))
        page.unmet = [c for c in criteria if c.number in unmet]
    page.standing = commune_progress_for(communes=[commune], as_of=today).get(commune.pk)
    page.predecessors = _predecessors(commune)
    return page


def _predecessors(commune: AdministrativeUnit) -> list[Predecessor]:
    """The communes `commune` was formed from, each as it stood the day before `commune` began. Queries: the links,
    then for a merged commune the predecessors' standing (commune_progress_for's three) and their decisions."""
    links = list(
        UnitSuccession.objects.filter(successor=commune).select_related("predecessor").order_by("predecessor__code")
    )
    if not links:
        return []
    units = [link.predecessor for link in links]
    day_before = (commune.valid_from or datetime.date.today()) - datetime.timedelta(days=1)
    standing = commune_progress_for(communes=units, as_of=day_before)
    decisions: dict[int, list[Recognition]] = defaultdict(list)
    for recognition in Recognition.objects.filter(commune__in=units).order_by("decision_date", "pk"):
        decisions[recognition.commune_id].append(recognition)
    return [
        Predecessor(
            link.predecessor, link.default_successor, standing.get(link.predecessor_id), decisions[link.predecessor_id]
        )
        for link in links
    ]
