"""Việc cần làm: what waits for one user, whatever their role (issue 15).

- rounds returned to me: a commune official's rounds the district sent back, with each returned criterion's comment;
- drafts I opened and have not submitted;
- rounds waiting for my review: the verification queue (a district, or a province without districts) and the
  approval queue with its recognition decisions (the province), one line per commune as the queues show them;
- deadlines: work-plan items due within 30 days or overdue (the province coordinator's province, the agency liaison's
  agency), and secondments ending within 30 days (the coordinator's province).

Read by the landing pages' box, the /todo/ page and GET /api/v1/me/todo/. A fixed number of queries whatever the
number of rows: one per section the user's role has, and the counts of the queues in one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Subquery
from django.utils import timezone

from criteria import selectors as criteria_selectors
from criteria.choices import ChangeKind, ReviewState, RoundStatus
from criteria.models import AssessmentChange, AssessmentRound, CriterionResult
from ntm_portal.access import Action, action_q
from ntm_portal.choices import Role
from ntm_portal.scoping import NOTHING
from secondments.choices import PlanItemStatus
from secondments.models import Secondment, WorkPlanItem

DEADLINE_DAYS = 30
# The most lines a section lists (its count is always the full one); the queues list the rest.
SECTION_LIMIT = 50


@dataclass
class ReturnedRound:
    round: AssessmentRound
    returned_at: datetime.datetime | None
    returned_by: str
    comment: str  # the comment of the return itself, if any
    criteria: list[CriterionResult]  # the criteria sent back, each with its review_comment, in number order


@dataclass
class Todo:
    today: datetime.date
    returned: list[ReturnedRound] = field(default_factory=list)
    drafts: list[AssessmentRound] = field(default_factory=list)
    verification: list[AssessmentRound] = field(default_factory=list)
    verification_count: int = 0
    approval: list[AssessmentRound] = field(default_factory=list)
    approval_count: int = 0
    work_plan_items: list[WorkPlanItem] = field(default_factory=list)
    secondments_ending: list[Secondment] = field(default_factory=list)
    # Which sections the user's role has at all (an empty one is still shown: "nothing waiting").
    sections: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return (
            len(self.returned)
            + len(self.drafts)
            + self.verification_count
            + self.approval_count
            + len(self.work_plan_items)
            + len(self.secondments_ending)
        )

    @property
    def is_empty(self) -> bool:
        return self.total == 0


def todo_for(
    *, user, today: datetime.date | None = None, limit: int = SECTION_LIMIT, counts: dict[str, int] | None = None
) -> Todo:
    """The user's to-do on `today`, each section at most `limit` lines (the queues' counts are complete). `counts`:
    criteria.selectors.waiting_counts of the user when the caller has them (a page's navigation does)."""
    today = today or timezone.localdate()
    todo = Todo(today=today)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return todo
    sections = []
    if counts is None:
        counts = criteria_selectors.waiting_counts(user=user, today=today)
    # Each section the role has costs its query whether or not anything waits: the same queries for 0 rows as for 20.
    if "returned" in counts:
        sections.append("returned")
        todo.returned = _returned(user, limit)
    if action_q(user, Action.EDIT) != NOTHING:
        sections.append("drafts")
        todo.drafts = _drafts(user, limit)
    for kind in criteria_selectors.QUEUE_TRANSITIONS:
        if kind in counts:
            sections.append(kind)
            setattr(todo, f"{kind}_count", counts[kind])
            rounds = criteria_selectors.queue_rounds(user=user, kind=kind, today=today)[:limit]
            setattr(todo, kind, list(rounds))
    items = _work_plan_items(user, today)
    if items is not None:
        sections.append("work_plan_items")
        todo.work_plan_items = list(items[:limit])
    if user.is_superuser or user.role == Role.PROVINCE_COORDINATOR:
        sections.append("secondments_ending")
        todo.secondments_ending = list(_secondments_ending(user, today)[:limit])
    todo.sections = tuple(sections)
    return todo


def _returned(user, limit: int) -> list[ReturnedRound]:
    """Two queries: the rounds with their last change of state (the return), and their returned criteria."""
    condition = criteria_selectors.returned_q(user)
    last_state = AssessmentChange.objects.filter(assessment_round=OuterRef("pk"), kind=ChangeKind.STATE).order_by(
        "-changed_at", "-pk"
    )
    returned_criteria = (
        CriterionResult.objects.filter(review_state=ReviewState.RETURNED)
        .select_related("criterion")
        .order_by("criterion__number")
    )
    rounds = (
        AssessmentRound.objects.visible_to(user)
        .filter(condition)
        .select_related("commune", "criteria_set")
        .annotate(
            returned_at=Subquery(last_state.values("changed_at")[:1]),
            returned_comment=Subquery(last_state.values("comment")[:1]),
            returned_by_username=Subquery(last_state.values("changed_by__username")[:1]),
            returned_by_first=Subquery(last_state.values("changed_by__first_name")[:1]),
            returned_by_last=Subquery(last_state.values("changed_by__last_name")[:1]),
        )
        .prefetch_related(Prefetch("criterion_results", queryset=returned_criteria, to_attr="returned_results"))
        .order_by("-returned_at", "-year", "pk")[:limit]
    )
    return [
        ReturnedRound(
            round=r,
            returned_at=r.returned_at,
            returned_by=_name(r.returned_by_first, r.returned_by_last, r.returned_by_username),
            comment=r.returned_comment or "",
            criteria=r.returned_results,
        )
        for r in rounds
    ]


def _name(first: str | None, last: str | None, username: str | None) -> str:
    """As User.get_full_name() says it, else the username."""
    return " ".join(part for part in (first, last) if part) or username or ""


def _drafts(user, limit: int) -> list[AssessmentRound]:
    """Rounds still being entered that the user opened (the log's "created" line names them)."""
    opened = AssessmentChange.objects.filter(
        assessment_round=OuterRef("pk"), kind=ChangeKind.CREATED, changed_by_id=user.pk
    )
    rounds = (
        AssessmentRound.objects.visible_to(user)
        .filter(Exists(opened), status=RoundStatus.DRAFT)
        .select_related("commune", "criteria_set")
        .order_by("-year", "commune__code", "pk")
    )
    return list(rounds[:limit])


def _work_plan_items(user, today: datetime.date):
    """Open items due by today + 30 days (overdue ones included): the coordinator's province, the liaison's agency.
    None for the roles that do not follow work plans."""
    if user.is_superuser or user.role == Role.PROVINCE_COORDINATOR:
        items = WorkPlanItem.objects.visible_to(user)
    elif user.role == Role.AGENCY_LIAISON and user.agency_id:
        items = WorkPlanItem.objects.filter(work_plan__assignment__agency_id=user.agency_id)
    else:
        return None
    return (
        items.filter(status=PlanItemStatus.OPEN, due_date__lte=today + datetime.timedelta(days=DEADLINE_DAYS))
        .select_related("work_plan__assignment__commune", "work_plan__assignment__agency")
        .order_by("due_date", "pk")
    )


def _secondments_ending(user, today: datetime.date):
    """Secondments of the user's province still running whose planned end falls within 30 days."""
    return (
        Secondment.objects.visible_to(user)
        .filter(
            actual_end_date__isnull=True,
            planned_end_date__gte=today,
            planned_end_date__lte=today + datetime.timedelta(days=DEADLINE_DAYS),
        )
        .select_related("cadre", "commune")
        .order_by("planned_end_date", "pk")
    )
