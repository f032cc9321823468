"""/api/v1/assessment-excel/: the Excel template of a unit's communes and the upload of a filled-in one.

The same services and rules as the browser's Excel page (criteria/views.py `excel_template` and `excel`): the template
is offered for the units of `units_in_scope` (another unit's key is refused like a missing one), and an upload is
checked as a whole by `rounds_import_xlsx` before anything is written; one bad cell refuses the file, with every
problem listed by Excel row and column.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse

from communes.models import AdministrativeUnit
from communes.permissions import units_in_scope
from criteria.forms import FIRST_YEAR, LAST_YEAR
from criteria.models import ExcelImportJob
from criteria.permissions import require_may_import
from criteria.services.assessment import ConcurrentEdit, IllegalTransition, InvalidValue, NeedsConfirmation
from criteria.services.excel import ExcelImportError, cell_error_dicts, round_template_xlsx, rounds_import_xlsx
from criteria.services.excel_jobs import excel_import_job_status, excel_import_request
from criteria.services.transitions import WorkflowError
from ntm_portal.api.viewsets import CheckedInputMixin, FileActionsMixin
from ntm_portal.excel import XLSX_CONTENT_TYPE, xlsx_file_response


class _UnitInScopeField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        request = self.context.get("request")
        return units_in_scope(getattr(request, "user", None))


class TemplateQuerySerializer(serializers.Serializer):
    unit_id = _UnitInScopeField(
        queryset=AdministrativeUnit.objects.none(),
        help_text="The province, district or commune whose communes the template lists (your unit or one under it).",
    )
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR, help_text="The assessment year.")


class ExcelUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The filled-in template (.xlsx).")
    year = serializers.IntegerField(
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        required=False,  # not nullable: a multipart form has no null, only a field left out
        help_text="Default: the year written in the file's information sheet (it must agree when given).",
    )


class ExcelImportReportSerializer(serializers.Serializer):
    rounds_created = serializers.IntegerField(help_text="Communes that had no round of the year and set.")
    rounds_changed = serializers.IntegerField(help_text="Rounds that existed and had at least one value changed.")
    values_changed = serializers.IntegerField(help_text="Cells whose value differs from what was stored.")
    communes = serializers.ListField(child=serializers.CharField(), help_text="The communes written, in file order.")


class ExcelCellErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Excel row number; 0: the file as a whole.")
    column = serializers.CharField(help_text='Column letter and header ("E (TC5 Trường học)"), or "".')
    reason = serializers.CharField()
    message = serializers.CharField(help_text="Row, column and reason in one sentence.")


class ExcelImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=["queued", "running", "done", "refused", "failed"],
        help_text="done: written (see `report`); refused: the file has problems (see `errors`), nothing written; "
        "failed: a server fault, nothing written.",
    )
    status_label = serializers.CharField()
    progress = serializers.IntegerField(min_value=0, max_value=100, help_text="Percent.")
    stage = serializers.CharField(help_text="What the worker is doing, or why it failed.")
    file_name = serializers.CharField()
    report = ExcelImportReportSerializer(allow_null=True, help_text="Once done.")
    errors = ExcelCellErrorSerializer(many=True, help_text="Once refused: every problem, as a 400 would list them.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.CharField(help_text="Where to poll this job.")


class ExcelImportRefusedSerializer(serializers.Serializer):
    """A refused file (`code` "invalid_file", with its `errors`), or a refused field (`file`, `year`) under its own
    name like any other 400."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    errors = ExcelCellErrorSerializer(many=True, required=False)


class AssessmentExcelViewSet(FileActionsMixin, CheckedInputMixin, viewsets.ViewSet):
    query_serializers = {"template": TemplateQuerySerializer}
    file_actions = ("template",)

    @extend_schema(
        operation_id="download_assessment_template",
        summary="Download the Excel assessment template",
        description="A workbook with one row per commune within `unit_id` that you may enter values for, current "
        "values of `year` prefilled, and a guide sheet. 403 when you may enter values for no commune of the unit.",
        parameters=[TemplateQuerySerializer],
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], url_path="template")
    def template(self, request):
        params = self.validated_query(TemplateQuerySerializer)
        unit, year = params["unit_id"], params["year"]
        content = round_template_xlsx(user=request.user, unit=unit, year=year)  # AccessDenied 403, InvalidValue 400
        return xlsx_file_response(filename=f"mau-danh-gia-{unit.name}-{year}.xlsx", content=content)

    @extend_schema(
        operation_id="import_assessment_excel",
        summary="Upload a filled-in Excel template",
        description="Saves the file's values through the assessment workflow, all or nothing: 200 with what "
        "changed; 400 with every problem found (Excel row and column) and nothing written. An empty cell leaves the "
        "stored value as it is. 403 before the file is read when you may enter values for no commune. A file "
        "larger than the server's threshold (NTM_EXCEL_ASYNC_ABOVE_BYTES, 20 KB: about 100 communes) is checked for "
        "its limits, then imported by a worker: 202 with the job to poll at `url`. Limits: 5 MB per file, 50 MB "
        "unpacked, 200 columns, 5000 rows (the server's settings may differ).",
        request={"multipart/form-data": ExcelUploadSerializer},
        responses={
            200: ExcelImportReportSerializer,
            202: OpenApiResponse(response=ExcelImportJobSerializer, description="Queued: poll `url`."),
            400: OpenApiResponse(response=ExcelImportRefusedSerializer, description="The file was refused as a whole."),
        },
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request):
        require_may_import(request.user)  # before the body is parsed
        form = self.validated_body(ExcelUploadSerializer)
        upload, year = form["file"], form.get("year")
        try:
            if upload.size > settings.EXCEL_IMPORT_ASYNC_ABOVE_BYTES:
                job = excel_import_request(user=request.user, file=upload, year=year)
                body = self._job_body(request, job)
                return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})
            report = rounds_import_xlsx(user=request.user, file=upload, year=year)
        except ExcelImportError as error:
            errors = cell_error_dicts(error.errors)
            body = {"detail": _("Tệp chưa được nhập: sửa các lỗi dưới đây rồi tải lên lại."), "code": "invalid_file"}
            return Response({**body, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        except WorkflowError as error:
            if isinstance(error, IllegalTransition | ConcurrentEdit | NeedsConfirmation | InvalidValue):
                raise  # the API's exception handler answers these (409, 400)
            return Response({"detail": str(error), "code": "refused"}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ExcelImportReportSerializer(report).data)

    @extend_schema(
        operation_id="get_assessment_excel_import_job",
        summary="Follow a queued Excel import",
        description="The job a large upload started (202 of the upload): its progress, then what changed (`report`) "
        "or every problem found (`errors`, nothing written). Only the user who uploaded the file sees it.",
        parameters=[OpenApiParameter("job_id", int, OpenApiParameter.PATH, description="The job's `id`.")],
        responses={200: ExcelImportJobSerializer},
    )
    @action(detail=False, methods=["get"], url_path=r"jobs/(?P<job_id>[0-9]+)")
    def job(self, request, job_id: str):
        job = get_object_or_404(ExcelImportJob.objects.visible_to(request.user), pk=job_id)
        return Response(self._job_body(request, job))

    def _job_body(self, request, job) -> dict:
        url = reverse("assessmentexcel-job", kwargs={"job_id": job.pk}, request=request)
        return {**excel_import_job_status(job), "url": url}
