from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("me/todo/", views.TodoView.as_view(), name="api-me-todo"),
    path("ping/", views.PingView.as_view(), name="api-ping"),
]
