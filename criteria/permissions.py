"""Who may change the criteria side's records (unit targets) and import assessment values from Excel.

The assessment actions on a commune's data (view, edit, submit, verify, approve, recognise) are the core's
`ntm_portal.access.can` / `action_q`, read from the commune's unit columns. Registered by `register()`, from
CriteriaConfig.ready().
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from communes.models import AdministrativeUnit
from ntm_portal import access
from ntm_portal.access import AccessDenied, Action, action_q
from ntm_portal.choices import Role

from .models import UnitTarget

IMPORT_DENIED = _("Bạn chỉ có quyền xem: tài khoản của bạn không được nhập số liệu đánh giá của xã nào.")


def may_edit_any(user) -> bool:
    """Whether `user` may enter values for at least one commune: asked before an upload (the Excel import) is read,
    so that a read-only user's file is refused unopened. Each commune of the file is still checked with `can()`."""
    return AdministrativeUnit.objects.communes().filter(action_q(user, Action.EDIT, path="")).exists()


def require_may_import(user) -> None:
    if not may_edit_any(user):
        raise AccessDenied(IMPORT_DENIED)


# Targets: the province coordinator sets its province's and its districts', a district officer its own district's.


def _may_change_targets(user) -> bool:
    return user.role in (Role.PROVINCE_COORDINATOR, Role.DISTRICT_OFFICER) and user.unit_id is not None


def _can_change_target(user, target: UnitTarget) -> bool:
    if target.unit_id is None:
        return False
    if user.role == Role.DISTRICT_OFFICER:
        return target.unit_id == user.unit_id
    return (target.unit.province_id or target.unit_id) == user.unit_id  # a province has no province of its own


def register() -> None:
    access.register_change_rule(UnitTarget, may_change_any=_may_change_targets, can_change=_can_change_target)
