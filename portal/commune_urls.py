from django.urls import path

from . import commune_views as views

app_name = "communes"
urlpatterns = [
    path("", views.commune_list, name="commune_list"),
    path("matrix/", views.criteria_matrix, name="criteria_matrix"),
    path("<int:pk>/", views.commune_detail, name="commune_detail"),
    path("<int:pk>/profile.pdf", views.commune_profile_pdf, name="commune_profile_pdf"),
]
