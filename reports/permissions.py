"""Who may change a province's report letterhead."""

from __future__ import annotations

from communes.models import AdministrativeUnit
from ntm_portal.access import signed_in
from ntm_portal.choices import Role, UnitLevel


def can_edit_letterhead(user, province: AdministrativeUnit) -> bool:
    """May `user` change the report letterhead (issuer, signer, recipients) of `province`? Its coordination office's
    staff (and the admin): the document goes out in that office's name."""
    if not signed_in(user) or province.level != UnitLevel.PROVINCE:
        return False
    if user.is_superuser:
        return True
    return user.role == Role.PROVINCE_COORDINATOR and user.unit_id == province.pk
