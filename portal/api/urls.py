from django.urls import path

from . import views

urlpatterns = [
    path("me/todo/", views.TodoView.as_view(), name="api-me-todo"),
]
