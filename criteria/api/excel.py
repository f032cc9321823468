"""/api/v1/assessment-excel/: the Excel template of a unit's communes and the upload of a filled-in one.

The same services and rules as the browser's Excel page (criteria/views.py `excel_template` and `excel`): the template
is offered for the units of `units_in_scope` (another unit's key is refused like a missing one), and an upload is
checked as a whole by `rounds_import_xlsx` before anything is written; one bad cell refuses the file, with every
problem listed by Excel row and column.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from communes.models import AdministrativeUnit
from criteria.forms import FIRST_YEAR, LAST_YEAR
from criteria.services.assessment import ConcurrentEdit, IllegalTransition, InvalidValue, NeedsConfirmation
from criteria.services.excel import ExcelImportError, round_template_xlsx, rounds_import_xlsx
from criteria.services.transitions import WorkflowError
from ntm_portal.access import units_in_scope
from ntm_portal.api.filters import allowed_query_parameters, check_query_parameters
from ntm_portal.api.viewsets import FileActionsMixin
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


class ExcelImportRefusedSerializer(serializers.Serializer):
    """A refused file (`code` "invalid_file", with its `errors`), or a refused field (`file`, `year`) under its own
    name like any other 400."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    errors = ExcelCellErrorSerializer(many=True, required=False)


class AssessmentExcelViewSet(FileActionsMixin, viewsets.ViewSet):
    query_serializers = {"template": TemplateQuerySerializer}
    file_actions = ("template",)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if hasattr(self, request.method.lower()):  # else DRF answers 405 next, whatever the query string says
            check_query_parameters(request, allowed=allowed_query_parameters(self))

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
        params = TemplateQuerySerializer(data=request.query_params, context={"request": request})
        params.is_valid(raise_exception=True)
        unit, year = params.validated_data["unit_id"], params.validated_data["year"]
        content = round_template_xlsx(user=request.user, unit=unit, year=year)  # AccessDenied 403, InvalidValue 400
        return xlsx_file_response(filename=f"mau-danh-gia-{unit.name}-{year}.xlsx", content=content)

    @extend_schema(
        operation_id="import_assessment_excel",
        summary="Upload a filled-in Excel template",
        description="Saves the file's values through the assessment workflow, all or nothing: 200 with what "
        "changed; 400 with every problem found (Excel row and column) and nothing written. An empty cell leaves the "
        "stored value as it is.",
        request={"multipart/form-data": ExcelUploadSerializer},
        responses={
            200: ExcelImportReportSerializer,
            400: OpenApiResponse(response=ExcelImportRefusedSerializer, description="The file was refused as a whole."),
        },
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request):
        form = ExcelUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            report = rounds_import_xlsx(
                user=request.user, file=form.validated_data["file"], year=form.validated_data.get("year")
            )
        except ExcelImportError as error:
            errors = [
                {"row": cell.row, "column": cell.column, "reason": cell.reason, "message": str(cell)}
                for cell in error.errors
            ]
            body = {"detail": _("Tệp chưa được nhập: sửa các lỗi dưới đây rồi tải lên lại."), "code": "invalid_file"}
            return Response({**body, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        except WorkflowError as error:
            if isinstance(error, IllegalTransition | ConcurrentEdit | NeedsConfirmation | InvalidValue):
                raise  # the API's exception handler answers these (409, 400)
            return Response({"detail": str(error), "code": "refused"}, status=status.HTTP_400_BAD_REQUEST)
        return Response(ExcelImportReportSerializer(report).data)
