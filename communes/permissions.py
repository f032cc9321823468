"""Who sees which administrative units: the communes' rules over the core's scope (ntm_portal.scoping.commune_q).

Units are read, never changed, through the portal's screens and API: no change rule is registered for them.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ntm_portal.access import signed_in
from ntm_portal.scoping import NOTHING, commune_q

from .choices import UnitLevel
from .models import AdministrativeUnit


def visible_communes(user) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.communes().filter(commune_q(user))


def units_in_scope(user) -> QuerySet[AdministrativeUnit]:
    """The units a user may pick as the scope of a template or a report: their own unit and every unit under it
    that they see (an agency liaison: the communes assigned to their agency). Not the units above their own, whose
    summaries `AdministrativeUnit.objects.visible_to` also lets them read."""
    if not signed_in(user):
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
