from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    DEPARTMENT = "department", _("Sở")
    BOARD = "board", _("Ban")
    SECTOR = "sector", _("Ngành")
    MASS_ORGANISATION = "mass_org", _("Tổ chức chính trị - xã hội")
    DISTRICT_BODY = "district_body", _("Cơ quan cấp huyện")
    ENTERPRISE = "enterprise", _("Doanh nghiệp kết nghĩa")


class AgencyLevel(models.TextChoices):
    CENTRAL = "central", _("Trung ương")
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện")


class Gender(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class SecondmentKind(models.TextChoices):
    SECONDED = "biet_phai", _("Biệt phái")  # keeps the home post
    ROTATED = "luan_chuyen", _("Luân chuyển")  # takes a commune post (Bí thư, Chủ tịch UBND xã)
    TRANSFERRED = "dieu_dong", _("Điều động")
    REINFORCEMENT = "tang_cuong", _("Tăng cường")


class SponsorRole(models.TextChoices):
    RESPONSIBLE = "responsible", _("Cơ quan phụ trách")
    TWINNED = "twinned", _("Doanh nghiệp kết nghĩa")


class PlanPeriod(models.TextChoices):
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")


class PlanItemStatus(models.TextChoices):
    OPEN = "open", _("Đang thực hiện")
    DONE = "done", _("Hoàn thành")
    CANCELLED = "cancelled", _("Hủy")


class SupportKind(models.TextChoices):
    CASH = "cash", _("Tiền mặt")
    IN_KIND = "in_kind", _("Hiện vật")
    TRAINING = "training", _("Tập huấn, đào tạo")
    INFRASTRUCTURE = "infrastructure", _("Hạ tầng")
    SOCIAL_WELFARE = "social_welfare", _("An sinh xã hội")


class SecondmentOutcome(models.TextChoices):
    """Whether the commune reached the standard, against the secondment's dates."""

    ALREADY = "already", _("Đã đạt chuẩn trước khi cán bộ đến")
    DURING = "during", _("Đạt chuẩn trong thời gian biệt phái")
    AFTER = "after", _("Đạt chuẩn trong thời hạn sau khi cán bộ về")
    LATER = "later", _("Đạt chuẩn muộn hơn thời hạn")
    NOT_YET = "not_yet", _("Chưa đạt chuẩn")


# The outcomes that count as "reached the standard" in N/M.
COUNTED_OUTCOMES = (SecondmentOutcome.DURING, SecondmentOutcome.AFTER)
