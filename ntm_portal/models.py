from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

from .choices import Role, UnitLevel

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


class ApiToken(AbstractAuthToken):
    """Khóa truy cập API: a key a script or a dashboard client sends as `Authorization: Token <key>`.

    Knox's token with a name and a plain id: only the key's first characters (`token_key`) and its SHA-512 hash
    (`digest`) are stored, so the key itself is shown once, when it is issued (ntm_portal.tokens)."""

    # An id of its own (knox keys its table by the digest): the token page and the API name a token to revoke by it.
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(_("tên"), max_length=100)

    class Meta:
        verbose_name = _("khóa truy cập API")
        verbose_name_plural = _("khóa truy cập API")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key[:8]}…)"
