from django.urls import path

from . import dashboards, views

urlpatterns = [
    path("me/todo/", views.TodoView.as_view(), name="api-me-todo"),
]


def register(router) -> None:
    router.register("dashboards", dashboards.DashboardViewSet, basename="dashboard")
