from django.urls import path

from . import views

app_name = "criteria"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("start/", views.round_start, name="round_start"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    path("<int:pk>/submit/", views.round_submit, name="round_submit"),
    path("<int:pk>/verify/", views.round_verify, name="round_verify"),
    path("<int:pk>/return-to-commune/", views.round_return_to_commune, name="round_return_to_commune"),
    path("<int:pk>/approve/", views.round_approve, name="round_approve"),
    path("<int:pk>/return-to-district/", views.round_return_to_district, name="round_return_to_district"),
    path("<int:pk>/reopen/", views.round_reopen, name="round_reopen"),
    path("<int:pk>/recognition/", views.recognition_record, name="recognition_record"),
    path("<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("queues/verification/", views.verification_queue, name="verification_queue"),
    path("queues/approval/", views.approval_queue, name="approval_queue"),
    path("communes/<int:commune_pk>/history/", views.commune_history, name="commune_history"),
    path("excel/", views.excel, name="excel"),
    path("excel/template/", views.excel_template, name="excel_template"),
]
