from django.urls import path

from . import views

app_name = "secondments"
urlpatterns = [
    *views.registry.urls(),
    path("<int:pk>/close/", views.secondment_close, name="secondment_close"),
]
