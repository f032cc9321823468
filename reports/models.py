from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from communes.permissions import units_in_scope
from ntm_portal.choices import UnitLevel
from ntm_portal.excel import XLSX_CONTENT_TYPE
from ntm_portal.text import fold_vietnamese

from .choices import ACTIVE_STATUSES, JobStatus, ReportLanguage


class ReportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Jobs whose unit is the user's own or under it (communes.permissions.units_in_scope), so that a report can be
        downloaded by exactly those who could ask for it."""
        return self.filter(unit__in=units_in_scope(user).values("pk"))

    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)


def report_file_path(job: "ReportJob", filename: str) -> str:
    return f"reports/{job.unit.code}/{filename}"


@dataclass(frozen=True)
class ReportFormat:
    """One of the files a job builds: the PDF to read and print, the .docx an office finishes and signs, the .xlsx
    of its tables (issue 18)."""

    extension: str
    field_name: str  # the ReportJob FileField holding it
    content_type: str


REPORT_FORMATS = {
    "pdf": ReportFormat("pdf", "file", "application/pdf"),
    "docx": ReportFormat(
        "docx", "docx_file", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "xlsx": ReportFormat("xlsx", "xlsx_file", XLSX_CONTENT_TYPE),
}


class ReportJob(models.Model):
    """Báo cáo tiến độ: one request for a province's or district's progress report, and the PDF once built.

    The row is the truth about the build: Celery messages may arrive twice or never, so the worker claims the job
    here under a row lock (reports.services.report_build) and the sweep re-sends what a dead worker left behind.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_jobs",
        help_text=_("Trống: báo cáo định kỳ do hệ thống tạo."),
    )
    unit = models.ForeignKey(
        "communes.AdministrativeUnit",
        verbose_name=_("phạm vi"),
        on_delete=models.PROTECT,
        related_name="report_jobs",
        limit_choices_to={"level__in": [UnitLevel.PROVINCE, UnitLevel.DISTRICT]},
    )
    as_of = models.DateField(_("số liệu tính đến ngày"))
    criteria_set = models.ForeignKey(
        "criteria.CriteriaSet", verbose_name=_("bộ tiêu chí"), on_delete=models.PROTECT, related_name="report_jobs"
    )
    language = models.CharField(
        _("ngôn ngữ"), max_length=5, choices=ReportLanguage.choices, default=ReportLanguage.VIETNAMESE
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    stage = models.CharField(_("bước đang làm"), max_length=200, blank=True)
    error = models.TextField(_("lỗi"), blank=True, help_text=_("Lý do, như người dùng thấy."))
    # The exception's own text (paths, hosts...): for the admin and the log, never shown to users.
    error_detail = models.TextField(_("chi tiết lỗi"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    # "host:pid:token" of the process building it; with heartbeat_at, how others tell a live build from a dead one.
    runner = models.CharField(_("tiến trình đang tạo"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(_("lần báo tiến độ gần nhất"), null=True, blank=True)
    task_id = models.CharField(_("mã tác vụ Celery"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    enqueued_at = models.DateTimeField(_("gửi vào hàng đợi lúc"), null=True, blank=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    timings = models.JSONField(_("thời gian từng bước (giây)"), default=dict, blank=True)
    file = models.FileField(_("tệp PDF"), upload_to=report_file_path, max_length=300, blank=True)
    # Empty on a job built before the office files existed: its page offers the PDF only.
    docx_file = models.FileField(_("tệp Word (.docx)"), upload_to=report_file_path, max_length=300, blank=True)
    xlsx_file = models.FileField(_("tệp Excel (.xlsx)"), upload_to=report_file_path, max_length=300, blank=True)
    file_size = models.PositiveIntegerField(_("dung lượng (byte)"), null=True, blank=True)
    pages = models.PositiveSmallIntegerField(_("số trang"), null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("báo cáo")
        verbose_name_plural = _("báo cáo")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One build at a time per identical request: a second request reuses the first (report_request), and
            # two requests racing each other are settled by the database.
            models.UniqueConstraint(
                fields=["unit", "as_of", "criteria_set", "language"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="report_job_one_active_per_request",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_job_progress_at_most_100"),
        ]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="report_job_status_heartbeat"),
            models.Index(fields=["requested_by", "created_at"], name="report_job_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.as_of:%d/%m/%Y} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def report_file(self, kind: str) -> FieldFile:
        """The job's file of `kind` ("pdf", "docx", "xlsx"); falsy while it has none."""
        return getattr(self, REPORT_FORMATS[kind].field_name)

    def download_name(self, kind: str) -> str:
        """What the downloaded file is called: the report, its unit and date, and its kind, without diacritics
        ("bao-cao-tien-do-ntm_tinh-thai-nguyen_2025-12-31.pdf"), so that it reads the same in every mail client."""
        unit = slugify(fold_vietnamese(self.unit.name))
        return f"bao-cao-tien-do-ntm_{unit}_{self.as_of:%Y-%m-%d}.{REPORT_FORMATS[kind].extension}"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return round((self.finished_at - self.started_at).total_seconds(), 1)
        return None


class ReportLetterhead(models.Model):
    """Thể thức văn bản: the parts of the report (Nghị định 30/2020/NĐ-CP) that are the province's coordination
    office's, not the data's, kept per province and edited by that office. Read through `letterhead_for(unit)`."""

    unit = models.OneToOneField(
        "communes.AdministrativeUnit",
        on_delete=models.CASCADE,
        related_name="report_letterhead",
        limit_choices_to={"level": UnitLevel.PROVINCE},
        verbose_name=_("tỉnh"),
    )
    governing_body = models.CharField(
        _("cơ quan chủ quản"), max_length=120, help_text=_("In hoa, ví dụ: UBND TỈNH THÁI NGUYÊN")
    )
    issuer = models.CharField(
        _("cơ quan ban hành"), max_length=120, help_text=_("In hoa, ví dụ: VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI")
    )
    number_suffix = models.CharField(
        _("ký hiệu sau số văn bản"), max_length=40, help_text=_("Phần sau “Số: …”, ví dụ: /BC-VPĐP")
    )
    place = models.CharField(_("địa danh"), max_length=80, help_text=_("Trong dòng ngày tháng, ví dụ: Thái Nguyên"))
    signer_capacity = models.CharField(
        _("quyền hạn ký"),
        max_length=80,
        blank=True,
        help_text=_("Ví dụ: KT. CHÁNH VĂN PHÒNG; để trống khi người đứng đầu ký"),
    )
    signer_title = models.CharField(_("chức vụ người ký"), max_length=80, help_text=_("Ví dụ: CHÁNH VĂN PHÒNG"))
    signer_name = models.CharField(
        _("họ tên người ký"), max_length=80, blank=True, help_text=_("Để trống: báo cáo chừa chỗ ký và ghi tên")
    )
    recipients = models.TextField(
        _("nơi nhận"), blank=True, help_text=_("Mỗi dòng một nơi nhận; dòng cuối thường là “Lưu: VT”")
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("thể thức báo cáo")
        verbose_name_plural = _("thể thức báo cáo")

    def __str__(self) -> str:
        return f"{self.governing_body} – {self.issuer}"

    @property
    def recipient_lines(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]
