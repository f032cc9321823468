from django.db import models
from django.utils.translation import gettext_lazy as _


class SetLevel(models.TextChoices):
    BASIC = "basic", _("Xã NTM")
    ADVANCED = "advanced", _("Xã NTM nâng cao")
    MODEL = "model", _("Xã NTM kiểu mẫu")


class TargetScheme(models.TextChoices):
    """How a set differentiates its targets between communes."""

    REGION = "region", _("Theo 7 vùng kinh tế - xã hội")
    COMMUNE_GROUP = "commune_group", _("Theo 3 nhóm xã")


class Comparison(models.TextChoices):
    YES_NO = "yes_no", _("Đạt / không đạt")
    AT_LEAST = "at_least", _("Số ≥ chỉ tiêu")
    AT_MOST = "at_most", _("Số ≤ chỉ tiêu")
    PERCENT_AT_LEAST = "percent_at_least", _("Tỷ lệ % ≥ chỉ tiêu")
    PERCENT_AT_MOST = "percent_at_most", _("Tỷ lệ % ≤ chỉ tiêu")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Đang nhập")
    SUBMITTED = "submitted", _("Đã gửi thẩm tra")
    RETURNED = "returned", _("Bị trả lại")
    VERIFIED = "verified", _("Đã thẩm tra")  # by the district, or by the province where there are none
    APPROVED = "approved", _("Tỉnh đã thẩm định")


class ReviewState(models.TextChoices):
    """The verifier's mark on one criterion of a submitted round (thẩm tra từng tiêu chí)."""

    PENDING = "pending", _("Chưa thẩm tra")
    VERIFIED = "verified", _("Đạt thẩm tra")
    RETURNED = "returned", _("Trả lại")


class ChangeKind(models.TextChoices):
    CREATED = "created", _("Tạo kỳ đánh giá")
    STATE = "state", _("Chuyển trạng thái")
    CRITERION = "criterion", _("Kết quả tiêu chí")
    INDICATOR = "indicator", _("Giá trị chỉ tiêu")
    EVIDENCE = "evidence", _("Hồ sơ minh chứng")
    REVIEW = "review", _("Ý kiến thẩm tra")
    RECOGNITION = "recognition", _("Công nhận đạt chuẩn")
    WITHDRAWN = "withdrawn", _("Rút kỳ đánh giá")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang nhập")
    DONE = "done", _("Đã nhập")
    REFUSED = "refused", _("Tệp có lỗi, chưa ghi gì")
    FAILED = "failed", _("Lỗi hệ thống, chưa ghi gì")
