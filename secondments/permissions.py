"""Who may change the secondment side's records, and the agency liaison's scope (DESIGN §1):
- province coordinator: everything in its province (agencies, cadres, batches, secondments, sponsor assignments,
  work plans, visits, support);
- agency liaison: field visits, support contributions and work-plan items of its own agency, for the communes the
  agency is assigned to; it sees the communes its agency is, or was, assigned to;
- everyone else: read only.

Registered with ntm_portal.access and ntm_portal.scoping by `register()`, from SecondmentsConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from ntm_portal import access, scoping
from ntm_portal.choices import Role
from ntm_portal.scoping import NOTHING

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


def liaison_communes_q(user, prefix: str) -> Q:
    """The communes an agency liaison sees: those their agency is, or was, assigned to."""
    if user.agency_id is None:
        return NOTHING
    return Q(**{f"{prefix}pk__in": SponsorAssignment.objects.filter(agency_id=user.agency_id).values("commune_id")})


def _province_of_unit(unit) -> int | None:
    if unit is None:
        return None
    return unit.province_id or unit.pk  # a province has no province of its own


def _commune_province(obj) -> int | None:
    return obj.commune.province_id if obj.commune_id else None


# The province a record belongs to: its commune's, its agency's or its own. A coordinator changes its province's.
RECORD_PROVINCE: dict[type, Callable] = {
    Agency: lambda agency: _province_of_unit(agency.unit) if agency.unit_id else None,
    Cadre: lambda cadre: RECORD_PROVINCE[Agency](cadre.home_agency) if cadre.home_agency_id else None,
    SecondmentBatch: lambda batch: batch.province_id,
    Secondment: _commune_province,
    SponsorAssignment: _commune_province,
    WorkPlan: lambda plan: plan.assignment.commune.province_id if plan.assignment_id else None,
    WorkPlanItem: lambda item: RECORD_PROVINCE[WorkPlan](item.work_plan) if item.work_plan_id else None,
    FieldVisit: _commune_province,
    SupportContribution: _commune_province,
}


def _agency_assigned_to(agency_id: int, commune_id: int | None) -> bool:
    return SponsorAssignment.objects.filter(agency_id=agency_id, commune_id=commune_id).exists()


# What an agency liaison may change: its own agency's records, for the communes that agency is assigned to.
LIAISON_CHANGES: dict[type, Callable] = {
    FieldVisit: lambda visit, agency_id: (
        visit.agency_id == agency_id and _agency_assigned_to(agency_id, visit.commune_id)
    ),
    SupportContribution: lambda support, agency_id: (
        support.giver_id == agency_id and _agency_assigned_to(agency_id, support.commune_id)
    ),
    WorkPlanItem: lambda item, agency_id: (
        item.work_plan_id is not None and item.work_plan.assignment.agency_id == agency_id
    ),
}


def _change_rule(model: type) -> tuple[Callable, Callable]:
    def may_change_any(user) -> bool:
        if user.role == Role.PROVINCE_COORDINATOR:
            return user.unit_id is not None
        return user.role == Role.AGENCY_LIAISON and user.agency_id is not None and model in LIAISON_CHANGES

    def can_change(user, obj) -> bool:
        if user.role == Role.PROVINCE_COORDINATOR:
            return RECORD_PROVINCE[model](obj) == user.unit_id
        return LIAISON_CHANGES[model](obj, user.agency_id)

    return may_change_any, can_change


def register() -> None:
    scoping.register_role_scope(Role.AGENCY_LIAISON, liaison_communes_q)
    for model in RECORD_PROVINCE:
        may_change_any, can_change = _change_rule(model)
        access.register_change_rule(model, may_change_any=may_change_any, can_change=can_change)
