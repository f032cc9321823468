"""Report jobs as the API reads and writes them: ids for references, the progress as a percent and a stage."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from communes.models import AdministrativeUnit
from criteria.models import CriteriaSet
from ntm_portal.api.serializers import ReadOnlyModelSerializer
from reports.choices import JobStatus, ReportLanguage
from reports.models import ReportJob
from reports.selectors import report_criteria_sets_for, report_units_for


class _ChoiceOfUser(serializers.PrimaryKeyRelatedField):
    """A key among the rows `choices(user)` returns, the ones the browser's form offers: any other key, another
    unit's included, is refused like a missing one, with the field's name."""

    def __init__(self, choices, **kwargs):
        self.choices_of = choices
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.choices_of(getattr(request, "user", None))


class ReportRequestSerializer(serializers.Serializer):
    """What a client sends to order a report; `reports.services.report_request` decides whether it stands."""

    unit_id = _ChoiceOfUser(
        report_units_for,
        queryset=AdministrativeUnit.objects.none(),
        help_text="The province or district to report on: your own unit or one under it.",
    )
    as_of = serializers.DateField(required=False, help_text="The day the figures are taken at (default: today).")
    criteria_set_id = _ChoiceOfUser(
        report_criteria_sets_for,
        queryset=CriteriaSet.objects.none(),
        required=False,
        allow_null=True,
        help_text="Default: the national set of as_of's year.",
    )
    language = serializers.ChoiceField(
        choices=ReportLanguage.choices, default=ReportLanguage.VIETNAMESE, help_text="The report's language."
    )

    def validate(self, attrs):
        attrs.setdefault("as_of", timezone.localdate())
        return attrs


class ReportProgressSerializer(serializers.Serializer):
    percent = serializers.IntegerField(min_value=0, max_value=100)
    stage = serializers.CharField(help_text="The step the build is at, in the report's language.")


class ReportDownloadsSerializer(serializers.Serializer):
    pdf = serializers.URLField(allow_null=True, help_text="The report as PDF, to read and print.")
    docx = serializers.URLField(
        allow_null=True,
        help_text="The report as Word (.docx), for the office to finish and sign. Null on a job built "
        "before Word files were made.",
    )
    xlsx = serializers.URLField(
        allow_null=True,
        help_text="The report's tables as an Excel workbook, one sheet a table. Null on a job built "
        "before workbooks were made.",
    )


class ReportJobSerializer(ReadOnlyModelSerializer):
    """A report job: queued, running (with its progress), done (with its files) or failed (with the error)."""

    unit_id = serializers.IntegerField(read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    criteria_set_id = serializers.IntegerField(read_only=True)
    requested_by_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="None: a periodic report the system ordered."
    )
    status = serializers.ChoiceField(choices=JobStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    progress = serializers.SerializerMethodField()
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    timings = serializers.DictField(
        child=serializers.FloatField(), read_only=True, help_text="Seconds spent on each step of the build."
    )
    download_url = serializers.SerializerMethodField(help_text="Where the PDF is, once the job is done.")
    downloads = serializers.SerializerMethodField(help_text="Where each file is once the job is done; null before.")

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "unit_id",
            "unit_name",
            "as_of",
            "criteria_set_id",
            "language",
            "requested_by_id",
            "status",
            "status_label",
            "progress",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "timings",
            "pages",
            "file_size",
            "download_url",
            "downloads",
        ]

    @extend_schema_field(ReportProgressSerializer)
    def get_progress(self, job: ReportJob) -> dict:
        return {"percent": job.progress, "stage": job.stage}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, job: ReportJob) -> str | None:
        if job.status != JobStatus.DONE:
            return None
        return reverse("reportjob-download", args=[job.pk], request=self.context.get("request"))

    @extend_schema_field(ReportDownloadsSerializer(allow_null=True))
    def get_downloads(self, job: ReportJob) -> dict | None:
        if job.status != JobStatus.DONE:
            return None
        request = self.context.get("request")
        urls = {"pdf": self.get_download_url(job)}
        for kind in ("docx", "xlsx"):
            # A job built before the office files existed has none.
            urls[kind] = (
                reverse(f"reportjob-download-{kind}", args=[job.pk], request=request) if job.report_file(kind) else None
            )
        return urls


NOT_READY = _("Báo cáo chưa tạo xong: hãy tải về khi trạng thái là “Hoàn thành”.")
