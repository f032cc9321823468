from django.urls import path  # noqa: F401 - the browser views of the assessment workflow are added here

app_name = "criteria"
urlpatterns: list = []
