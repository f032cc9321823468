"""/api/v1/reports/: order a progress report, watch its job, download its PDF, .docx and .xlsx.

The same scope and rules as the browser's pages (reports/views.py): jobs come from `ReportJob.objects.visible_to`,
the unit and criteria set are chosen among what the browser's form offers (reports.selectors), and the request goes
through `reports.services.report_request`, which checks everything else.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from ntm_portal.api.exceptions import django_error_dict
from ntm_portal.api.viewsets import FileActionsMixin, PortalViewSetMixin
from reports.choices import JobStatus
from reports.models import REPORT_FORMATS, ReportJob
from reports.services import report_request

from .serializers import NOT_READY, ReportJobSerializer, ReportRequestSerializer

# The service names the form's fields; the API's are the ids.
API_FIELD = {"unit": "unit_id", "criteria_set": "criteria_set_id"}


@extend_schema_view(
    list=extend_schema(
        operation_id="list_reports",
        summary="Report jobs",
        description="The report jobs of your unit and the units under it, newest first (the browser's list).",
    ),
    retrieve=extend_schema(
        operation_id="get_report",
        summary="A report job",
        description="Its status and progress; `download_url` once it is done, `error` if it failed. Poll this "
        "(every few seconds) while the job is queued or running.",
    ),
    create=extend_schema(
        operation_id="request_report",
        summary="Order a progress report",
        description="Queues the PDF progress report of a province or district (your own unit or one under it) as it "
        "stood on `as_of`. 201 with the new job; 200 with the identical job already queued or running, which is "
        "reused rather than built twice.",
        request=ReportRequestSerializer,
        responses={201: ReportJobSerializer, 200: ReportJobSerializer},
    ),
)
class ReportJobViewSet(
    FileActionsMixin,
    PortalViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    GenericViewSet,
):
    queryset = ReportJob.objects.select_related("unit")
    serializer_class = ReportJobSerializer
    file_actions = ("download", "download_docx", "download_xlsx")
    ordering_fields = ["created_at", "as_of", "status"]

    def get_serializer_class(self):
        return ReportRequestSerializer if self.action == "create" else ReportJobSerializer

    def create(self, request, *args, **kwargs):
        fields = self.validated_body(ReportRequestSerializer)
        asked_at = timezone.now()
        try:
            job = report_request(
                user=request.user,
                unit=fields["unit_id"],
                as_of=fields["as_of"],
                criteria_set=fields.get("criteria_set_id"),
                language=fields["language"],
            )
        except DjangoValidationError as error:
            errors = django_error_dict(error)
            return Response({API_FIELD.get(name, name): messages for name, messages in errors.items()}, status=400)
        # An identical job still queued or running is reused (report_request): it was created before this request.
        created = job.created_at >= asked_at
        job = self.get_queryset().get(pk=job.pk)
        body = ReportJobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        operation_id="download_report",
        summary="Download a report's PDF",
        description="The PDF of a job that is done. 409 while the job is queued or running (or failed): read its "
        "`status` first.",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            409: OpenApiResponse(response=OpenApiTypes.OBJECT, description="The job has no PDF yet."),
        },
    )
    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request, pk=None):
        return self._file(self.get_object(), "pdf")

    @extend_schema(
        operation_id="download_report_docx",
        summary="Download a report as Word (.docx)",
        description="The report as a Word document in the form of an administrative report (Nghị định 30/2020): the "
        "PDF's figures and tables, with marked places for the assessment and the tasks ahead, for the office to "
        "finish and sign. 409 while the job is not done, 404 for a job built before Word files were made.",
        responses={
            (200, REPORT_FORMATS["docx"].content_type): OpenApiTypes.BINARY,
            409: OpenApiResponse(response=OpenApiTypes.OBJECT, description="The job has no files yet."),
        },
    )
    @action(detail=True, methods=["get"], url_path="download/docx")
    def download_docx(self, request, pk=None):
        return self._file(self.get_object(), "docx")

    @extend_schema(
        operation_id="download_report_xlsx",
        summary="Download a report's tables (.xlsx)",
        description="The report's tables as an Excel workbook, one sheet a table, numbers and dates typed. 409 while "
        "the job is not done, 404 for a job built before workbooks were made.",
        responses={
            (200, REPORT_FORMATS["xlsx"].content_type): OpenApiTypes.BINARY,
            409: OpenApiResponse(response=OpenApiTypes.OBJECT, description="The job has no files yet."),
        },
    )
    @action(detail=True, methods=["get"], url_path="download/xlsx")
    def download_xlsx(self, request, pk=None):
        return self._file(self.get_object(), "xlsx")

    def _file(self, job: ReportJob, kind: str):
        report_file = job.report_file(kind)
        # A done job has its PDF; its .docx and .xlsx only if it was built since they were made.
        if job.status != JobStatus.DONE or (kind == "pdf" and not report_file):
            return Response(
                {"detail": str(NOT_READY), "code": "not_ready", "status": job.status}, status=status.HTTP_409_CONFLICT
            )
        if not report_file:
            raise NotFound(_("Báo cáo này được tạo trước khi có tệp Word và Excel: hãy yêu cầu lại báo cáo."))
        try:
            handle = report_file.open("rb")
        except FileNotFoundError as error:
            raise NotFound(_("Tệp báo cáo không còn.")) from error
        return FileResponse(
            handle,
            as_attachment=True,
            filename=job.download_name(kind),
            content_type=REPORT_FORMATS[kind].content_type,
        )
