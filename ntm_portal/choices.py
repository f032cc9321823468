from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE_COORDINATOR = "province_coordinator", _("Văn phòng Điều phối NTM tỉnh")
    DISTRICT_OFFICER = "district_officer", _("Cán bộ cấp huyện")
    COMMUNE_OFFICIAL = "commune_official", _("Cán bộ xã")
    AGENCY_LIAISON = "agency_liaison", _("Cán bộ cơ quan phụ trách / biệt phái")
    VIEWER = "viewer", _("Chỉ xem")
