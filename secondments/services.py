"""Writes of the secondment side: agencies, cadres, batches, secondments, sponsor assignments, work plans and their
items, field visits and support contributions.

Every write goes the same way (HackSoft's services): keyword-only arguments, one transaction, who may write asked of
`ntm_portal.access.require_change` for the record as it is stored AND as it would be saved — so that nobody moves a
record out of their scope, or into another unit's — then `full_clean()` (the model's own messages, in Vietnamese)
before the save. Updates start from the stored row, locked, never from whatever the caller holds in memory (a bound
ModelForm has already changed its instance).

Errors: `AccessDenied` (ntm_portal.access) when the user may not write this record; Django's `ValidationError` with
the field messages when the record is not valid, or cannot be deleted because other records point to it.

History (issue 15): each save and delete of a tracked model (secondments.models `_history`) writes a historical row
naming the service's `user` (not only the request's, so that a command or a task is attributed too), with a change
reason where the service has one (ending a secondment, a visit's criteria). An update that changes nothing writes
none. Nothing here writes in bulk; the demo's bulk loads are not user changes and leave no history.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from communes.models import AdministrativeUnit
from criteria.models import Criterion
from criteria.selectors import criteria_history
from ntm_portal import access

from .choices import AgencyLevel, PlanItemStatus, SponsorRole
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

M = TypeVar("M", bound=models.Model)

# What an update may change, per model: every editable field but the keys that tie a record to its parent.
AGENCY_FIELDS = ("name", "short_name", "kind", "level", "unit", "parent", "contact")
CADRE_FIELDS = ("full_name", "gender", "birth_year", "title", "home_agency", "phone", "email")
BATCH_FIELDS = ("province", "name", "year", "decided_by", "decision_number", "decision_date")
SECONDMENT_FIELDS = (
    "cadre",
    "commune",
    "batch",
    "kind",
    "role_at_commune",
    "decided_by",
    "decision_number",
    "decision_date",
    "start_date",
    "planned_end_date",
    "actual_end_date",
    "criteria_met_at_start",
    "criteria_met_at_end",
    "note",
)
ASSIGNMENT_FIELDS = (
    "agency",
    "commune",
    "role",
    "decided_by",
    "decision_number",
    "decision_date",
    "start_date",
    "end_date",
)
WORK_PLAN_FIELDS = ("assignment", "year", "title")
WORK_PLAN_ITEM_FIELDS = ("period", "period_number", "title", "criterion", "due_date", "status", "done_on")
FIELD_VISIT_FIELDS = (
    "agency",
    "commune",
    "secondment",
    "visit_date",
    "days_on_site",
    "hours_on_site",
    "participants",
    "activities",
    "party_cell_meetings",
    "criteria_addressed",
)
SUPPORT_FIELDS = ("giver", "commune", "date", "kind", "value_vnd", "description", "criterion")


# --- the common steps --------------------------------------------------------------------------------------------


def _stored(instance: M) -> M:
    """The record as it is in the database, locked until the transaction ends."""
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def _values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _attribute(user, obj: models.Model, reason: str = "") -> None:
    """Who the historical row of the next save or delete names, and why (simple_history reads these attributes)."""
    obj._history_user = user if getattr(user, "is_authenticated", False) else None
    if reason:
        obj._change_reason = reason


def _save(user, obj: M, *, changed: bool = True, reason: str = "") -> M:
    # Field checks first (a missing commune is "required", not "not allowed"), then who may write, then the
    # checks that read other rows (unique constraints), so that those never tell about another unit's records.
    obj.clean_fields()
    access.require_change(user, obj)
    obj.full_clean()
    _attribute(user, obj, reason)
    if changed or not hasattr(obj, "save_without_historical_record"):
        obj.save()
    else:
        obj.save_without_historical_record()  # still saved: whatever listens to saves (figures_cache) runs as before
    return obj


def _create(user, model: type[M], fields: dict[str, Any]) -> M:
    return _save(user, model(**fields))


def _update(user, instance: M, fields: dict[str, Any], allowed: Iterable[str]) -> M:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{type(instance).__name__} has no changeable field {', '.join(sorted(unknown))}")
    obj = _stored(instance)
    access.require_change(user, obj)  # as it is: another unit's record stays theirs
    before = _values(obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    # As it would be: nobody moves a record into another unit's scope. A form saved unchanged is no change to record.
    return _save(user, obj, changed=_values(obj) != before)


def _delete(user, instance: models.Model) -> None:
    obj = _stored(instance)
    access.require_change(user, obj)
    # The records deleted with it (an assignment's plans and their items) take the request's user from simple_history's
    # middleware: none outside a request.
    _attribute(user, obj)
    try:
        obj.delete()
    except models.ProtectedError as error:
        related = sorted({str(type(o)._meta.verbose_name) for o in error.protected_objects})
        raise ValidationError(
            _("Không xóa được %(what)s này vì còn %(related)s gắn với nó.")
            % {"what": obj._meta.verbose_name, "related": ", ".join(related)}
        ) from error


def _check_criteria_year(criteria: Iterable[Criterion], year: int, field: str) -> None:
    """Criteria addressed or targeted belong to a set in force that year (2016–2020 visits name 19 criteria, 2026
    visits the 10 of QĐ 51/2025)."""
    ids = [c.pk for c in criteria if c is not None]
    if not ids:
        return
    outside = list(
        Criterion.objects.filter(pk__in=ids)
        .exclude(criteria_set__period_start__lte=year, criteria_set__period_end__gte=year)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if outside:
        raise ValidationError(
            {
                field: _("Tiêu chí %(numbers)s không thuộc bộ tiêu chí áp dụng năm %(year)s.")
                % {"numbers": ", ".join(str(n) for n in outside), "year": year}
            }
        )


# --- the commune's criteria count at a date ----------------------------------------------------------------------


def commune_criteria_met(*, commune: AdministrativeUnit, as_of: datetime.date) -> int | None:
    """Criteria met by the commune on `as_of` as the round history counts them (`CriteriaHistory.criteria_met_on`:
    its latest round of a national basic set dated by then); None when it had no round yet.

    Seed 002: "9 tiêu chí đạt ở thời điểm mới về nhận nhiệm vụ" — the count a secondment starts from and ends with.
    """
    return criteria_history(unit=commune, as_of=as_of).criteria_met_on(commune.pk, as_of)


# --- agencies, cadres, batches -----------------------------------------------------------------------------------


@transaction.atomic
def agency_create(
    *,
    user,
    name: str,
    kind: str,
    unit: AdministrativeUnit,
    level: str = AgencyLevel.PROVINCE,
    short_name: str = "",
    parent: Agency | None = None,
    contact: str = "",
) -> Agency:
    return _create(
        user,
        Agency,
        {
            "name": name,
            "kind": kind,
            "unit": unit,
            "level": level,
            "short_name": short_name,
            "parent": parent,
            "contact": contact,
        },
    )


@transaction.atomic
def agency_update(*, user, instance: Agency, **fields: Any) -> Agency:
    if fields.get("parent") is not None and fields["parent"].pk == instance.pk:
        raise ValidationError({"parent": _("Cơ quan không thể là cấp trên của chính nó.")})
    return _update(user, instance, fields, AGENCY_FIELDS)


@transaction.atomic
def agency_delete(*, user, instance: Agency) -> None:
    _delete(user, instance)


@transaction.atomic
def cadre_create(
    *,
    user,
    full_name: str,
    home_agency: Agency,
    gender: str = "",
    birth_year: int | None = None,
    title: str = "",
    phone: str = "",
    email: str = "",
) -> Cadre:
    return _create(
        user,
        Cadre,
        {
            "full_name": full_name,
            "home_agency": home_agency,
            "gender": gender,
            "birth_year": birth_year,
            "title": title,
            "phone": phone,
            "email": email,
        },
    )


@transaction.atomic
def cadre_update(*, user, instance: Cadre, **fields: Any) -> Cadre:
    return _update(user, instance, fields, CADRE_FIELDS)


@transaction.atomic
def cadre_delete(*, user, instance: Cadre) -> None:
    _delete(user, instance)


@transaction.atomic
def secondment_batch_create(
    *,
    user,
    province: AdministrativeUnit,
    name: str,
    year: int,
    decided_by: str = "",
    decision_number: str = "",
    decision_date: datetime.date | None = None,
) -> SecondmentBatch:
    return _create(
        user,
        SecondmentBatch,
        {
            "province": province,
            "name": name,
            "year": year,
            "decided_by": decided_by,
            "decision_number": decision_number,
            "decision_date": decision_date,
        },
    )


@transaction.atomic
def secondment_batch_update(*, user, instance: SecondmentBatch, **fields: Any) -> SecondmentBatch:
    return _update(user, instance, fields, BATCH_FIELDS)


@transaction.atomic
def secondment_batch_delete(*, user, instance: SecondmentBatch) -> None:
    _delete(user, instance)


# --- secondments ---------------------------------------------------------------------------------------------------


def _check_batch(batch: SecondmentBatch | None, commune: AdministrativeUnit | None) -> None:
    if batch is not None and commune is not None and batch.province_id != commune.province_id:
        raise ValidationError({"batch": _("Đợt cử cán bộ thuộc tỉnh khác với xã được cử đến.")})


@transaction.atomic
def secondment_create(
    *,
    user,
    cadre: Cadre,
    commune: AdministrativeUnit,
    kind: str,
    decided_by: str,
    decision_number: str,
    decision_date: datetime.date,
    start_date: datetime.date,
    batch: SecondmentBatch | None = None,
    role_at_commune: str = "",
    planned_end_date: datetime.date | None = None,
    actual_end_date: datetime.date | None = None,
    criteria_met_at_start: int | None = None,
    criteria_met_at_end: int | None = None,
    note: str = "",
) -> Secondment:
    """A cadre sent to a commune. The commune's criteria count is snapshotted at the start (and at the end, for a
    secondment recorded after it ended) from its assessment rounds, unless given."""
    _check_batch(batch, commune)
    secondment = Secondment(
        cadre=cadre,
        commune=commune,
        kind=kind,
        decided_by=decided_by,
        decision_number=decision_number,
        decision_date=decision_date,
        start_date=start_date,
        batch=batch,
        role_at_commune=role_at_commune,
        planned_end_date=planned_end_date,
        actual_end_date=actual_end_date,
        criteria_met_at_start=criteria_met_at_start,
        criteria_met_at_end=criteria_met_at_end,
        note=note,
    )
    secondment.clean_fields()
    if criteria_met_at_start is None:
        secondment.criteria_met_at_start = commune_criteria_met(commune=commune, as_of=start_date)
    if actual_end_date is not None and criteria_met_at_end is None:
        secondment.criteria_met_at_end = commune_criteria_met(commune=commune, as_of=actual_end_date)
    return _save(user, secondment)


@transaction.atomic
def secondment_update(*, user, instance: Secondment, **fields: Any) -> Secondment:
    """Change a secondment. `criteria_met_at_start=None` takes the count again from the commune's rounds (after a
    change of commune or start date, say)."""
    secondment = _stored(instance)
    access.require_change(user, secondment)
    commune = fields.get("commune", secondment.commune)
    _check_batch(fields.get("batch", secondment.batch), commune)
    if "criteria_met_at_start" in fields and fields["criteria_met_at_start"] is None:
        start = fields.get("start_date", secondment.start_date)
        if commune is not None and start is not None:
            fields["criteria_met_at_start"] = commune_criteria_met(commune=commune, as_of=start)
    return _update(user, secondment, fields, SECONDMENT_FIELDS)


@transaction.atomic
def secondment_close(*, user, secondment: Secondment, actual_end_date: datetime.date) -> Secondment:
    """End a secondment on `actual_end_date`, with the commune's criteria count that day (seed 002: 9 criteria at
    arrival, all met 7 months later). Closing again corrects the date and takes the count again."""
    stored = _stored(secondment)
    access.require_change(user, stored)
    reason = _("Đã sửa ngày kết thúc biệt phái") if stored.actual_end_date else _("Đã kết thúc biệt phái")
    before = _values(stored)
    stored.actual_end_date = actual_end_date
    stored.criteria_met_at_end = commune_criteria_met(commune=stored.commune, as_of=actual_end_date)
    return _save(user, stored, changed=_values(stored) != before, reason=reason)


@transaction.atomic
def secondment_delete(*, user, instance: Secondment) -> None:
    _delete(user, instance)


# --- sponsor assignments and work plans ----------------------------------------------------------------------------


@transaction.atomic
def sponsor_assignment_create(
    *,
    user,
    agency: Agency,
    commune: AdministrativeUnit,
    decided_by: str,
    decision_number: str,
    decision_date: datetime.date,
    start_date: datetime.date,
    role: str = SponsorRole.RESPONSIBLE,
    end_date: datetime.date | None = None,
) -> SponsorAssignment:
    return _create(
        user,
        SponsorAssignment,
        {
            "agency": agency,
            "commune": commune,
            "role": role,
            "decided_by": decided_by,
            "decision_number": decision_number,
            "decision_date": decision_date,
            "start_date": start_date,
            "end_date": end_date,
        },
    )


@transaction.atomic
def sponsor_assignment_update(*, user, instance: SponsorAssignment, **fields: Any) -> SponsorAssignment:
    return _update(user, instance, fields, ASSIGNMENT_FIELDS)


@transaction.atomic
def sponsor_assignment_delete(*, user, instance: SponsorAssignment) -> None:
    _delete(user, instance)


@transaction.atomic
def work_plan_create(*, user, assignment: SponsorAssignment, year: int, title: str) -> WorkPlan:
    return _create(user, WorkPlan, {"assignment": assignment, "year": year, "title": title})


@transaction.atomic
def work_plan_update(*, user, instance: WorkPlan, **fields: Any) -> WorkPlan:
    return _update(user, instance, fields, WORK_PLAN_FIELDS)


@transaction.atomic
def work_plan_delete(*, user, instance: WorkPlan) -> None:
    _delete(user, instance)


@transaction.atomic
def work_plan_item_create(
    *,
    user,
    work_plan: WorkPlan,
    period: str,
    period_number: int,
    title: str,
    due_date: datetime.date,
    criterion: Criterion | None = None,
    status: str = PlanItemStatus.OPEN,
    done_on: datetime.date | None = None,
) -> WorkPlanItem:
    item = WorkPlanItem(
        work_plan=work_plan,
        period=period,
        period_number=period_number,
        title=title,
        due_date=due_date,
        criterion=criterion,
        status=status,
        done_on=done_on,
    )
    item.clean_fields()
    access.require_change(user, item)
    _check_criteria_year([criterion], work_plan.year, "criterion")
    return _save(user, item)


@transaction.atomic
def work_plan_item_update(*, user, instance: WorkPlanItem, **fields: Any) -> WorkPlanItem:
    item = _stored(instance)
    access.require_change(user, item)
    if fields.get("criterion") is not None:
        _check_criteria_year([fields["criterion"]], item.work_plan.year, "criterion")
    return _update(user, item, fields, WORK_PLAN_ITEM_FIELDS)


@transaction.atomic
def work_plan_item_delete(*, user, instance: WorkPlanItem) -> None:
    _delete(user, instance)


# --- field visits and support ------------------------------------------------------------------------------------


def _check_visit(visit: FieldVisit, criteria: list[Criterion]) -> None:
    if visit.secondment_id and visit.commune_id and visit.secondment.commune_id != visit.commune_id:
        raise ValidationError({"secondment": _("Cán bộ biệt phái đã chọn không công tác tại xã này.")})
    if visit.visit_date:
        _check_criteria_year(criteria, visit.visit_date.year, "criteria_addressed")


@transaction.atomic
def field_visit_create(
    *,
    user,
    agency: Agency,
    commune: AdministrativeUnit,
    visit_date: datetime.date,
    days_on_site: Decimal,
    activities: str,
    hours_on_site: Decimal | None = None,
    participants: str = "",
    party_cell_meetings: int = 0,
    secondment: Secondment | None = None,
    criteria_addressed: Iterable[Criterion] = (),
) -> FieldVisit:
    criteria = list(criteria_addressed)
    visit = FieldVisit(
        agency=agency,
        commune=commune,
        visit_date=visit_date,
        days_on_site=days_on_site,
        hours_on_site=hours_on_site,
        participants=participants,
        activities=activities,
        party_cell_meetings=party_cell_meetings,
        secondment=secondment,
    )
    visit.clean_fields()
    access.require_change(user, visit)
    _check_visit(visit, criteria)
    _save(user, visit)
    visit.criteria_addressed.set(criteria)
    return visit


@transaction.atomic
def field_visit_update(*, user, instance: FieldVisit, **fields: Any) -> FieldVisit:
    unknown = set(fields) - set(FIELD_VISIT_FIELDS)
    if unknown:
        raise TypeError(f"FieldVisit has no changeable field {', '.join(sorted(unknown))}")
    stored = _stored(instance)
    access.require_change(user, stored)
    criteria = list(fields.pop("criteria_addressed")) if "criteria_addressed" in fields else None
    stored_criteria = list(stored.criteria_addressed.all())
    before = _values(stored)
    for name, value in fields.items():
        setattr(stored, name, value)
    stored.clean_fields()
    access.require_change(user, stored)
    _check_visit(stored, criteria if criteria is not None else stored_criteria)
    # The history copies a visit's own columns, not its criteria: a change of them is told in the change reason.
    reason = ""
    if criteria is not None and {c.pk for c in criteria} != {c.pk for c in stored_criteria}:
        reason = _("Tiêu chí hỗ trợ: %(old)s → %(new)s") % {"old": _numbers(stored_criteria), "new": _numbers(criteria)}
    _save(user, stored, changed=bool(reason) or _values(stored) != before, reason=reason)
    if criteria is not None:
        stored.criteria_addressed.set(criteria)
    return stored


def _numbers(criteria: Iterable[Criterion]) -> str:
    return ", ".join(str(n) for n in sorted(c.number for c in criteria)) or "—"


@transaction.atomic
def field_visit_delete(*, user, instance: FieldVisit) -> None:
    _delete(user, instance)


@transaction.atomic
def support_contribution_create(
    *,
    user,
    giver: Agency,
    commune: AdministrativeUnit,
    date: datetime.date,
    kind: str,
    value_vnd: int,
    description: str,
    criterion: Criterion | None = None,
) -> SupportContribution:
    support = SupportContribution(
        giver=giver,
        commune=commune,
        date=date,
        kind=kind,
        value_vnd=value_vnd,
        description=description,
        criterion=criterion,
    )
    support.clean_fields()
    access.require_change(user, support)
    _check_criteria_year([criterion], support.date.year, "criterion")
    return _save(user, support)


@transaction.atomic
def support_contribution_update(*, user, instance: SupportContribution, **fields: Any) -> SupportContribution:
    stored = _stored(instance)
    access.require_change(user, stored)
    day = fields.get("date", stored.date)
    if day is not None:
        _check_criteria_year([fields.get("criterion", stored.criterion)], day.year, "criterion")
    return _update(user, stored, fields, SUPPORT_FIELDS)


@transaction.atomic
def support_contribution_delete(*, user, instance: SupportContribution) -> None:
    _delete(user, instance)
