from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("new/", views.job_request, name="job_request"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/status/", views.job_status, name="job_status"),
    path("<int:pk>/download/", views.download, name="download"),
]
