from django.db import models
from django.utils.translation import gettext_lazy as _


# The administrative levels (communes.AdministrativeUnit.level): here because a user's role is tied to one.
class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh")
    DISTRICT = "district", _("Huyện")
    COMMUNE = "commune", _("Xã")


class Role(models.TextChoices):
    PROVINCE_COORDINATOR = "province_coordinator", _("Văn phòng Điều phối NTM tỉnh")
    DISTRICT_OFFICER = "district_officer", _("Cán bộ cấp huyện")
    COMMUNE_OFFICIAL = "commune_official", _("Cán bộ xã")
    AGENCY_LIAISON = "agency_liaison", _("Cán bộ cơ quan phụ trách / biệt phái")
    VIEWER = "viewer", _("Chỉ xem")
