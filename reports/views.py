"""Browser views of report jobs: order a report, watch its progress bar, download the PDF.

Scope: jobs come from `ReportJob.objects.visible_to(user)`, so another unit's job is a 404 everywhere, download
included. The request itself goes through `report_request`, which the API (reports/api/views.py) calls too, with the
same choices of unit and criteria set (reports.selectors).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from ntm_portal.access import AccessDenied

from .choices import JobStatus
from .forms import ReportRequestForm
from .models import REPORT_FORMATS, ReportJob
from .selectors import report_job_list, report_job_status
from .services import report_request

PAGE_SIZE = 25


def _visible_job(request: HttpRequest, pk: int) -> ReportJob:
    return get_object_or_404(report_job_list(user=request.user), pk=pk)


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(report_job_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return render(request, "reports/job_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def job_request(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = report_request(user=request.user, **form.cleaned_data)
        except AccessDenied as error:
            form.add_error("unit", str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("reports:job_detail", pk=job.pk)
    return render(request, "reports/job_request.html", {"form": form})


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
