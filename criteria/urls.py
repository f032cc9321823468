from django.urls import path

from . import queue_views, views
from .services.transitions import TRANSITIONS

app_name = "criteria"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("start/", views.round_start, name="round_start"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    # One route per transition of the table (criteria.services.transitions), all served by one view.
    *(
        path(f"<int:pk>/{t.api_path}/", views.round_transition, {"name": t.name}, name=f"round_{t.name}")
        for t in TRANSITIONS.values()
    ),
    path("<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("queues/verification/", queue_views.verification_queue, name="verification_queue"),
    path("queues/approval/", queue_views.approval_queue, name="approval_queue"),
    path("queues/bulk/<str:name>/", queue_views.queue_bulk, name="queue_bulk"),
    path("communes/<int:commune_pk>/history/", views.commune_history, name="commune_history"),
    path("excel/", views.excel, name="excel"),
    path("excel/template/", views.excel_template, name="excel_template"),
    path("excel/jobs/<int:pk>/", views.excel_job, name="excel_job"),
    path("excel/jobs/<int:pk>/status/", views.excel_job_status, name="excel_job_status"),
]
