from django.urls import path  # noqa: F401 - the browser views of this app are added here

app_name = "secondments"
urlpatterns: list = []
