"""The rows of each kind a user sees, with the joins and figures its list page, its export and its own page read.

Scope comes from the model's `visible_to(user)` (or ntm_portal.access for the kinds shared by several units), so
another unit's record is not there to be found: a 404.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from criteria.models import Criterion
from ntm_portal import access, formats
from ntm_portal.collation import vi_order

from .choices import PlanItemStatus
from .models import (
    Agency,
    Cadre,
    FieldVisit,
    Secondment,
    SecondmentBatch,
    SponsorAssignment,
    SupportContribution,
    WorkPlan,
    WorkPlanItem,
)


def agency_list(user) -> QuerySet[Agency]:
    return Agency.objects.visible_to(user).select_related("unit", "parent").order_by(vi_order("name"), "pk")


def _count_of(user, key: str) -> Coalesce:
    """How many of the secondments the user sees name the row (seed 000: "a person may be seconded more than once"),
    as a subquery: a join would repeat the rows that visible_cadres' OR lets through."""
    sent = Secondment.objects.visible_to(user).filter(**{key: OuterRef("pk")}).order_by().values(key)
    return Coalesce(Subquery(sent.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)


def cadre_list(user) -> QuerySet[Cadre]:
    return (
        Cadre.objects.visible_to(user)
        .select_related("home_agency")
        .annotate(secondments_count=_count_of(user, "cadre"))
        .order_by(vi_order("full_name"), "pk")
    )


def secondment_batch_list(user) -> QuerySet[SecondmentBatch]:
    return (
        SecondmentBatch.objects.visible_to(user)
        .select_related("province")
        .annotate(secondments_count=_count_of(user, "batch"))
        .order_by("-year", vi_order("name"), "pk")
    )


def secondment_list(user) -> QuerySet[Secondment]:
    return (
        Secondment.objects.visible_to(user)
        .select_related("cadre", "cadre__home_agency", "commune", "commune__district", "batch")
        .order_by("-start_date", "-pk")
    )


def visits_in_assignment(ref: Callable[[str], Any]) -> Q:
    """The visits of an assignment's agency to its commune within its period (`ref` names the assignment's column:
    OuterRef for a subquery, the loaded value for a page)."""
    period = Q(visit_date__gte=ref("start_date"), visit_date__lte=ref("until"))
    return Q(agency=ref("agency_id"), commune=ref("commune_id")) & period


def support_in_assignment(ref: Callable[[str], Any]) -> Q:
    return Q(giver=ref("agency_id"), commune=ref("commune_id"), date__gte=ref("start_date"), date__lte=ref("until"))


def _total(queryset: QuerySet, expression, output) -> Coalesce:
    totals = queryset.order_by().values("commune").annotate(total=expression).values("total")
    return Coalesce(Subquery(totals, output_field=output), Value(0, output_field=output))


def sponsor_assignment_list(user) -> QuerySet[SponsorAssignment]:
    """The user's assignments, each with its agency's presence in the commune during the assignment (seed 003: who
    comes "a few times a year, a few hours each" shows at a glance) and the support it gave."""
    visits = FieldVisit.objects.filter(visits_in_assignment(OuterRef))
    support = SupportContribution.objects.filter(support_in_assignment(OuterRef))
    days = DecimalField(max_digits=8, decimal_places=1)
    return (
        SponsorAssignment.objects.visible_to(user)
        .select_related("agency", "commune", "commune__district")
        .annotate(until=Coalesce("end_date", Value(datetime.date.max)))
        .annotate(
            visits_count=_total(visits, Count("pk"), IntegerField()),
            days_on_site=_total(visits, Sum("days_on_site"), days),
            hours_on_site=_total(visits, Sum("hours_on_site"), days),
            last_visit=Subquery(visits.order_by("-visit_date").values("visit_date")[:1]),
            support_vnd=_total(support, Sum("value_vnd"), models.BigIntegerField()),
        )
        .order_by(vi_order("commune__name"), vi_order("agency__name"), "pk")
    )


def work_plan_list(user) -> QuerySet[WorkPlan]:
    today = timezone.localdate()
    open_items = Q(items__status=PlanItemStatus.OPEN)
    return (
        WorkPlan.objects.visible_to(user)
        .select_related("assignment", "assignment__agency", "assignment__commune", "assignment__commune__district")
        .annotate(
            items_total=Count("items"),
            items_done=Count("items", filter=Q(items__status=PlanItemStatus.DONE)),
            items_late=Count("items", filter=open_items & Q(items__due_date__lt=today)),
            items_open=Count("items", filter=open_items & Q(items__due_date__gte=today)),
        )
        .order_by("-year", vi_order("assignment__commune__name"), vi_order("assignment__agency__name"), "pk")
    )


def work_plan_item_list(user) -> QuerySet[WorkPlanItem]:
    return WorkPlanItem.objects.visible_to(user).select_related(
        "work_plan", "work_plan__assignment", "work_plan__assignment__agency", "work_plan__assignment__commune"
    )


def criteria_in_order() -> Prefetch:
    return Prefetch("criteria_addressed", Criterion.objects.order_by("number"))


def field_visit_list(user) -> QuerySet[FieldVisit]:
    return (
        FieldVisit.objects.visible_to(user)
        .select_related("agency", "commune", "commune__district", "secondment", "secondment__cadre")
        .prefetch_related(criteria_in_order())
        .order_by("-visit_date", "-pk")
    )


def support_contribution_list(user) -> QuerySet[SupportContribution]:
    return (
        SupportContribution.objects.visible_to(user)
        .select_related("giver", "commune", "commune__district", "criterion")
        .order_by("-date", "-pk")
    )


def field_visit_totals(rows: QuerySet[FieldVisit]) -> dict:
    totals = rows.order_by().aggregate(
        visits=Count("pk"), days=Sum("days_on_site"), hours=Sum("hours_on_site"), meetings=Sum("party_cell_meetings")
    )
    days, hours = formats.number(totals["days"] or 0), formats.number(totals["hours"] or 0)
    return {"visits": totals["visits"], "days": days, "hours": hours, "meetings": totals["meetings"] or 0}


def support_contribution_totals(rows: QuerySet[SupportContribution]) -> dict:
    totals = rows.order_by().aggregate(contributions=Count("pk"), value=Sum("value_vnd"))
    return {"contributions": totals["contributions"], "value": formats.vnd(totals["value"] or 0)}


@dataclass
class PlanRow:
    plan: WorkPlan
    items: list[WorkPlanItem]
    done: int
    late: int
    open: int


ITEM_STATES = {
    "done": gettext_lazy("Hoàn thành"),
    "late": gettext_lazy("Quá hạn"),
    "open": gettext_lazy("Đang thực hiện"),
    "cancelled": gettext_lazy("Hủy"),
}


def plan_rows(user, plans: list[tuple[WorkPlan, list[WorkPlanItem]]]) -> list[PlanRow]:
    """Each plan with its items marked done / late / open (an open item past its due date is late), and whether the
    user may change each (the items' plan and its assignment are loaded already: no query)."""
    today = timezone.localdate()
    rows = []
    for plan, items in plans:
        for item in items:
            late = item.status == PlanItemStatus.OPEN and item.due_date < today
            item.state = "late" if late else item.status
            item.state_label = ITEM_STATES[item.state]
            item.may_change = access.can_change(user, item)
        states = [item.state for item in items]
        rows.append(PlanRow(plan, items, states.count("done"), states.count("late"), states.count("open")))
    return rows
