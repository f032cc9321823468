from django.db import models
from django.utils.translation import gettext_lazy as _

from ntm_portal.choices import UnitLevel


class UnitKind(models.TextChoices):
    """The legal kind of a unit; several kinds share a level."""

    PROVINCE = "tinh", _("Tỉnh")
    CENTRAL_CITY = "thanh_pho_tw", _("Thành phố trực thuộc trung ương")
    RURAL_DISTRICT = "huyen", _("Huyện")
    URBAN_DISTRICT = "quan", _("Quận")
    TOWN = "thi_xa", _("Thị xã")
    PROVINCIAL_CITY = "thanh_pho", _("Thành phố thuộc tỉnh")
    COMMUNE = "xa", _("Xã")
    WARD = "phuong", _("Phường")
    TOWNSHIP = "thi_tran", _("Thị trấn")
    SPECIAL_ZONE = "dac_khu", _("Đặc khu")


KIND_LEVEL = {
    UnitKind.PROVINCE: UnitLevel.PROVINCE,
    UnitKind.CENTRAL_CITY: UnitLevel.PROVINCE,
    UnitKind.RURAL_DISTRICT: UnitLevel.DISTRICT,
    UnitKind.URBAN_DISTRICT: UnitLevel.DISTRICT,
    UnitKind.TOWN: UnitLevel.DISTRICT,
    UnitKind.PROVINCIAL_CITY: UnitLevel.DISTRICT,
    UnitKind.COMMUNE: UnitLevel.COMMUNE,
    UnitKind.WARD: UnitLevel.COMMUNE,
    UnitKind.TOWNSHIP: UnitLevel.COMMUNE,
    UnitKind.SPECIAL_ZONE: UnitLevel.COMMUNE,
}


class Region(models.TextChoices):
    """The 7 socio-economic regions whose targets the 19-criterion sets use (QĐ 1980/2016, QĐ 318/2022)."""

    NORTHERN_MIDLANDS_MOUNTAINS = "tdmnpb", _("Trung du miền núi phía Bắc")
    RED_RIVER_DELTA = "dbsh", _("Đồng bằng sông Hồng")
    NORTH_CENTRAL = "btb", _("Bắc Trung Bộ")
    SOUTH_CENTRAL_COAST = "dhntb", _("Duyên hải Nam Trung Bộ")
    CENTRAL_HIGHLANDS = "tn", _("Tây Nguyên")
    SOUTHEAST = "dnb", _("Đông Nam Bộ")
    MEKONG_DELTA = "dbscl", _("Đồng bằng sông Cửu Long")


class CommuneGroup(models.IntegerChoices):
    """QĐ 51/2025/QĐ-TTg: targets of the 2026–2030 set differ by three commune groups."""

    URBANISING = 1, _("Nhóm 1: xã ven đô, định hướng đô thị hóa")
    GENERAL = 2, _("Nhóm 2: các xã còn lại")
    ETHNIC_MOUNTAIN = 3, _("Nhóm 3: xã khu vực II, III vùng đồng bào DTTS và miền núi")


class NtmLevel(models.TextChoices):
    NOT_YET = "not_yet", _("Chưa đạt chuẩn")
    STANDARD = "standard", _("Đạt chuẩn NTM")
    ADVANCED = "advanced", _("NTM nâng cao")
    MODEL = "model", _("NTM kiểu mẫu")


class MergedStanding(models.TextChoices):
    """What a commune formed by the 2025 merger inherits of its predecessors' NTM standard: no national rule says
    (provinces differ), so each province sets it."""

    REASSESS = "reassess", _("Xã mới chưa đạt chuẩn đến khi tỉnh đánh giá lại hoặc thừa nhận")
    KEEP_IF_ALL_MET = "keep_if_all", _("Xã mới giữ mức thấp nhất của các xã cũ nếu mọi xã cũ đã đạt chuẩn")
