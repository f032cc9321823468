from django.urls import path  # noqa: F401 - report request, progress and download views are added here

app_name = "reports"
urlpatterns: list = []
