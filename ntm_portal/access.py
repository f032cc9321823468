"""Who may see and do what: the one place where roles meet units.

Two questions, answered here and nowhere else:
- scope: which communes (and so which rounds, secondments, visits...) a user sees — `commune_q(user, path)` in
  ntm_portal.scoping, used by every model's `visible_to(user)` queryset method;
- action: whether a user may do one thing to one commune's data — `can(user, action, commune)` / `require(...)`.

Views, API viewsets, selectors and reports call these; none of them filters by role on its own. Whether the
object's *state* allows the action (a submitted round cannot be edited) is the workflow's question
(criteria.services.assessment), asked after this one.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from communes.choices import UnitLevel
from communes.models import AdministrativeUnit

from .choices import Role
from .scoping import NOTHING, commune_q


class Action(StrEnum):
    VIEW = "view"
    EDIT = "edit"  # start a round, enter values and evidence
    SUBMIT = "submit"  # commune → district
    VERIFY = "verify"  # thẩm tra: verify, or return to the commune with comments
    APPROVE = "approve"  # thẩm định: approve, return to the district, reopen an approval
    RECOGNISE = "recognise"  # record the recognition decision


class AccessDenied(Exception):
    """The user's role or unit does not allow the action; the message says why in plain words."""


def _unit(user) -> AdministrativeUnit | None:
    return getattr(user, "unit", None)


def visible_communes(user) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.communes().filter(commune_q(user))


def _in_scope(user, commune: AdministrativeUnit) -> bool:
    if user.is_superuser:
        return True
    if user.role == Role.AGENCY_LIAISON:
        return visible_communes(user).filter(pk=commune.pk).exists()
    unit = _unit(user)
    if unit is None:
        return False
    return unit.pk in (commune.pk, commune.district_id, commune.province_id)


def _verifying_unit(commune: AdministrativeUnit) -> int | None:
    """The district verifies its communes; where a province has no districts, the province verifies directly."""
    return commune.district_id or commune.province_id


def can(user, action: Action, commune: AdministrativeUnit) -> bool:
    """May `user` do `action` to the assessment data of `commune`? Role and unit only, not the round's state."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if action == Action.VIEW:
        return _in_scope(user, commune)
    if user.is_superuser:
        return True
    unit = _unit(user)
    if unit is None:
        return False
    role = user.role
    if action == Action.EDIT:
        # The commune enters its own values; the coordination office may enter them on its behalf (Excel import).
        return (role == Role.COMMUNE_OFFICIAL and unit.pk == commune.pk) or (
            role == Role.PROVINCE_COORDINATOR and unit.pk == commune.province_id
        )
    if action == Action.SUBMIT:
        return role == Role.COMMUNE_OFFICIAL and unit.pk == commune.pk
    if action == Action.VERIFY:
        return role in (Role.DISTRICT_OFFICER, Role.PROVINCE_COORDINATOR) and unit.pk == _verifying_unit(commune)
    if action in (Action.APPROVE, Action.RECOGNISE):
        return role == Role.PROVINCE_COORDINATOR and unit.pk == commune.province_id
    return False


DENIED_MESSAGES = {
    Action.VIEW: _("Bạn không có quyền xem dữ liệu của %(commune)s."),
    Action.EDIT: _("Chỉ cán bộ của %(commune)s (hoặc Văn phòng Điều phối tỉnh) được nhập số liệu của xã."),
    Action.SUBMIT: _("Chỉ cán bộ của %(commune)s được gửi kết quả tự đánh giá của xã."),
    Action.VERIFY: _("Chỉ huyện quản lý %(commune)s được thẩm tra kết quả của xã."),
    Action.APPROVE: _("Chỉ Văn phòng Điều phối tỉnh quản lý %(commune)s được thẩm định."),
    Action.RECOGNISE: _("Chỉ Văn phòng Điều phối tỉnh quản lý %(commune)s được ghi quyết định công nhận."),
}


def require(user, action: Action, commune: AdministrativeUnit) -> None:
    if not can(user, action, commune):
        raise AccessDenied(DENIED_MESSAGES[action] % {"commune": commune.name})


def action_q(user, action: Action, path: str = "commune") -> Q:
    """`can(user, action, commune)` as a queryset condition on the commune reached through `path` ("" for communes
    themselves, "commune" for rounds, "assessment_round__commune" for their parts), so that a queue is one query,
    never a check per row. Kept rule for rule in step with `can()` above (tests/criteria/test_views_permissions.py
    compares the two for every persona, commune and action)."""
    prefix = f"{path}__" if path else ""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if action == Action.VIEW:
        return commune_q(user, path)
    if user.is_superuser:
        return Q()
    unit = _unit(user)
    if unit is None:
        return NOTHING
    role = user.role
    own_commune = Q(**{f"{prefix}pk": unit.pk})
    in_province = Q(**{f"{prefix}province_id": unit.pk})
    if action == Action.EDIT:
        if role == Role.COMMUNE_OFFICIAL:
            return own_commune
        return in_province if role == Role.PROVINCE_COORDINATOR else NOTHING
    if action == Action.SUBMIT:
        return own_commune if role == Role.COMMUNE_OFFICIAL else NOTHING
    if action == Action.VERIFY:
        if role not in (Role.DISTRICT_OFFICER, Role.PROVINCE_COORDINATOR):
            return NOTHING
        # _verifying_unit: the commune's district, or its province where it has no district.
        return Q(**{f"{prefix}district_id": unit.pk}) | Q(
            **{f"{prefix}district_id__isnull": True, f"{prefix}province_id": unit.pk}
        )
    if action in (Action.APPROVE, Action.RECOGNISE):
        return in_province if role == Role.PROVINCE_COORDINATOR else NOTHING
    return NOTHING


def may_edit_any(user) -> bool:
    """Whether `user` may enter values for at least one commune: asked before an upload (the Excel import) is read,
    so that a read-only user's file is refused unopened. Each commune of the file is still checked with `can()`."""
    return AdministrativeUnit.objects.communes().filter(action_q(user, Action.EDIT, path="")).exists()


