from django.urls import path

from . import tokens, views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("ping/", views.PingView.as_view(), name="api-ping"),
    path("auth/token/", tokens.TokenView.as_view(), name="api-token-obtain"),
    path("auth/tokens/", tokens.TokenListView.as_view(), name="api-token-list"),
    path("auth/tokens/<int:pk>/", tokens.TokenDetailView.as_view(), name="api-token-detail"),
]
