"""Which rows a user sees: the scope half of the access rules (the action half is ntm_portal.access).

Kept free of domain imports so that every app's querysets can mix `ScopedQuerySet` in. A role whose scope is not read
from the user's unit (the agency liaison's: the communes their agency is assigned to) gets it from the app that
holds the relation, which registers it here (`register_role_scope`, from its AppConfig.ready()).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.db.models import Q

from .choices import Role, UnitLevel

NOTHING = Q(pk__in=[])

# role -> (user, prefix) -> Q over the communes reached through `prefix` ("" or "commune__"...).
RoleScope = Callable[[object, str], Q]
_role_scopes: dict[str, RoleScope] = {}


def register_role_scope(role: Role, scope: RoleScope) -> None:
    _role_scopes[role] = scope


def commune_q(user, path: str = "") -> Q:
    """A Q selecting the communes `user` may see, reached through `path` ("" for units themselves, "commune",
    "assessment_round__commune", ...). One indexed condition on the denormalised province/district columns.

    - superuser: everything;
    - a role with a registered scope (agency liaison: the communes their agency is, or was, assigned to): that;
    - province coordinator, district officer, commune official, viewer: everything within their unit.
    """
    prefix = f"{path}__" if path else ""
    if not getattr(user, "is_authenticated", False):
        return NOTHING
    if user.is_superuser:
        return Q()
    if user.role in _role_scopes:
        return _role_scopes[user.role](user, prefix)
    if user.role == Role.AGENCY_LIAISON:
        return NOTHING  # a liaison's scope is their agency's, never their unit's, even before secondments is ready
    unit = getattr(user, "unit", None)
    if unit is None:
        return NOTHING
    if unit.level == UnitLevel.PROVINCE:
        return Q(**{f"{prefix}province_id": unit.pk})
    if unit.level == UnitLevel.DISTRICT:
        return Q(**{f"{prefix}district_id": unit.pk})
    return Q(**{f"{prefix}pk": unit.pk})


class ScopedQuerySet(models.QuerySet):
    """`Model.objects.visible_to(user)`: the rows whose commune the user may see."""

    commune_path = "commune"

    def visible_to(self, user):
        return self.filter(commune_q(user, self.commune_path))
