"""Which rows a user sees: the scope half of the access rules (the action half is ntm_portal.access).

Kept free of model imports so that every app's querysets can mix `ScopedQuerySet` in.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from communes.choices import UnitLevel

from .choices import Role

NOTHING = Q(pk__in=[])


def commune_q(user, path: str = "") -> Q:
    """A Q selecting the communes `user` may see, reached through `path` ("" for units themselves, "commune",
    "assessment_round__commune", ...). One indexed condition on the denormalised province/district columns.

    - superuser: everything;
    - province coordinator, district officer, commune official, viewer: everything within their unit;
    - agency liaison: the communes their agency is (or was) assigned to.
    """
    prefix = f"{path}__" if path else ""
    if not getattr(user, "is_authenticated", False):
        return NOTHING
    if user.is_superuser:
        return Q()
    if user.role == Role.AGENCY_LIAISON:
        if user.agency_id is None:
            return NOTHING
        from secondments.models import SponsorAssignment  # noqa: PLC0415 - secondments' models use this module

        return Q(**{f"{prefix}pk__in": SponsorAssignment.objects.filter(agency_id=user.agency_id).values("commune_id")})
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