def visible_import_jobs(user) -> QuerySet:
    """Excel import jobs: each is seen by the user who uploaded its file (and a superuser); the file's figures and
    its errors are theirs."""
    from criteria.models import ExcelImportJob  # noqa: PLC0415 - criteria's models are loaded after this module

    if not _active(user):
        return ExcelImportJob.objects.none()
    return ExcelImportJob.objects.all() if user.is_superuser else ExcelImportJob.objects.filter(requested_by=user)


IMPORT_DENIED = _("Bạn chỉ có quyền xem: tài khoản của bạn không được nhập số liệu đánh giá của xã nào.")


def units_in_scope(user) -> QuerySet[AdministrativeUnit]:
    """The units a user may pick as the scope of a template or a report: their own unit and every unit under it
    that they see (an agency liaison: the communes assigned to their agency). Not the units above their own, whose
    summaries `AdministrativeUnit.objects.visible_to` also lets them read."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return AdministrativeUnit.objects.none()
    if user.is_superuser:
        # Not `Q() | own`: Django drops an empty Q from an OR, which would leave only the superuser's own unit.
        return AdministrativeUnit.objects.all()
    own = Q(pk=user.unit_id) if getattr(user, "unit_id", None) else NOTHING
    return AdministrativeUnit.objects.filter(commune_q(user) | own)


def nameable_communes(user, unit: AdministrativeUnit, *, in_scope: bool | None = None) -> set[int] | None:
    """The communes of `unit`'s figures whose rows `user` may read by name: None for all of them (the unit is in the
    user's scope), else the ids of the communes in the user's scope. A district officer or commune official may read
    the figures of the units above them (`visible_to`), but not the names of other districts' communes. One query,
    two when the unit lies above the user's own; `in_scope`, when the caller has checked it already, spares one."""
    scope = units_in_scope(user)
    if in_scope if in_scope is not None else scope.filter(pk=unit.pk).exists():
        return None
    return set(scope.filter(level=UnitLevel.COMMUNE).values_list("pk", flat=True))


# --- Directories, targets and the secondment side (issue 5: the API; the browser's screens use the same) ----------
#
# Models without a commune of their own (agencies, cadres, batches, criteria sets, targets) are scoped here, from the
# same units the commune scope uses; `can_change` says who may create, change or delete a record of the secondment
# side or a target. Roles, in DESIGN §1's words:
# - province coordinator: everything in its province (agencies, cadres, batches, secondments, sponsor assignments,
#   work plans, visits, support) and the targets of the province and its districts;
# - district officer: the targets of its own district;
# - agency liaison: field visits, support contributions and work-plan items of its own agency, for the communes the
#   agency is assigned to;
# - everyone else: read only.

SECONDMENT_SIDE_MODELS = (
    "secondments.Agency",
    "secondments.Cadre",
    "secondments.SecondmentBatch",
    "secondments.Secondment",
    "secondments.SponsorAssignment",
    "secondments.WorkPlan",
    "secondments.WorkPlanItem",
    "secondments.FieldVisit",
    "secondments.SupportContribution",
)
LIAISON_MODELS = ("secondments.FieldVisit", "secondments.SupportContribution", "secondments.WorkPlanItem")
TARGET_MODEL = "criteria.UnitTarget"

