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

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from communes.models import AdministrativeUnit

from .choices import Role
from .scoping import commune_q


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
