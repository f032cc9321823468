from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("new/", views.job_request, name="job_request"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/status/", views.job_status, name="job_status"),
    path("<int:pk>/download/", views.download, name="download"),
    path("letterhead/", views.letterhead_own, name="letterhead"),
    path("letterhead/<int:province_pk>/", views.letterhead_edit, name="letterhead_edit"),
]