CHANGE_DENIED = _("Bạn không có quyền thêm, sửa hoặc xóa %(what)s này.")


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def visible_agencies(user) -> QuerySet:
    """Agencies of the units the user sees (their own unit, the units above it and under it), and their own agency."""
    from secondments.models import Agency  # noqa: PLC0415 - secondments' models are loaded after this module

    if not _active(user):
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.all()
    own = Q(pk=user.agency_id) if user.agency_id else NOTHING
    return Agency.objects.filter(Q(unit__in=AdministrativeUnit.objects.visible_to(user)) | own)


def visible_cadres(user) -> QuerySet:
    """Cadres of the agencies at or under the user's own unit (a liaison: of their own agency), and every cadre
    seconded to a commune the user sees. A commune official sees the cadres sent to their commune, not the province's
    whole roll with its phone numbers."""
    from secondments.models import Cadre, Secondment  # noqa: PLC0415

    if not _active(user):
        return Cadre.objects.none()
    if user.is_superuser:
        return Cadre.objects.all()
    own_agency = Q(home_agency_id=user.agency_id) if user.agency_id else NOTHING
    at_or_under = Q(home_agency__unit__in=units_in_scope(user))
    seconded_here = Q(pk__in=Secondment.objects.visible_to(user).values("cadre_id"))
    return Cadre.objects.filter(own_agency | at_or_under | seconded_here)


def visible_batches(user) -> QuerySet:
    """Batches of the user's province, and the batches that sent a cadre to a commune the user sees."""
    from secondments.models import Secondment, SecondmentBatch  # noqa: PLC0415

    if not _active(user):
        return SecondmentBatch.objects.none()
    if user.is_superuser:
        return SecondmentBatch.objects.all()
    return SecondmentBatch.objects.filter(
        Q(province__in=AdministrativeUnit.objects.visible_to(user))
        | Q(pk__in=Secondment.objects.visible_to(user).values("batch_id"))
    )


def visible_criteria_sets(user) -> QuerySet:
    """The national sets, and the provincial sets of the provinces the user sees."""
    from criteria.models import CriteriaSet  # noqa: PLC0415

    if not _active(user):
        return CriteriaSet.objects.none()
    if user.is_superuser:
        return CriteriaSet.objects.all()
    return CriteriaSet.objects.filter(
        Q(province__isnull=True) | Q(province__in=AdministrativeUnit.objects.visible_to(user))
    )


def visible_targets(user) -> QuerySet:
    """The targets of the units the user sees (a district officer: its district's and the province's)."""
    from criteria.models import UnitTarget  # noqa: PLC0415

    if not _active(user):
        return UnitTarget.objects.none()
    return UnitTarget.objects.filter(unit__in=AdministrativeUnit.objects.visible_to(user))


def _label(model) -> str:
    return model._meta.label


