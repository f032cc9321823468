from django.urls import path, register_converter

from . import views


class ReportKindConverter:
    """The kinds of file a report job builds (reports.models.REPORT_FORMATS)."""

    regex = "pdf|docx|xlsx"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReportKindConverter, "report_kind")

app_name = "reports"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("new/", views.job_request, name="job_request"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/status/", views.job_status, name="job_status"),
    # The PDF at download/, as before the office files; each kind at download/<kind>/.
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/download/<report_kind:kind>/", views.download, name="download"),
    path("letterhead/", views.letterhead_own, name="letterhead"),
    path("letterhead/<int:province_pk>/", views.letterhead_edit, name="letterhead_edit"),
]
