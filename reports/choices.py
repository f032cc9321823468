from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang tạo")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Lỗi")


# A job in one of these states still has a build coming: an identical request reuses it.
ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class ReportLanguage(models.TextChoices):
    VIETNAMESE = "vi", _("Tiếng Việt")
    ENGLISH = "en", _("English")