def may_change_any(user, model) -> bool:
    """Whether the user's role may change any record of `model` at all: the API refuses a write before reading its
    body when not. The record itself is checked by `can_change`."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    label = _label(model)
    role = user.role
    if label == TARGET_MODEL:
        return role in (Role.PROVINCE_COORDINATOR, Role.DISTRICT_OFFICER) and user.unit_id is not None
    if label not in SECONDMENT_SIDE_MODELS:
        return False
    if role == Role.PROVINCE_COORDINATOR:
        return user.unit_id is not None
    return role == Role.AGENCY_LIAISON and user.agency_id is not None and label in LIAISON_MODELS


def _province_of_unit(unit) -> int | None:
    if unit is None:
        return None
    return unit.province_id or unit.pk  # a province has no province of its own


def _record_province(obj) -> int | None:
    """The province a record of the secondment side belongs to: its commune's, its agency's or its own."""
    label = _label(type(obj))
    if label == "secondments.Agency":
        return _province_of_unit(obj.unit) if obj.unit_id else None
    if label == "secondments.Cadre":
        return _record_province(obj.home_agency) if obj.home_agency_id else None
    if label == "secondments.SecondmentBatch":
        return obj.province_id
    if label == "secondments.WorkPlan":
        return obj.assignment.commune.province_id if obj.assignment_id else None
    if label == "secondments.WorkPlanItem":
        return _record_province(obj.work_plan) if obj.work_plan_id else None
    return obj.commune.province_id if obj.commune_id else None  # secondment, assignment, visit, support


def _agency_assigned_to(agency_id: int, commune_id: int | None) -> bool:
    from secondments.models import SponsorAssignment  # noqa: PLC0415

    return SponsorAssignment.objects.filter(agency_id=agency_id, commune_id=commune_id).exists()


def can_change(user, obj) -> bool:
    """May `user` create (an unsaved `obj`), change or delete this record of the secondment side, or this target?

    For a change, ask for the record as it is and as it would be: moving a record out of one's scope is a change too.
    """
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    if not may_change_any(user, type(obj)):
        return False
    label = _label(type(obj))
    unit = _unit(user)
    if label == TARGET_MODEL:
        if obj.unit_id is None:
            return False
        if user.role == Role.DISTRICT_OFFICER:
            return obj.unit_id == unit.pk
        return _province_of_unit(obj.unit) == unit.pk
    if user.role == Role.PROVINCE_COORDINATOR:
        return _record_province(obj) == unit.pk
    # An agency liaison: only its own agency's records, for the communes that agency is assigned to.
    agency_id = user.agency_id
    if label == "secondments.FieldVisit":
        return obj.agency_id == agency_id and _agency_assigned_to(agency_id, obj.commune_id)
    if label == "secondments.SupportContribution":
        return obj.giver_id == agency_id and _agency_assigned_to(agency_id, obj.commune_id)
    if label == "secondments.WorkPlanItem":
        return obj.work_plan_id is not None and obj.work_plan.assignment.agency_id == agency_id
    return False


def require_change(user, obj) -> None:
    if not can_change(user, obj):
        raise AccessDenied(CHANGE_DENIED % {"what": type(obj)._meta.verbose_name})


def unlockable_users(user) -> QuerySet:
    """The accounts whose sign-in lockout `user` may lift (ntm_portal.lockout): the admin's, any; a province
    coordinator's, those of the units and agencies of their province, except staff accounts, which are the admin's."""
    from .models import User  # noqa: PLC0415 - the models import this module's neighbours

    if not _active(user):
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    if user.role != Role.PROVINCE_COORDINATOR or user.unit_id is None:
        return User.objects.none()
    units = units_in_scope(user)
    return User.objects.filter(Q(unit__in=units) | Q(agency__unit__in=units)).filter(is_staff=False, is_superuser=False)


def can_edit_letterhead(user, province: AdministrativeUnit) -> bool:
    """May `user` change the report letterhead (issuer, signer, recipients) of `province`? Its coordination office's
    staff (and the admin): the document goes out in that office's name."""
    if not _active(user) or province.level != UnitLevel.PROVINCE:
        return False
    if user.is_superuser:
        return True
    return user.role == Role.PROVINCE_COORDINATOR and user.unit_id == province.pk


# --- What a user may use at all: the navigation and the start page ask these (no query) ----------------------------
# Each mirrors, for the role and unit alone, the rule above that decides for one commune or record: a menu entry is
# shown when at least one commune or record could pass it.


def may_verify_some(user) -> bool:
    """Has a verification queue: `action_q(user, Action.VERIFY)` is not NOTHING."""
    if not _active(user):
        return False
    return user.is_superuser or (
        user.role in (Role.DISTRICT_OFFICER, Role.PROVINCE_COORDINATOR) and user.unit_id is not None
    )


def may_approve_some(user) -> bool:
    """Has an approval queue: `action_q(user, Action.APPROVE)` is not NOTHING."""
    if not _active(user):
        return False
    return user.is_superuser or (user.role == Role.PROVINCE_COORDINATOR and user.unit_id is not None)


def may_edit_some(user) -> bool:
    """May enter values for some commune (and so use the Excel template and import), as `action_q(user, EDIT)`."""
    if not _active(user):
        return False
    return user.is_superuser or (
        user.role in (Role.COMMUNE_OFFICIAL, Role.PROVINCE_COORDINATOR) and user.unit_id is not None
    )


def may_unlock_some(user) -> bool:
    """May lift sign-in lockouts: `unlockable_users(user)` is not empty by role."""
    if not _active(user):
        return False
    return user.is_superuser or (user.role == Role.PROVINCE_COORDINATOR and user.unit_id is not None)


def manages_secondments(user) -> bool:
    """Runs the secondment side (batches, cadres, agencies, assignments): the coordinator of a province, the admin."""
    from secondments.models import Secondment  # noqa: PLC0415

    return may_change_any(user, Secondment) and (user.is_superuser or user.role == Role.PROVINCE_COORDINATOR)


def own_commune_id(user) -> int | None:
    """A commune official's own commune, the one their pages are about."""
    if not _active(user) or user.role != Role.COMMUNE_OFFICIAL:
        return None
    return user.unit_id


def liaison_agency_id(user) -> int | None:
    """An agency liaison's agency, whose assigned communes are the liaison's scope."""
    if not _active(user) or user.role != Role.AGENCY_LIAISON:
        return None
    return user.agency_id
