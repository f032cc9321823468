"""Browser views of report jobs: order a report, watch its progress bar, download the PDF.

Scope: jobs come from `ReportJob.objects.visible_to(user)`, so another unit's job is a 404 everywhere, download
included. The request itself goes through `report_request`, which the API (reports/api/views.py) calls too, with the
same choices of unit and criteria set (reports.selectors).
"""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from communes.models import AdministrativeUnit
from ntm_portal.tables import page_of

from .choices import JobStatus
from .forms import ReportLetterheadForm, ReportRequestForm
from .letterhead import default_letterhead
from .models import REPORT_FORMATS, ReportJob, ReportLetterhead
from .permissions import can_edit_letterhead
from .selectors import report_job_list, report_job_status
from .services import report_request


def _visible_job(request: HttpRequest, pk: int) -> ReportJob:
    return get_object_or_404(report_job_list(user=request.user), pk=pk)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/job_list.html", {"page": page_of(request, report_job_list(user=request.user))})


@login_required
@require_http_methods(["GET", "POST"])
def job_request(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = report_request(user=request.user, **form.cleaned_data)  # AccessDenied: the 403 page says why
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("reports:job_detail", pk=job.pk)
    unit = request.user.unit
    letterhead_province = unit if unit is not None and can_edit_letterhead(request.user, unit) else None
    return render(request, "reports/job_request.html", {"form": form, "letterhead_province": letterhead_province})


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    return render(request, "reports/job_detail.html", {"job": job, "status": report_job_status(job)})


@login_required
@require_GET
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the progress bar polls every second."""
    return JsonResponse(report_job_status(_visible_job(request, pk)))


@login_required
@require_GET
def download(request: HttpRequest, pk: int, kind: str = "pdf") -> FileResponse:
    """The job's PDF, .docx or .xlsx (`kind`), named after the unit and the date."""
    job = _visible_job(request, pk)
    report_file = job.report_file(kind)
    if job.status != JobStatus.DONE or not report_file:
        raise Http404("Báo cáo chưa có tệp.")
    try:
        handle = report_file.open("rb")
    except FileNotFoundError as error:
        raise Http404("Tệp báo cáo không còn.") from error
    return FileResponse(
        handle, as_attachment=True, filename=job.download_name(kind), content_type=REPORT_FORMATS[kind].content_type
    )


@login_required
@require_GET
def letterhead_own(request: HttpRequest) -> HttpResponse:
    """The coordinator's way in: the letterhead of their own province."""
    unit = request.user.unit
    if unit is None or not can_edit_letterhead(request.user, unit):
        raise PermissionDenied(_("Chỉ Văn phòng Điều phối nông thôn mới của tỉnh được sửa thể thức báo cáo."))
    return redirect("reports:letterhead_edit", province_pk=unit.pk)


@login_required
@require_http_methods(["GET", "POST"])
def letterhead_edit(request: HttpRequest, province_pk: int) -> HttpResponse:
    province = get_object_or_404(AdministrativeUnit.objects.provinces(), pk=province_pk)
    if not can_edit_letterhead(request.user, province):
        raise PermissionDenied(_("Chỉ Văn phòng Điều phối nông thôn mới của tỉnh được sửa thể thức báo cáo."))
    letterhead = ReportLetterhead.objects.filter(unit=province).first()
    if letterhead is None:
        # Until the office saves its own, the form starts from the wording every report uses meanwhile.
        defaults = asdict(default_letterhead(province))
        defaults["recipients"] = "\n".join(defaults["recipients"])
        letterhead = ReportLetterhead(unit=province, **defaults)
    form = ReportLetterheadForm(request.POST or None, instance=letterhead)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Đã lưu thể thức báo cáo của %(province)s.") % {"province": province.name})
        return redirect("reports:letterhead_edit", province_pk=province.pk)
    return render(request, "reports/letterhead_form.html", {"form": form, "province": province})
