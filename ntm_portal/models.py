from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from communes.choices import UnitLevel

from .choices import Role

ROLE_UNIT_LEVEL = {
    Role.PROVINCE_COORDINATOR: UnitLevel.PROVINCE,
    Role.DISTRICT_OFFICER: UnitLevel.DISTRICT,
    Role.COMMUNE_OFFICIAL: UnitLevel.COMMUNE,
}


class User(AbstractUser):
    """A portal user: one role, and the unit (or agency) whose data that role may see and change."""

    role = models.CharField(_("vai trò"), max_length=25, choices=Role.choices, default=Role.VIEWER)
    unit = models.ForeignKey(
        "communes.AdministrativeUnit",
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    agency = models.ForeignKey(
        "secondments.Agency",
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def clean(self) -> None:
        super().clean()
        expected = ROLE_UNIT_LEVEL.get(self.role)
        if expected and (self.unit is None or self.unit.level != expected):
            raise ValidationError({"unit": _("Vai trò này cần một đơn vị cấp %(level)s.") % {"level": expected.label}})
        if self.role == Role.AGENCY_LIAISON and self.agency is None:
            raise ValidationError({"agency": _("Cán bộ cơ quan phụ trách cần chọn cơ quan.")})
