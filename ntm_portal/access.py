"""Who may see and do what: the mechanism where roles meet units. The core names no domain model.

Three questions:
- scope: which communes (and so which rounds, secondments, visits...) a user sees — `commune_q(user, path)` in
  ntm_portal.scoping, used by every model's `visible_to(user)` queryset method; `visible(user, model)` asks it;
- action: whether a user may do one thing to one commune's data — `can(user, action, commune)` / `require(...)`,
  read from the commune's unit columns alone;
- change: whether a user may create, change or delete one record — `can_change(user, obj)` / `require_change`, by the
  rule the record's app registers for its model (`<app>/permissions.py`, from its AppConfig.ready()).

Views, API viewsets, selectors and reports call these; none of them filters by role on its own. Whether the
object's *state* allows the action (a submitted round cannot be edited) is the workflow's question
(criteria.services.assessment), asked after this one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .choices import Role
from .models import User
from .scoping import NOTHING, commune_q


class Action(StrEnum):
    VIEW = "view"
    EDIT = "edit"  # start a round, enter values and evidence
    SUBMIT = "submit"  # commune → district
    VERIFY = "verify"  # thẩm tra: verify, or return to the commune with comments
    APPROVE = "approve"  # thẩm định: approve, return to the district, reopen an approval
    RECOGNISE = "recognise"  # record the recognition decision


class AccessDenied(PermissionDenied):
    """The user's role or unit does not allow the action; the message says why in plain words. A PermissionDenied:
    the site's 403 page (ntm_portal.errors) and the API show it."""


def signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def _unit(user):
    return getattr(user, "unit", None)


def _in_scope(user, commune) -> bool:
    if user.is_superuser:
        return True
    if user.role == Role.AGENCY_LIAISON:
        # The liaison's communes are not read from their unit: ask the registered scope, in one query.
        return type(commune)._default_manager.filter(commune_q(user), pk=commune.pk).exists()
    unit = _unit(user)
    if unit is None:
        return False
    return unit.pk in (commune.pk, commune.district_id, commune.province_id)


def _verifying_unit(commune) -> int | None:
    """The district verifies its communes; where a province has no districts, the province verifies directly."""
    return commune.district_id or commune.province_id


def can(user, action: Action, commune) -> bool:
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


def require(user, action: Action, commune) -> None:
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


# --- Changing a record: rules each app registers for its models (its permissions.py, from AppConfig.ready()) -----
#
# The core names no model: `can_change(user, obj)` asks the rule registered for `type(obj)`. A model without a rule
# cannot be changed through these checks by anyone, the admin included (tests/ntm_portal/test_access_registry.py).

CHANGE_DENIED = _("Bạn không có quyền thêm, sửa hoặc xóa %(what)s này.")


@dataclass(frozen=True)
class ChangeRule:
    may_change_any: Callable[[Any], bool]  # user -> whether their role and unit could change some record
    can_change: Callable[[Any, Any], bool]  # (user, record) -> whether they may change this one


_change_rules: dict[type[Model], ChangeRule] = {}


def register_change_rule(model: type[Model], *, may_change_any: Callable, can_change: Callable) -> None:
    _change_rules[model] = ChangeRule(may_change_any=may_change_any, can_change=can_change)


def registered_change_rules() -> dict[type[Model], ChangeRule]:
    return dict(_change_rules)


def may_change_any(user, model: type[Model]) -> bool:
    """Whether the user's role may change any record of `model` at all: the API refuses a write before reading its
    body when not. The record itself is checked by `can_change`."""
    rule = _change_rules.get(model)
    if rule is None or not signed_in(user):
        return False
    return user.is_superuser or rule.may_change_any(user)


def can_change(user, obj: Model) -> bool:
    """May `user` create (an unsaved `obj`), change or delete this record?

    For a change, ask for the record as it is and as it would be: moving a record out of one's scope is a change too.
    """
    if not may_change_any(user, type(obj)):
        return False
    return user.is_superuser or _change_rules[type(obj)].can_change(user, obj)


def require_change(user, obj: Model) -> None:
    if not can_change(user, obj):
        raise AccessDenied(CHANGE_DENIED % {"what": type(obj)._meta.verbose_name})


def visible(user, rows: type[Model] | QuerySet) -> QuerySet:
    """The rows of a model (or of a queryset) that `user` may read: its queryset's `visible_to(user)`, where each app
    keeps the model's scope. A model whose queryset has no `visible_to` shows nothing."""
    queryset = rows if isinstance(rows, QuerySet) else rows._default_manager.all()
    visible_to = getattr(queryset, "visible_to", None)
    return visible_to(user) if visible_to is not None else queryset.none()


def unlockable_users(user) -> QuerySet:
    """The accounts whose sign-in lockout `user` may lift (ntm_portal.lockout): the admin's, any; a province
    coordinator's, those of the units and agencies of their province, except staff accounts, which are the admin's."""
    if not signed_in(user):
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    if user.role != Role.PROVINCE_COORDINATOR or user.unit_id is None:
        return User.objects.none()
    # The province itself and every unit in it, whether the account's own unit or its agency's.
    in_province = Q()
    for path in ("unit", "agency__unit"):
        in_province |= commune_q(user, path) | Q(**{path: user.unit_id})
    return User.objects.filter(in_province).filter(is_staff=False, is_superuser=False)


# --- What a user may use at all: the navigation and the start page ask these (no query) ----------------------------
# Each mirrors, for the role and unit alone, the rule above that decides for one commune or record: a menu entry is
# shown when at least one commune or record could pass it.


def may_verify_some(user) -> bool:
    """Has a verification queue: `action_q(user, Action.VERIFY)` is not NOTHING."""
    if not signed_in(user):
        return False
    return user.is_superuser or (
        user.role in (Role.DISTRICT_OFFICER, Role.PROVINCE_COORDINATOR) and user.unit_id is not None
    )


def may_approve_some(user) -> bool:
    """Has an approval queue: `action_q(user, Action.APPROVE)` is not NOTHING."""
    if not signed_in(user):
        return False
    return user.is_superuser or (user.role == Role.PROVINCE_COORDINATOR and user.unit_id is not None)


def may_edit_some(user) -> bool:
    """May enter values for some commune (and so use the Excel template and import), as `action_q(user, EDIT)`."""
    if not signed_in(user):
        return False
    return user.is_superuser or (
        user.role in (Role.COMMUNE_OFFICIAL, Role.PROVINCE_COORDINATOR) and user.unit_id is not None
    )


def may_unlock_some(user) -> bool:
    """May lift sign-in lockouts: `unlockable_users(user)` is not empty by role."""
    if not signed_in(user):
        return False
    return user.is_superuser or (user.role == Role.PROVINCE_COORDINATOR and user.unit_id is not None)


def manages_secondments(user) -> bool:
    """Runs the secondment side (batches, cadres, agencies, assignments): the coordinator of a province, the admin;
    as secondments.permissions' rule for those records."""
    if not signed_in(user):
        return False
    return user.is_superuser or (user.role == Role.PROVINCE_COORDINATOR and user.unit_id is not None)


def own_commune_id(user) -> int | None:
    """A commune official's own commune, the one their pages are about."""
    if not signed_in(user) or user.role != Role.COMMUNE_OFFICIAL:
        return None
    return user.unit_id


def liaison_agency_id(user) -> int | None:
    """An agency liaison's agency, whose assigned communes are the liaison's scope."""
    if not signed_in(user) or user.role != Role.AGENCY_LIAISON:
        return None
    return user.agency_id
